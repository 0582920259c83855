// The media fast path must be invisible: on every frame it accepts, the full decoder says the same.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeTwilioInbound, encodeTwilioInboundMedia, readCompactMedia } from './twilio-media.ts';

/** The generic path alone: the frame with a space after its first brace, which the fast path never takes. */
function generic(text: string) {
  return decodeTwilioInbound(`{ ${text.slice(1)}`);
}

const sid = fc.stringMatching(/^MZ[0-9a-f]{32}$/);
const b64 = fc.uint8Array({ minLength: 0, maxLength: 400 }).map((b) => Buffer.from(b).toString('base64'));
const counter = fc.nat({ max: 2 ** 40 });

const compactFrame = fc
  .record({ sequenceNumber: counter, chunk: counter, timestamp: counter, payload: b64, streamSid: sid })
  .map((f) => encodeTwilioInboundMedia(f));

/** Small edits that a real Twilio frame never has but a hostile peer may send. */
const edit = fc.oneof(
  fc.record({
    kind: fc.constant('insert' as const),
    at: fc.nat(),
    text: fc.constantFrom(' ', '\\', '"', '\\u0041', ',"x":1', '\n', '0', '-', '}', '{'),
  }),
  fc.record({ kind: fc.constant('delete' as const), at: fc.nat(), n: fc.integer({ min: 1, max: 4 }) }),
  fc.record({ kind: fc.constant('replace' as const), at: fc.nat(), text: fc.string({ maxLength: 3 }) }),
);

function applyEdit(frame: string, e: { kind: string; at: number; text?: string; n?: number }): string {
  const at = e.at % (frame.length + 1);
  if (e.kind === 'insert') return frame.slice(0, at) + e.text + frame.slice(at);
  if (e.kind === 'delete') return frame.slice(0, at) + frame.slice(at + (e.n ?? 1));
  return frame.slice(0, at) + e.text + frame.slice(at + (e.text?.length ?? 0));
}

describe('readCompactMedia (the caller-media fast path)', () => {
  it('takes every frame in the layout Twilio sends, with the same message the full decoder gives', () => {
    fc.assert(
      fc.property(compactFrame, (frame) => {
        const fast = readCompactMedia(frame);
        const full = generic(frame);
        expect(fast).toBeDefined();
        expect(full.ok).toBe(true);
        expect(fast).toEqual(full.ok ? full.message : undefined);
      }),
      { numRuns: 500 },
    );
  });

  it('on edited frames, either steps aside or agrees with the full decoder', () => {
    fc.assert(
      fc.property(compactFrame, fc.array(edit, { minLength: 1, maxLength: 3 }), (frame, edits) => {
        const text = edits.reduce((f, e) => applyEdit(f, e), frame);
        const fast = readCompactMedia(text);
        if (fast === undefined) return;
        const full = generic(text);
        expect(full.ok).toBe(true);
        expect(fast).toEqual(full.ok ? full.message : undefined);
      }),
      { numRuns: 3000 },
    );
  });

  it('leaves escapes, white space, other key orders and out-of-range values to the full decoder', () => {
    const frame = encodeTwilioInboundMedia({
      sequenceNumber: 2,
      streamSid: `MZ${'a'.repeat(32)}`,
      chunk: 1,
      timestamp: 20,
      payload: 'AAAA',
    });
    expect(readCompactMedia(frame)).toBeDefined();
    expect(readCompactMedia(frame.replace('"inbound"', '"in\\u0062ound"'))).toBeUndefined();
    expect(readCompactMedia(frame.replace('"chunk":"1"', '"chunk": "1"'))).toBeUndefined();
    expect(
      readCompactMedia(frame.replace('"timestamp":"20"', '"timestamp":"1234567890123456"')),
    ).toBeUndefined();
    expect(readCompactMedia(frame.replace('"AAAA"', '"AA=A"'))).toBeUndefined();
    expect(readCompactMedia(`${frame.slice(0, -1)},"x":1}`)).toBeUndefined();
    // The full decoder still reads what the fast path leaves to it.
    expect(decodeTwilioInbound(frame.replace('"inbound"', '"in\\u0062ound"'))).toMatchObject({
      ok: true,
      message: { media: { track: 'inbound' } },
    });
  });
});

// The keeper's look-back over long stretches of audio: the recent audio is kept decoded in a ring of
// `lookbackMs` of bytes, so a turn that starts seconds into a call, or minutes, still reaches back
// exactly `lookbackMs` (never further, never less), whatever the sizes of the frames that filled it
// (a gap fill longer than the look-back included: only its last `lookbackMs` are kept).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { TurnAudio } from '../ports/transcriber.ts';
import { CallerTurnAudio } from './caller-turn-audio.ts';

const FRAME_MS = 20;
const BYTES_PER_MS = 8;

/** Byte i of the call's audio is i mod 251: a cut shows where it was made. */
const frameAt = (ms: number) =>
  Buffer.from(
    Uint8Array.from({ length: FRAME_MS * BYTES_PER_MS }, (_, i) => (ms * BYTES_PER_MS + i) % 251),
  ).toString('base64');
const ramp = (fromMs: number, toMs: number) =>
  Uint8Array.from({ length: (toMs - fromMs) * BYTES_PER_MS }, (_, i) => (fromMs * BYTES_PER_MS + i) % 251);

describe('caller turn audio: the look-back over long calls', () => {
  it('reaches back to audio_start_ms, or lookbackMs before speech_started arrived, whichever is later', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 900 }),
        fc.integer({ min: 0, max: 20_000 }),
        fc.constantFrom(500, 2000),
        (frames, startAsked, lookbackMs) => {
          const turns: TurnAudio[] = [];
          const keeper = new CallerTurnAudio({
            lookbackMs,
            transcriber: {
              provider: 'cartesia',
              transcribe: (audio) => {
                turns.push(audio);
                return new Promise(() => {});
              },
            },
          });
          const timelineMs = frames * FRAME_MS;
          for (let ms = 0; ms < timelineMs; ms += FRAME_MS) keeper.onAudio(frameAt(ms));
          keeper.onSpeechStarted('item_1', Math.min(startAsked, timelineMs));
          keeper.onAudio(frameAt(timelineMs));
          keeper.onSpeechStopped('item_1', timelineMs + FRAME_MS);
          keeper.onCommitted('item_1');
          const oldestKept = Math.max(0, timelineMs - lookbackMs);
          const fromMs = Math.max(Math.min(startAsked, timelineMs), oldestKept);
          expect(turns).toHaveLength(1);
          expect(Buffer.from(turns[0]!.mulaw).equals(Buffer.from(ramp(fromMs, timelineMs + FRAME_MS)))).toBe(
            true,
          );
        },
      ),
      { numRuns: 60 },
    );
  });

  it('gives every turn the exact bytes of the timeline, for frames of any size (a gap fill longer than the look-back too), across sessions', () => {
    const frameBytes = fc.oneof(
      fc.constant(160),
      fc.integer({ min: 1, max: 400 }),
      fc.integer({ min: 16_000, max: 40_000 }), // 2–5 s of filled gap: longer than a 2 s look-back
    );
    const step = fc.oneof(
      { weight: 6, arbitrary: frameBytes.map((bytes) => ({ kind: 'audio' as const, bytes })) },
      // speech_started reports a start up to 3 s back (past the look-back) or just ahead of the audio
      {
        weight: 1,
        arbitrary: fc.integer({ min: -200, max: 3000 }).map((back) => ({ kind: 'start' as const, back })),
      },
      { weight: 1, arbitrary: fc.nat({ max: 30_000 }).map((ms) => ({ kind: 'stop' as const, ms })) },
      { weight: 1, arbitrary: fc.constant({ kind: 'commit' as const }) },
      { weight: 1, arbitrary: fc.constant({ kind: 'session' as const }) },
    );
    fc.assert(
      fc.property(fc.array(step, { maxLength: 60 }), fc.constantFrom(500, 2000), (steps, lookbackMs) => {
        const keeper = new CallerTurnAudio({ lookbackMs, keepCommitted: 100 });
        // The model: every byte of the session's timeline, byte i of the call being i * 7 mod 256.
        let callByte = 0;
        let timeline: number[] = [];
        let open: { id: string; fromMs: number; toMs: number | null } | undefined;
        const expected = new Map<string, number[]>();
        let n = 0;
        for (const s of steps) {
          if (s.kind === 'audio') {
            const bytes = Array.from({ length: s.bytes }, (_, i) => ((callByte + i) * 7) & 0xff);
            callByte += s.bytes;
            keeper.onAudio(Buffer.from(bytes).toString('base64'));
            timeline = timeline.concat(bytes);
          } else if (s.kind === 'start') {
            const id = `item_${++n}`;
            const nowMs = timeline.length / BYTES_PER_MS;
            const oldestMs = Math.max(0, timeline.length - lookbackMs * BYTES_PER_MS) / BYTES_PER_MS;
            const ms = Math.max(0, nowMs - s.back);
            keeper.onSpeechStarted(id, ms);
            open = { id, fromMs: Math.min(Math.max(ms, oldestMs), nowMs), toMs: null };
          } else if (s.kind === 'stop' && open && open.toMs === null) {
            keeper.onSpeechStopped(open.id, s.ms);
            open.toMs = Math.min(Math.max(s.ms, open.fromMs), timeline.length / BYTES_PER_MS);
          } else if (s.kind === 'commit' && open) {
            keeper.onCommitted(open.id);
            const toMs = open.toMs ?? timeline.length / BYTES_PER_MS;
            const from = Math.round(open.fromMs * BYTES_PER_MS);
            const to = Math.round(toMs * BYTES_PER_MS);
            if (to > from) expected.set(open.id, timeline.slice(from, to));
            open = undefined;
          } else if (s.kind === 'session') {
            keeper.onSessionStart();
            timeline = [];
            open = undefined;
          }
        }
        for (const [id, bytes] of expected) expect([...(keeper.audioOf(id) ?? [])]).toEqual(bytes);
        for (let i = 1; i <= n; i++)
          if (!expected.has(`item_${i}`)) expect(keeper.audioOf(`item_${i}`)).toBeUndefined();
      }),
      { numRuns: 300 },
    );
  });

  it('keeps a malformed frame as silence of the length its text promises, so the audio after it stays in place', () => {
    const keeper = new CallerTurnAudio({});
    keeper.onAudio(Buffer.from(ramp(0, 20)).toString('base64'));
    keeper.onAudio('AAAA!!!!AAAA'); // 9 bytes promised; Node's decoder skips the '!' and gives 6
    keeper.onAudio(Buffer.from(ramp(0, 20)).toString('base64'));
    keeper.onSpeechStarted('u1', 0);
    keeper.onSpeechStopped('u1', (160 + 9 + 160) / BYTES_PER_MS);
    keeper.onCommitted('u1');
    const audio = [...keeper.audioOf('u1')!];
    expect(audio).toHaveLength(329);
    expect(audio.slice(160, 166)).toEqual([0, 0, 0, 0, 0, 0]);
    expect(audio.slice(166, 169)).toEqual([0xff, 0xff, 0xff]);
    expect(audio.slice(169)).toEqual([...ramp(0, 20)]);
  });

  it('keeps a malformed frame that wraps round the ring as silence too, and cuts a turn that reaches past the look-back at its edge', () => {
    const keeper = new CallerTurnAudio({ lookbackMs: 25 }); // a 200-byte ring
    keeper.onAudio(Buffer.from(ramp(0, 20)).toString('base64')); // 160 bytes: 40 left before the end
    // 48 bytes promised (64 characters), 45 decoded: Node's decoder skips the four '!'
    keeper.onAudio(`AAAA!!!!${'A'.repeat(56)}`);
    keeper.onSpeechStarted('u1', 0); // before the look-back: cut at its edge, 208 − 200 = 8 bytes in
    keeper.onSpeechStopped('u1', 26);
    keeper.onCommitted('u1');
    const audio = [...keeper.audioOf('u1')!];
    expect(audio).toHaveLength(200);
    expect(audio.slice(0, 152)).toEqual([...ramp(0, 20)].slice(8));
    expect(audio.slice(152, 197)).toEqual(new Array(45).fill(0));
    expect(audio.slice(197)).toEqual([0xff, 0xff, 0xff]);
  });
});

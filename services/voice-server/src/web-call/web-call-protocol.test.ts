// The browser's wire format, pure: frames decoded without a throw whatever arrives, and the 16 kHz ↔
// 8 kHz conversion that lets the session core hear the browser as it hears Twilio.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  Downsampler,
  decodeWebCallClient,
  encodeClear,
  encodeMark,
  pcm16ToBytes,
  Upsampler,
} from './web-call-protocol.ts';

const text = (v: unknown) => Buffer.from(JSON.stringify(v));

describe('decoding the browser’s frames', () => {
  it('reads start, mark, stop and PCM16 audio', () => {
    expect(decodeWebCallClient(text({ type: 'start', token: 't' }), false)).toEqual({
      ok: true,
      message: { type: 'start', token: 't' },
    });
    expect(decodeWebCallClient(text({ type: 'mark', name: 'm1' }), false)).toEqual({
      ok: true,
      message: { type: 'mark', name: 'm1' },
    });
    expect(decodeWebCallClient(text({ type: 'stop' }), false)).toEqual({
      ok: true,
      message: { type: 'stop' },
    });
    const audio = decodeWebCallClient(pcm16ToBytes(Int16Array.from([1, -2, 32767, -32768])), true);
    expect(audio.ok && audio.message.type === 'audio' && [...audio.message.pcm]).toEqual([
      1, -2, 32767, -32768,
    ]);
  });

  it('refuses half samples, empty binary frames, non-JSON, unknown types and missing fields', () => {
    for (const [data, binary] of [
      [Buffer.from([1, 2, 3]), true],
      [Buffer.alloc(0), true],
      [Buffer.from('{"type":'), false],
      [text([1]), false],
      [text({ type: 'media' }), false],
      [text({ type: 'start' }), false],
      [text({ type: 'mark', name: '' }), false],
      [text({ type: 'mark', name: 'x'.repeat(129) }), false],
    ] as const)
      expect(decodeWebCallClient(data, binary).ok).toBe(false);
  });

  it('answers any frame with a verdict, never a throw', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), fc.boolean(), (bytes, binary) => {
        const r = decodeWebCallClient(Buffer.from(bytes), binary);
        expect(typeof r.ok).toBe('boolean');
      }),
    );
    fc.assert(
      fc.property(fc.jsonValue(), (v) => {
        expect(typeof decodeWebCallClient(text(v), false).ok).toBe('boolean');
      }),
    );
  });

  it('encodes the server’s control messages as documented', () => {
    expect(JSON.parse(encodeMark('7'))).toEqual({ type: 'mark', name: '7' });
    expect(JSON.parse(encodeClear())).toEqual({ type: 'clear' });
  });
});

describe('resampling', () => {
  it('halves the rate, a sample pair at a time, carrying an odd one to the next frame', () => {
    const d = new Downsampler();
    expect([...d.push(Int16Array.from([100, 300, 1000]))]).toEqual([200]);
    expect([...d.push(Int16Array.from([2000, 5, 7]))]).toEqual([1500, 6]);
    // Frame boundaries do not change the result: the same samples in any split give the same output.
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: -32768, max: 32767 }), { maxLength: 100 }),
        fc.array(fc.nat(), { maxLength: 5 }),
        (samples, cuts) => {
          const whole = [...new Downsampler().push(Int16Array.from(samples))];
          const split = new Downsampler();
          const out: number[] = [];
          let at = 0;
          for (const c of [...cuts.map((c) => c % (samples.length + 1))].sort((a, b) => a - b)) {
            out.push(...split.push(Int16Array.from(samples.slice(at, c))));
            at = Math.max(at, c);
          }
          out.push(...split.push(Int16Array.from(samples.slice(at))));
          expect(out).toEqual(whole);
        },
      ),
    );
  });

  it('doubles the rate by interpolation, continuous across frames, from silence after a reset', () => {
    const u = new Upsampler();
    expect([...u.push(Int16Array.from([100, 200]))]).toEqual([50, 100, 150, 200]);
    expect([...u.push(Int16Array.from([0]))]).toEqual([100, 0]);
    u.push(Int16Array.from([1000]));
    u.reset();
    expect([...u.push(Int16Array.from([1000]))]).toEqual([500, 1000]);
  });

  it('round trips a tone through 8 kHz with little loss', () => {
    const tone = Int16Array.from({ length: 1600 }, (_, i) =>
      Math.round(8000 * Math.sin((2 * Math.PI * 300 * i) / 16_000)),
    );
    const back = new Upsampler().push(new Downsampler().push(tone));
    let err = 0;
    for (let i = 10; i < tone.length - 10; i++) err = Math.max(err, Math.abs(back[i]! - tone[i]!));
    // Within a tenth of the amplitude (the pair average delays by a quarter of an 8 kHz sample).
    expect(err).toBeLessThan(800);
  });
});

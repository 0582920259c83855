// The level meter's two decoders: Node's native base64 decoder for whole standard base64, the digit
// loop for everything else. Whatever the text, the running sum of squares and the sample count are
// exactly the ones the digit loop alone gives (the bytes are summed in the same order).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AudioLevels, NATIVE_MAX_CHARS } from './audio-levels.ts';

interface Accumulator {
  sum: number;
  count: number;
  addBase64(payload: string): void;
  addDigits(payload: string): void;
}
const callerSide = (levels: AudioLevels) => (levels as unknown as { caller: Accumulator }).caller;

/** The sum and count after `addBase64` (and whether it fell back to the digit loop), and after the digit loop alone. */
function bothWays(payload: string) {
  const chosen = callerSide(new AudioLevels('CA1', () => {}));
  let fellBack = false;
  const addDigits = chosen.addDigits.bind(chosen);
  chosen.addDigits = (p) => {
    fellBack = true;
    addDigits(p);
  };
  chosen.addBase64(payload);
  const digits = callerSide(new AudioLevels('CA1', () => {}));
  digits.addDigits(payload);
  return {
    chosen: { sum: chosen.sum, count: chosen.count },
    digits: { sum: digits.sum, count: digits.count },
    fellBack,
  };
}

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
/** Text near base64: its digits, padding, URL-safe digits, white space, and characters whose low byte is one. */
const nearBase64 = fc
  .array(
    fc.oneof(
      { weight: 20, arbitrary: fc.constantFrom(...B64) },
      fc.constantFrom('=', '-', '_', ' ', '\n', '*', '\u012d', '\u015f', '\u0141', '\u00c1', '\u0100'),
    ),
    { maxLength: 64 },
  )
  .map((cs) => cs.join(''));

describe('AudioLevels: the native decoder and the digit loop agree', () => {
  it('on whole base64 of any bytes, padding included, by the native path', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 2000 }), (bytes) => {
        const r = bothWays(Buffer.from(bytes).toString('base64'));
        expect(r.chosen).toEqual(r.digits);
        expect(r.chosen.count).toBe(bytes.length);
        expect(r.fellBack).toBe(false);
      }),
      { numRuns: 300 },
    );
  });

  it('on text that is almost base64: URL-safe digits, white space, padding inside, non-ASCII look-alikes', () => {
    fc.assert(
      fc.property(nearBase64, (text) => {
        const r = bothWays(text);
        expect(r.chosen).toEqual(r.digits);
      }),
      { numRuns: 1000 },
    );
  });

  it('on the cases where the native decoder alone would differ, by the digit loop', () => {
    // U+012D's low byte is '-', a URL-safe digit to Node; '-' and '_' are URL-safe digits; Node skips
    // a space or a '=' inside, where the digit loop stops.
    for (const text of [
      '\u012d\u012d\u012d\u012d',
      '----',
      '____',
      'gIA gIA=',
      'gA==gA==',
      '/w==/w==',
      '====',
      'A===',
    ]) {
      const r = bothWays(text);
      expect(r.chosen).toEqual(r.digits);
      expect(r.fellBack).toBe(true);
    }
    expect(bothWays('\u012d\u012d\u012d\u012d').chosen.count).toBe(0);
  });

  it('up to the scratch buffer natively, and beyond it by the digit loop, with the same sums', () => {
    const longest = Buffer.alloc((NATIVE_MAX_CHARS / 4) * 3, 0x80).toString('base64');
    expect(longest.length).toBe(NATIVE_MAX_CHARS);
    const atLimit = bothWays(longest);
    expect(atLimit.fellBack).toBe(false);
    expect(atLimit.chosen).toEqual(atLimit.digits);
    expect(atLimit.chosen.count).toBe(8190);
    const over = bothWays(Buffer.alloc(8193, 0x80).toString('base64'));
    expect(over.fellBack).toBe(true);
    expect(over.chosen).toEqual(over.digits);
    expect(over.chosen.count).toBe(8193);
  });
});

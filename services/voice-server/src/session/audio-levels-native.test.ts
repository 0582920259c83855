// The level meter's two decoders: Node's native base64 decoder for whole standard base64, the digit
// loop for everything else. Whatever the text, the level is the one the digit loop alone gives.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AudioLevels } from './audio-levels.ts';

/** Caller level of one frame: through `addBase64` (both paths) and through the digit loop alone. */
function bothWays(payload: string): { chosen: number[]; digits: number[] } {
  const chosen: number[][] = [];
  const digits: number[][] = [];
  const viaBase64 = new AudioLevels('CA1', (_sid, l) => chosen.push(l.caller), 250, 1);
  const viaDigits = new AudioLevels('CA1', (_sid, l) => digits.push(l.caller), 250, 1);
  viaBase64.send();
  viaDigits.send();
  viaBase64.addCaller(payload);
  (viaDigits as unknown as { caller: { addDigits(p: string): void } }).caller.addDigits(payload);
  viaBase64.closeWindow();
  viaDigits.closeWindow();
  return { chosen: chosen[0]!, digits: digits[0]! };
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
  it('on whole base64 of any bytes, padding included', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 400 }), (bytes) => {
        const { chosen, digits } = bothWays(Buffer.from(bytes).toString('base64'));
        expect(chosen).toEqual(digits);
      }),
      { numRuns: 300 },
    );
  });

  it('on text that is almost base64: URL-safe digits, white space, padding inside, non-ASCII look-alikes', () => {
    fc.assert(
      fc.property(nearBase64, (text) => {
        const { chosen, digits } = bothWays(text);
        expect(chosen).toEqual(digits);
      }),
      { numRuns: 1000 },
    );
  });

  it('on the cases where the native decoder alone would differ', () => {
    // U+012D's low byte is '-', a URL-safe digit to Node; '-' and '_' are URL-safe digits; a
    // space is skipped by Node but stops the digit loop.
    for (const text of ['\u012d\u012d\u012d\u012d', '----', '____', 'gIA gIA=', 'gA==gA==', '/w==/w=='])
      expect(bothWays(text).chosen).toEqual(bothWays(text).digits);
    expect(bothWays('\u012d\u012d\u012d\u012d').chosen).toEqual([0]);
    expect(bothWays('gICA').chosen).toEqual([1]); // three 0x80 bytes: full scale, by the native path
  });
});

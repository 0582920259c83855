import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeStandardBase64, isBase64 } from './twilio-media.ts';

/** The rule spelled out character by character: whole groups of four, padding only at the end. */
function byTheRule(s: string): boolean {
  if (s.length % 4 !== 0) return false;
  const pad = s.endsWith('==') ? 2 : s.endsWith('=') ? 1 : 0;
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
  for (let i = 0; i < s.length - pad; i++) if (!alphabet.includes(s[i]!)) return false;
  return true;
}

describe('isBase64 (every caller frame is checked with it)', () => {
  it('agrees with the rule on strings near base64: padding anywhere, stray characters, any length', () => {
    // Node's decoder (which the check uses) takes '-' and '_', reads 'Ł' (U+0141) and 'ű' (U+0171) by
    // their low bytes as 'A' and 'q', and skips NUL, tabs and line breaks: each must still be refused.
    const near = fc.constantFrom(...'AZaz09+/=-_ \n"\\ÿ€Łű\u012d\0\t'.split(''));
    fc.assert(
      fc.property(fc.array(near, { maxLength: 24 }), (chars) => {
        const s = chars.join('');
        expect(isBase64(s)).toBe(byTheRule(s));
      }),
      { numRuns: 2000 },
    );
  });

  it('accepts every payload Buffer encodes, whole or cut at a group of four', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 400 }), fc.nat(), (bytes, cut) => {
        const b64 = Buffer.from(bytes).toString('base64');
        expect(isBase64(b64)).toBe(true);
        const at = (cut % (b64.length / 4 + 1)) * 4;
        expect(isBase64(b64.slice(0, at))).toBe(true);
      }),
    );
  });

  it('agrees with the rule on base64 with one character changed (the decoder would skip or misread it)', () => {
    const stray = fc.constantFrom(...'=-_ \n\0\tŁű\u012d\u0100é'.split(''));
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 300 }), fc.nat(), stray, (bytes, at, c) => {
        const b64 = Buffer.from(bytes).toString('base64');
        const i = at % b64.length;
        const s = b64.slice(0, i) + c + b64.slice(i + 1);
        expect(isBase64(s)).toBe(byTheRule(s));
      }),
      { numRuns: 2000 },
    );
  });

  it('checks text longer than the native check holds (64 KiB) by the rule too', () => {
    const long = Buffer.alloc(60_000, 7).toString('base64'); // 80,000 characters
    expect(long.length).toBeGreaterThan(65_536);
    expect(isBase64(long)).toBe(true);
    expect(isBase64(`${long.slice(0, -4)}AB-C`)).toBe(false);
    expect(isBase64(`${long.slice(0, -4)}A===`)).toBe(false);
    const edge = Buffer.alloc(49_152, 7).toString('base64'); // exactly 65,536 characters: the native check
    expect(edge.length).toBe(65_536);
    expect(isBase64(edge)).toBe(true);
    expect(isBase64(`${edge.slice(0, -1)}_`)).toBe(false);
    expect(isBase64(`${edge.slice(0, 1000)}=${edge.slice(1001)}`)).toBe(false);
  });

  it('refuses a payload with a line break at its end (a multi-line end anchor would let it through)', () => {
    expect(isBase64('AAA\n')).toBe(false);
    expect(isBase64('AAAA\nAAA')).toBe(false);
  });

  it('decodeStandardBase64 gives the bytes of standard base64 that fits, and -1 for anything else', () => {
    const target = Buffer.alloc(300);
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 400 }), (bytes) => {
        const n = decodeStandardBase64(Buffer.from(bytes).toString('base64'), target);
        if (bytes.length > 300) expect(n).toBe(-1);
        else {
          expect(n).toBe(bytes.length);
          expect(target.subarray(0, n).equals(Buffer.from(bytes))).toBe(true);
        }
      }),
    );
    for (const text of ['AAA', 'AB-C', 'AB_C', 'A===', 'AA=A', 'AAA\n', '\u0141AAA'])
      expect(decodeStandardBase64(text, target)).toBe(-1);
  });
});

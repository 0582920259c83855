import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isBase64 } from './twilio-media.ts';

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
    const near = fc.constantFrom(...'AZaz09+/=-_ \n"\\ÿ€'.split(''));
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

  it('refuses a payload with a line break at its end (a multi-line end anchor would let it through)', () => {
    expect(isBase64('AAA\n')).toBe(false);
    expect(isBase64('AAAA\nAAA')).toBe(false);
  });
});

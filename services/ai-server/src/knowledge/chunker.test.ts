import { decode, encode } from 'gpt-tokenizer/encoding/cl100k_base';
import { describe, expect, it } from 'vitest';
import { CHUNK_OVERLAP_TOKENS, CHUNK_TOKENS, chunkText, countTokens } from './chunker.ts';

const words = (n: number) => Array.from({ length: n }, (_, i) => `word${i}`).join(' ');

describe('chunkText', () => {
  it('counts with the OpenAI embedding tokenizer', () => {
    // cl100k_base: "hello world" is two tokens; a known sentence has a known count.
    expect(countTokens('hello world')).toBe(2);
    expect(countTokens('How do I reset my password?')).toBe(7);
  });

  it('keeps a short text as one chunk', () => {
    const chunks = chunkText('Short article body.');
    expect(chunks).toEqual([{ text: 'Short article body.', tokenCount: countTokens('Short article body.') }]);
  });

  it('cuts 480-token windows that overlap by 80 tokens', () => {
    const text = words(1500);
    const total = countTokens(text);
    const chunks = chunkText(text);
    expect(chunks.length).toBe(
      Math.ceil((total - CHUNK_OVERLAP_TOKENS) / (CHUNK_TOKENS - CHUNK_OVERLAP_TOKENS)),
    );
    for (const c of chunks) expect(c.tokenCount).toBeLessThanOrEqual(CHUNK_TOKENS);
    expect(chunks[0]!.tokenCount).toBe(CHUNK_TOKENS);
    // Chunk k is exactly tokens [400k, 400k + 480): the last 80 tokens of one are the first 80 of the next.
    const tokens = encode(text);
    chunks.forEach((c, k) => {
      const from = k * (CHUNK_TOKENS - CHUNK_OVERLAP_TOKENS);
      expect(c.text).toBe(decode(tokens.slice(from, from + CHUNK_TOKENS)));
    });
    expect(decode(tokens.slice(400, 480))).toBe(
      chunks[1]!.text.slice(0, decode(tokens.slice(400, 480)).length),
    );
    expect(chunks[0]!.text.endsWith(decode(tokens.slice(400, 480)))).toBe(true);
    // Every word of the text lands in some chunk, in order.
    const joined = chunks.map((c) => c.text).join(' ');
    expect(joined).toContain('word0 ');
    expect(joined).toContain('word1499');
  });

  it('never splits a multi-byte character at a window edge', () => {
    const text = '🙂'.repeat(400);
    for (const c of chunkText(text, { maxTokens: 7, overlapTokens: 2 }))
      expect(c.text).not.toContain('\uFFFD');
  });

  it('returns nothing for empty text and rejects an overlap as large as the window', () => {
    expect(chunkText('')).toEqual([]);
    expect(() => chunkText('x', { maxTokens: 10, overlapTokens: 10 })).toThrow(RangeError);
  });
});

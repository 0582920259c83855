// Token counts use cl100k_base, the encoding of OpenAI's embedding models (text-embedding-3-*), so a
// chunk's size is what the embeddings API sees. gpt-tokenizer ships the encoding in the package.
import { decode, encode } from 'gpt-tokenizer/encoding/cl100k_base';
import { splitForTokenizer } from './text-pieces.ts';

/** Chunk size and overlap the knowledge base uses, in cl100k_base tokens. */
export const CHUNK_TOKENS = 480;
export const CHUNK_OVERLAP_TOKENS = 80;

export interface TextChunk {
  text: string;
  tokenCount: number;
}

/** Tokens of `text`, encoded piece by piece so the cost stays linear in its length. */
export function encodeLinear(text: string): number[] {
  const tokens: number[] = [];
  for (const piece of splitForTokenizer(text)) for (const t of encode(piece)) tokens.push(t);
  return tokens;
}

/** Tokens of `text` in the embedding models' encoding. */
export function countTokens(text: string): number {
  return encodeLinear(text).length;
}

/**
 * Splits `text` into windows of at most `maxTokens` tokens, each starting `maxTokens - overlapTokens`
 * after the previous one, so consecutive chunks share `overlapTokens` tokens of context.
 */
export function chunkText(
  text: string,
  opts: { maxTokens?: number; overlapTokens?: number } = {},
): TextChunk[] {
  const maxTokens = opts.maxTokens ?? CHUNK_TOKENS;
  const overlap = opts.overlapTokens ?? CHUNK_OVERLAP_TOKENS;
  if (overlap >= maxTokens) throw new RangeError('overlap must be smaller than the chunk size');
  const tokens = encodeLinear(text);
  if (tokens.length === 0) return [];
  const stride = maxTokens - overlap;
  const out: TextChunk[] = [];
  for (let start = 0; start < tokens.length; start += stride) {
    const end = Math.min(start + maxTokens, tokens.length);
    const chunk = cleanWindow(tokens, start, end);
    if (chunk.text.trim()) out.push(chunk);
    if (end === tokens.length) break;
  }
  return out;
}

/** A character split across two tokens decodes to U+FFFD at a window edge; trim those tokens off. */
function cleanWindow(tokens: number[], start: number, end: number): TextChunk {
  let s = start;
  let e = end;
  let text = decode(tokens.slice(s, e));
  for (let i = 0; i < 3 && text.startsWith('\uFFFD') && s < e - 1; i++) text = decode(tokens.slice(++s, e));
  for (let i = 0; i < 3 && text.endsWith('\uFFFD') && e > s + 1; i++) text = decode(tokens.slice(s, --e));
  return { text, tokenCount: e - s };
}

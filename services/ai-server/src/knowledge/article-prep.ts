import { createHash } from 'node:crypto';
import { type ArticleFormat, toPlainText } from './article-text.ts';
import { chunkText, type TextChunk } from './chunker.ts';

/** What an article needs turned into searchable pieces. */
export interface ArticleSource {
  title: string;
  body: string;
  format?: ArticleFormat;
  url?: string | null;
  /** Chunk size and overlap in tokens; default 480/80 (an evaluation compares others). */
  chunking?: ChunkingOptions;
}

export interface ChunkingOptions {
  maxTokens: number;
  overlapTokens: number;
}

/** An article's plain text, content hash and chunks: the CPU-heavy part of ingestion. */
export interface PreparedText {
  title: string;
  url: string | null;
  text: string;
  /** sha256 of title, url and text: an unchanged article is skipped on re-ingest. */
  hash: string;
  chunks: TextChunk[];
}

/** Converts, hashes and chunks one article (runs in the preparation worker). */
export function prepareArticle(a: ArticleSource): PreparedText {
  const title = a.title.trim();
  const url = a.url?.trim() || null;
  const text = toPlainText(a.body, a.format ?? 'text');
  const hash = createHash('sha256')
    .update(JSON.stringify(a.chunking ? [title, url, text, a.chunking] : [title, url, text]))
    .digest('hex');
  const pieces = chunkText(text, a.chunking);
  return { title, url, text, hash, chunks: pieces.length ? pieces : chunkText(title, a.chunking) };
}

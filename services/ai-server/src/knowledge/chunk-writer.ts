/**
 * Writes and deletes a brand's chunks in short transactions of bounded size, yielding to the event
 * loop between them: embedded PGlite runs SQL on the main thread, so one statement over a
 * 2,000,000-character article would hold every other request.
 */
import { createHash } from 'node:crypto';
import type { SqlRunner } from '@switchboard/db';
import { isZeroVector, toVectorLiteral } from './embedder.ts';

/** The text search configuration of English chunks and queries (the default language's). */
export const TS_CONFIG = 'english';

/** Bounds of one write: rows and characters of chunk text. */
const MAX_BATCH_ROWS = 4;
const MAX_BATCH_CHARS = 2_000;
/** Characters of article text per KnowledgeArticleText row. */
export const TEXT_PART_CHARS = 4_000;

export interface ChunkRow {
  articleId: string;
  /** The article's externalId: with the brand, ordinal and text it makes the chunk's stable id. */
  externalId: string;
  title: string;
  ordinal: number;
  text: string;
  tokenCount: number;
  embedding?: number[];
  /** The lane configuration the row belongs to; '' (default) for the ingest's own. */
  config?: string;
  /** The article language's text-search configuration (language-tags.ts); default English. */
  tsConfig?: string;
}

/**
 * A chunk's id, derived from what it is (brand, article externalId, position and text) rather than
 * drawn at random: the same corpus gets the same ids on every ingest, so ranking ties, broken by id,
 * fall the same way every time. Shaped like a UUID (sha256, version nibble 8: custom).
 */
export function stableChunkId(
  brandId: string,
  externalId: string,
  ordinal: number,
  text: string,
  config = '',
): string {
  // A lane configuration's rows get their own ids (the same text embedded by another model is another row).
  const key = config ? [brandId, externalId, ordinal, text, config] : [brandId, externalId, ordinal, text];
  const h = createHash('sha256').update(JSON.stringify(key)).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-8${h.slice(13, 16)}-${((Number.parseInt(h[16]!, 16) & 3) | 8).toString(16)}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** Lets timers and sockets run before the next database statement. */
export const yieldToLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

/** `rows` cut into batches of at most MAX_BATCH_ROWS rows and about MAX_BATCH_CHARS characters. */
export function batchesOf<T>(rows: readonly T[], size: (r: T) => number): T[][] {
  const out: T[][] = [];
  let batch: T[] = [];
  let chars = 0;
  for (const r of rows) {
    if (batch.length && (batch.length >= MAX_BATCH_ROWS || chars + size(r) > MAX_BATCH_CHARS)) {
      out.push(batch);
      batch = [];
      chars = 0;
    }
    batch.push(r);
    chars += size(r);
  }
  if (batch.length) out.push(batch);
  return out;
}

/** Inserts chunks batch by batch, each with its lexeme counts, in its own transaction. */
export async function writeChunks(sql: SqlRunner, brandId: string, rows: readonly ChunkRow[]): Promise<void> {
  for (const batch of batchesOf(rows, (r) => r.text.length + r.title.length)) {
    await sql.transaction(async (tx) => {
      const ids = await insertChunks(tx, brandId, batch);
      await addTermStats(tx, brandId, ids);
    });
    await yieldToLoop();
  }
}

/** Deletes the given chunks (of one brand) batch by batch, taking their lexemes out of the counts. */
export async function deleteChunks(
  sql: SqlRunner,
  brandId: string,
  chunkIds: readonly string[],
): Promise<void> {
  for (let i = 0; i < chunkIds.length; i += MAX_BATCH_ROWS) {
    const ids = chunkIds.slice(i, i + MAX_BATCH_ROWS);
    await sql.transaction(async (tx) => {
      await removeTermStats(tx, brandId, ids);
      await tx.query('DELETE FROM "KnowledgeChunk" WHERE "brandId" = $1 AND id = ANY($2::text[])', [
        brandId,
        ids,
      ]);
    });
    await yieldToLoop();
  }
}

/** Replaces an article's stored text, one part per statement. */
export async function writeTextParts(sql: SqlRunner, articleId: string, text: string): Promise<void> {
  await sql.query('DELETE FROM "KnowledgeArticleText" WHERE "articleId" = $1', [articleId]);
  for (let part = 0; part * TEXT_PART_CHARS < Math.max(text.length, 1); part++) {
    await sql.query('INSERT INTO "KnowledgeArticleText" ("articleId", part, text) VALUES ($1, $2, $3)', [
      articleId,
      part,
      text.slice(part * TEXT_PART_CHARS, (part + 1) * TEXT_PART_CHARS),
    ]);
    await yieldToLoop();
  }
}

/** Ids of an article's chunks: those of one lane configuration ('' the ingest's own), or all. */
export async function chunkIdsOf(sql: SqlRunner, articleId: string, config?: string): Promise<string[]> {
  const rows = await sql.query<{ id: string }>(
    'SELECT id FROM "KnowledgeChunk" WHERE "articleId" = $1 AND ($2::text IS NULL OR config = $2)',
    [articleId, config ?? null],
  );
  return rows.map((r) => r.id);
}

async function insertChunks(tx: SqlRunner, brandId: string, rows: readonly ChunkRow[]): Promise<string[]> {
  const params: unknown[] = [];
  const values: string[] = [];
  const ids: string[] = [];
  for (const r of rows) {
    const n = params.length;
    const id = stableChunkId(brandId, r.externalId, r.ordinal, r.text, r.config);
    ids.push(id);
    params.push(
      id,
      r.config ?? '',
      r.articleId,
      brandId,
      r.ordinal,
      r.text,
      r.tokenCount,
      r.title,
      // A text with no known word has no direction (a zero vector): no embedding rather than NaN distances.
      r.embedding && !isZeroVector(r.embedding) ? toVectorLiteral(r.embedding) : null,
      r.tsConfig ?? TS_CONFIG,
    );
    values.push(
      `($${n + 1}, $${n + 2}, $${n + 3}, $${n + 4}, $${n + 5}, $${n + 6}, $${n + 7},
        setweight(to_tsvector($${n + 10}::regconfig, $${n + 8}), 'A') || setweight(to_tsvector($${n + 10}::regconfig, $${n + 6}), 'B'),
        $${n + 9}::vector)`,
    );
  }
  await tx.query(
    `INSERT INTO "KnowledgeChunk" (id, config, "articleId", "brandId", ordinal, text, "tokenCount", tsv, embedding)
     VALUES ${values.join(',')}`,
    params,
  );
  return ids;
}

const LEXEME_COUNTS = `SELECT t.lexeme, count(*)::int AS n FROM "KnowledgeChunk" c, unnest(c.tsv) t
                       WHERE c.id = ANY($2::text[]) AND c.config = '' GROUP BY t.lexeme`;

async function addTermStats(tx: SqlRunner, brandId: string, chunkIds: string[]): Promise<void> {
  await tx.query(
    `INSERT INTO "KnowledgeTermStat" ("brandId", lexeme, df) SELECT $1, lexeme, n FROM (${LEXEME_COUNTS}) x
     ON CONFLICT ("brandId", lexeme) DO UPDATE SET df = "KnowledgeTermStat".df + EXCLUDED.df`,
    [brandId, chunkIds],
  );
}

async function removeTermStats(tx: SqlRunner, brandId: string, chunkIds: string[]): Promise<void> {
  await tx.query(
    `UPDATE "KnowledgeTermStat" s SET df = s.df - x.n FROM (${LEXEME_COUNTS}) x
     WHERE s."brandId" = $1 AND s.lexeme = x.lexeme`,
    [brandId, chunkIds],
  );
  await tx.query(
    `DELETE FROM "KnowledgeTermStat" WHERE "brandId" = $1 AND df <= 0
     AND lexeme IN (SELECT lexeme FROM (${LEXEME_COUNTS}) x)`,
    [brandId, chunkIds],
  );
}

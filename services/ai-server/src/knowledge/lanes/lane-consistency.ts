import type { SqlRunner } from '@switchboard/db';
import type { ChunkMirror } from '../chunk-mirror.ts';
import type { ConfigProgress } from './lane-index.ts';

export interface LaneCounts {
  postgres: { articles: number; chunks: number };
  /** Articles being written, or not yet held in full by the mirror (the next ingest redoes them). */
  pendingArticles: number;
  /** The mirror's record count (null when it could not be read) against the chunks it should hold. */
  mirror: { store: string; records: number | null; expected: number; error?: string } | null;
  /**
   * Lanes with their own model or chunking: per configuration, the articles it holds for their current
   * text (of all the brand's articles), and whether its rows are being rebuilt now.
   */
  configurations: Array<ConfigProgress & { rebuilding: boolean }>;
  /** Every store holds what it should and nothing is pending. */
  consistent: boolean;
}

/**
 * What each store holds of the brand: Postgres articles and chunks, the chunks with an embedding (the
 * ones a mirror should hold), articles not (yet) written in full everywhere, and the mirror's count.
 * Pinecone counts are eventually consistent: a count taken just after a write may lag it.
 */
export async function laneConsistency(
  sql: SqlRunner,
  mirror: ChunkMirror | undefined,
  brandId: string,
  lanes?: {
    progress(brandId: string): Promise<ConfigProgress[]>;
    isRebuilding(brandId: string): boolean;
  },
): Promise<LaneCounts> {
  const rebuilding = lanes?.isRebuilding(brandId) ?? false;
  const configurations = ((await lanes?.progress(brandId)) ?? []).map((c) => ({ ...c, rebuilding }));
  const configsDone = configurations.every((c) => c.indexed === c.articles);
  const [pg] = await sql.query<{ articles: number; chunks: number; embedded: number; pending: number }>(
    `SELECT (SELECT count(*)::int FROM "KnowledgeArticle" WHERE "brandId" = $1) AS articles,
       (SELECT count(*)::int FROM "KnowledgeChunk" WHERE "brandId" = $1 AND config = '') AS chunks,
       (SELECT count(*)::int FROM "KnowledgeChunk" WHERE "brandId" = $1 AND config = ''
          AND embedding IS NOT NULL) AS embedded,
       (SELECT count(*)::int FROM "KnowledgeArticle" WHERE "brandId" = $1
          AND ("contentHash" = '' OR ($2::text IS NOT NULL AND "mirroredTo" IS DISTINCT FROM $2))) AS pending`,
    [brandId, mirror?.id ?? null],
  );
  const postgres = { articles: Number(pg!.articles), chunks: Number(pg!.chunks) };
  const pendingArticles = Number(pg!.pending);
  if (!mirror)
    return {
      postgres,
      pendingArticles,
      mirror: null,
      configurations,
      consistent: pendingArticles === 0 && configsDone,
    };
  let records: number | null = null;
  let error: string | undefined;
  try {
    records = await mirror.count(brandId);
  } catch (err) {
    error = `the store could not be read: ${(err as Error).message}`;
  }
  const expected = Number(pg!.embedded);
  return {
    postgres,
    pendingArticles,
    mirror: { store: mirror.id, records, expected, ...(error ? { error } : {}) },
    configurations,
    consistent: pendingArticles === 0 && records === expected && configsDone,
  };
}

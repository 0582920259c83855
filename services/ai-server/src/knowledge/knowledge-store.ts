import { createHash, randomUUID } from 'node:crypto';
import type { SqlRunner } from '@switchboard/db';
import { type ArticleFormat, toPlainText } from './article-text.ts';
import { chunkText } from './chunker.ts';
import { type Embedder, toVectorLiteral } from './embedder.ts';

/** The text search configuration for chunks and queries. */
export const TS_CONFIG = 'english';

/** The embedding provider failed during ingestion; nothing was written. */
export class EmbeddingError extends Error {
  override name = 'EmbeddingError';
}

/** An article as the admin API and the ingest CLI submit it. */
export interface ArticleInput {
  externalId: string;
  title: string;
  body: string;
  format?: ArticleFormat;
  url?: string | null;
}

export type IngestStatus = 'created' | 'updated' | 'unchanged';

export interface IngestResult {
  externalId: string;
  articleId: string;
  status: IngestStatus;
  /** Chunks written (absent when the article was unchanged). */
  chunks?: number;
}

export interface ArticleSummary {
  id: string;
  externalId: string;
  title: string;
  url: string | null;
  chunkCount: number;
  embeddingModel: string | null;
  updatedAt: string;
}

export interface ArticleDetail extends ArticleSummary {
  body: string;
}

export interface ChunkDetail {
  chunkId: string;
  articleId: string;
  title: string;
  url: string | null;
  text: string;
}

interface PreparedArticle {
  input: ArticleInput;
  title: string;
  url: string | null;
  text: string;
  hash: string;
  existingId?: string;
  status: IngestStatus;
  chunks: Array<{ text: string; tokenCount: number; embedding?: number[] }>;
}

/**
 * Session settings the knowledge queries rely on (pass as openDatabase's `sessionSql`): iterative HNSW
 * scans so a brand filter can't starve the index scan (pgvector ≥ 0.8), and a search list longer than
 * the candidates asked for.
 */
export const KNOWLEDGE_SESSION_SQL = "SET hnsw.iterative_scan = 'relaxed_order'; SET hnsw.ef_search = 100";

/** Chunks per INSERT (8 parameters each, far below Postgres' 65535). */
const CHUNK_INSERT_BATCH = 200;

/**
 * The knowledge base's SQL: articles and their chunks (tsvector + pgvector), kept idempotent by a
 * content hash, and the per-brand lexeme statistics search uses. Every query is scoped by brand.
 */
export class KnowledgeStore {
  private chunksAtLastAnalyze = 0;
  private chunksSinceAnalyze = 0;

  constructor(
    private readonly sql: SqlRunner,
    private readonly embedder?: Embedder,
  ) {}

  /** The embedder in use, if any (search needs the same one for queries). */
  get embedding(): Embedder | undefined {
    return this.embedder;
  }

  /**
   * Creates or replaces articles by external id. An unchanged article (same title, url and text, and
   * embedded with the current model when there is one) is left alone; a changed one gets new chunks.
   */
  async ingest(brandId: string, articles: readonly ArticleInput[]): Promise<IngestResult[]> {
    const existing = new Map(
      (
        await this.sql.query<{
          id: string;
          externalId: string;
          contentHash: string;
          embeddingModel: string | null;
        }>(
          `SELECT id, "externalId", "contentHash", "embeddingModel" FROM "KnowledgeArticle"
           WHERE "brandId" = $1 AND "externalId" = ANY($2::text[])`,
          [brandId, articles.map((a) => a.externalId)],
        )
      ).map((r) => [r.externalId, r]),
    );
    const model = this.embedder?.id ?? null;
    const prepared: PreparedArticle[] = articles.map((input) => {
      const title = input.title.trim();
      const url = input.url?.trim() || null;
      const text = toPlainText(input.body, input.format ?? 'text');
      const hash = createHash('sha256')
        .update(JSON.stringify([title, url, text]))
        .digest('hex');
      const prior = existing.get(input.externalId);
      const unchanged =
        prior && prior.contentHash === hash && (model === null || prior.embeddingModel === model);
      return {
        input,
        title,
        url,
        text,
        hash,
        existingId: prior?.id,
        status: !prior ? 'created' : unchanged ? 'unchanged' : 'updated',
        chunks: [],
      };
    });

    const changed = prepared.filter((p) => p.status !== 'unchanged');
    for (const p of changed) {
      const pieces = chunkText(p.text);
      p.chunks = pieces.length ? pieces : chunkText(p.title);
    }
    if (this.embedder && changed.length) {
      const inputs = changed.flatMap((p) => p.chunks.map((c) => `${p.title}\n\n${c.text}`));
      let vectors: number[][];
      try {
        vectors = await this.embedder.embed(inputs);
      } catch (err) {
        throw new EmbeddingError((err as Error).message, { cause: err });
      }
      let i = 0;
      for (const p of changed) for (const c of p.chunks) c.embedding = vectors[i++];
    }

    if (changed.length) {
      await this.sql.transaction(async (tx) => {
        const updatedIds = changed.filter((p) => p.existingId).map((p) => p.existingId!);
        if (updatedIds.length) {
          await adjustTermStats(tx, brandId, updatedIds, -1);
          await tx.query('DELETE FROM "KnowledgeChunk" WHERE "articleId" = ANY($1::text[])', [updatedIds]);
        }
        for (const p of changed) {
          if (p.existingId) {
            await tx.query(
              `UPDATE "KnowledgeArticle" SET title = $2, url = $3, body = $4, "contentHash" = $5,
                 "embeddingModel" = $6, "updatedAt" = now() WHERE id = $1`,
              [p.existingId, p.title, p.url, p.text, p.hash, model],
            );
          } else {
            p.existingId = randomUUID();
            await tx.query(
              `INSERT INTO "KnowledgeArticle" (id, "brandId", "externalId", title, url, body, "contentHash",
                 "embeddingModel", "updatedAt") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, now())`,
              [p.existingId, brandId, p.input.externalId, p.title, p.url, p.text, p.hash, model],
            );
          }
        }
        await insertChunks(tx, brandId, changed);
        await adjustTermStats(
          tx,
          brandId,
          changed.map((p) => p.existingId!),
          1,
        );
      });
    }

    await this.maybeAnalyze(changed.reduce((n, p) => n + p.chunks.length, 0));
    return prepared.map((p) => ({
      externalId: p.input.externalId,
      articleId: p.existingId!,
      status: p.status,
      ...(p.status === 'unchanged' ? {} : { chunks: p.chunks.length }),
    }));
  }

  /**
   * Refreshes planner statistics once the chunk table has grown by a quarter (PGlite runs no
   * autovacuum): without them the planner can't tell a rare lexeme from a common one.
   */
  private async maybeAnalyze(written: number): Promise<void> {
    this.chunksSinceAnalyze += written;
    if (this.chunksSinceAnalyze < Math.max(500, this.chunksAtLastAnalyze / 4)) return;
    this.chunksAtLastAnalyze += this.chunksSinceAnalyze;
    this.chunksSinceAnalyze = 0;
    await this.sql.exec('ANALYZE "KnowledgeChunk", "KnowledgeTermStat", "KnowledgeArticle"');
  }

  /** Deletes one of the brand's articles and its chunks; false when the brand has no such article. */
  async deleteArticle(brandId: string, articleId: string): Promise<boolean> {
    return this.sql.transaction(async (tx) => {
      const found = await tx.query(
        'SELECT 1 FROM "KnowledgeArticle" WHERE id = $1 AND "brandId" = $2 FOR UPDATE',
        [articleId, brandId],
      );
      if (!found.length) return false;
      await adjustTermStats(tx, brandId, [articleId], -1);
      await tx.query('DELETE FROM "KnowledgeArticle" WHERE id = $1 AND "brandId" = $2', [articleId, brandId]);
      return true;
    });
  }

  /** The brand's articles, newest first, `limit` at a time; pass the last id seen as `after`. */
  async listArticles(brandId: string, opts: { limit: number; after?: string }): Promise<ArticleSummary[]> {
    const rows = await this.sql.query<ArticleRow>(
      `SELECT a.id, a."externalId", a.title, a.url, a."embeddingModel", a."updatedAt",
         (SELECT count(*)::int FROM "KnowledgeChunk" c WHERE c."articleId" = a.id) AS "chunkCount"
       FROM "KnowledgeArticle" a
       WHERE a."brandId" = $1 AND ($2::text IS NULL OR a.id > $2)
       ORDER BY a.id LIMIT $3`,
      [brandId, opts.after ?? null, opts.limit],
    );
    return rows.map(toSummary);
  }

  async getArticle(brandId: string, articleId: string): Promise<ArticleDetail | undefined> {
    const rows = await this.sql.query<ArticleRow & { body: string }>(
      `SELECT a.id, a."externalId", a.title, a.url, a.body, a."embeddingModel", a."updatedAt",
         (SELECT count(*)::int FROM "KnowledgeChunk" c WHERE c."articleId" = a.id) AS "chunkCount"
       FROM "KnowledgeArticle" a WHERE a.id = $1 AND a."brandId" = $2`,
      [articleId, brandId],
    );
    const r = rows[0];
    return r ? { ...toSummary(r), body: r.body } : undefined;
  }

  /** Lexemes of `query` (as the chunks were indexed) with how many of the brand's chunks hold each. */
  async queryLexemes(brandId: string, query: string): Promise<Array<{ lexeme: string; df: number }>> {
    return this.sql.query<{ lexeme: string; df: number }>(
      `SELECT q.lexeme, COALESCE(s.df, 0)::int AS df
       FROM (SELECT DISTINCT lexeme FROM unnest(to_tsvector('${TS_CONFIG}', $2))) q
       LEFT JOIN "KnowledgeTermStat" s ON s."brandId" = $1 AND s.lexeme = q.lexeme`,
      [brandId, query],
    );
  }

  /**
   * Chunks matching `candidateQuery`, ranked by `ts_rank` against `rankQuery` (title weighs more than
   * text; rank divided by 1 + log(length) so long chunks don't win by size).
   */
  async lexicalSearch(
    brandId: string,
    candidateQuery: string,
    rankQuery: string,
    limit: number,
  ): Promise<Array<{ id: string; score: number }>> {
    return this.sql.query<{ id: string; score: number }>(
      `SELECT c.id, ts_rank(c.tsv, $3::tsquery, 1) AS score
       FROM "KnowledgeChunk" c
       WHERE c."brandId" = $1 AND c.tsv @@ $2::tsquery
       ORDER BY score DESC, c.id LIMIT $4`,
      [brandId, candidateQuery, rankQuery, limit],
    );
  }

  /** Nearest chunks by cosine distance through the HNSW index, filtered to the brand. */
  async vectorSearch(
    brandId: string,
    vector: readonly number[],
    limit: number,
  ): Promise<Array<{ id: string; distance: number }>> {
    const rows = await this.sql.query<{ id: string; distance: number }>(
      `SELECT id, embedding <=> $2::vector AS distance FROM "KnowledgeChunk"
       WHERE "brandId" = $1 AND embedding IS NOT NULL
       ORDER BY embedding <=> $2::vector LIMIT $3`,
      [brandId, toVectorLiteral(vector), limit],
    );
    // relaxed_order iterative scans may return near-ties slightly out of order.
    return rows.sort((a, b) => a.distance - b.distance);
  }

  /** Text and article of the given chunks (of this brand only). */
  async chunkDetails(brandId: string, ids: readonly string[]): Promise<Map<string, ChunkDetail>> {
    if (!ids.length) return new Map();
    const rows = await this.sql.query<ChunkDetail>(
      `SELECT c.id AS "chunkId", c."articleId", a.title, a.url, c.text
       FROM "KnowledgeChunk" c JOIN "KnowledgeArticle" a ON a.id = c."articleId"
       WHERE c."brandId" = $1 AND c.id = ANY($2::text[])`,
      [brandId, ids],
    );
    return new Map(rows.map((r) => [r.chunkId, r]));
  }
}

interface ArticleRow {
  id: string;
  externalId: string;
  title: string;
  url: string | null;
  embeddingModel: string | null;
  updatedAt: Date | string;
  chunkCount: number;
}

function toSummary(r: ArticleRow): ArticleSummary {
  return {
    id: r.id,
    externalId: r.externalId,
    title: r.title,
    url: r.url,
    chunkCount: Number(r.chunkCount),
    embeddingModel: r.embeddingModel,
    updatedAt: new Date(r.updatedAt).toISOString(),
  };
}

async function insertChunks(tx: SqlRunner, brandId: string, articles: PreparedArticle[]): Promise<void> {
  const rows = articles.flatMap((p) =>
    p.chunks.map((c, ordinal) => ({ articleId: p.existingId!, title: p.title, ordinal, ...c })),
  );
  for (let i = 0; i < rows.length; i += CHUNK_INSERT_BATCH) {
    const params: unknown[] = [];
    const values: string[] = [];
    for (const r of rows.slice(i, i + CHUNK_INSERT_BATCH)) {
      const n = params.length;
      params.push(
        randomUUID(),
        r.articleId,
        brandId,
        r.ordinal,
        r.text,
        r.tokenCount,
        r.title,
        r.embedding ? toVectorLiteral(r.embedding) : null,
      );
      values.push(
        `($${n + 1}, $${n + 2}, $${n + 3}, $${n + 4}, $${n + 5}, $${n + 6},
          setweight(to_tsvector('${TS_CONFIG}', $${n + 7}), 'A') || setweight(to_tsvector('${TS_CONFIG}', $${n + 5}), 'B'),
          $${n + 8}::vector)`,
      );
    }
    await tx.query(
      `INSERT INTO "KnowledgeChunk" (id, "articleId", "brandId", ordinal, text, "tokenCount", tsv, embedding)
       VALUES ${values.join(',')}`,
      params,
    );
  }
}

/** Adds (sign 1) or removes (sign -1) the lexemes of these articles' chunks to the brand's counts. */
async function adjustTermStats(
  tx: SqlRunner,
  brandId: string,
  articleIds: string[],
  sign: 1 | -1,
): Promise<void> {
  if (!articleIds.length) return;
  const counts = `SELECT t.lexeme, count(*)::int AS n FROM "KnowledgeChunk" c, unnest(c.tsv) t
                  WHERE c."articleId" = ANY($2::text[]) GROUP BY t.lexeme`;
  if (sign > 0) {
    await tx.query(
      `INSERT INTO "KnowledgeTermStat" ("brandId", lexeme, df) SELECT $1, lexeme, n FROM (${counts}) x
       ON CONFLICT ("brandId", lexeme) DO UPDATE SET df = "KnowledgeTermStat".df + EXCLUDED.df`,
      [brandId, articleIds],
    );
  } else {
    await tx.query(
      `UPDATE "KnowledgeTermStat" s SET df = s.df - x.n FROM (${counts}) x
       WHERE s."brandId" = $1 AND s.lexeme = x.lexeme`,
      [brandId, articleIds],
    );
    await tx.query('DELETE FROM "KnowledgeTermStat" WHERE "brandId" = $1 AND df <= 0', [brandId]);
  }
}

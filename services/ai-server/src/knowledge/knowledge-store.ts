import { createHash, randomUUID } from 'node:crypto';
import type { SqlRunner } from '@switchboard/db';
import { DEFAULT_ARTICLE_LANGUAGE, primarySubtag, textSearchConfig } from '../languages/language-tags.ts';
import { type ArticleDetail, type ArticleSummary, getArticle, listArticles } from './article-listing.ts';
import type { PreparedText } from './article-prep.ts';
import { ArticlePreparer, PreparationError } from './article-preparer.ts';
import type { ArticleFormat } from './article-text.ts';
import type { ChunkMirror } from './chunk-mirror.ts';
import { MirrorError } from './chunk-mirror.ts';
import {
  chunkIdsOf,
  deleteChunks,
  stableChunkId,
  TS_CONFIG,
  writeChunks,
  writeTextParts,
  yieldToLoop,
} from './chunk-writer.ts';
import { type Embedder, toVectorLiteral } from './embedder.ts';

export { TS_CONFIG } from './chunk-writer.ts';

/** Longest article body accepted, in characters (UTF-16 code units). */
export const MAX_ARTICLE_CHARS = 2_000_000;

/** The embedding provider failed during ingestion; nothing was written. */
export class EmbeddingError extends Error {
  override name = 'EmbeddingError';
}

export type { ArticleDetail, ArticleSummary } from './article-listing.ts';
export { MirrorError } from './chunk-mirror.ts';

/** An article as the admin API and the ingest CLI submit it. */
export interface ArticleInput {
  externalId: string;
  title: string;
  body: string;
  format?: ArticleFormat;
  url?: string | null;
  /** BCP 47 tag or ISO 639 subtag; stored as the primary subtag, lower case. Default "en". */
  language?: string;
}

export type IngestStatus = 'created' | 'updated' | 'unchanged' | 'failed';

export interface IngestResult {
  externalId: string;
  /** Absent when the article failed before it was stored. */
  articleId?: string;
  status: IngestStatus;
  /** Chunks written (absent when the article was unchanged or failed). */
  chunks?: number;
  /** Why the article was not stored; the rest of the batch was. */
  error?: { code: string; message: string };
}

export interface ChunkDetail {
  chunkId: string;
  articleId: string;
  title: string;
  url: string | null;
  text: string;
  /** The article's language (ISO 639 primary subtag). */
  language: string;
}

/** An article as stored: what a lane configuration's rows are built from. */
export interface StoredArticle {
  articleId: string;
  externalId: string;
  title: string;
  url: string | null;
  text: string;
  contentHash: string;
  /** ISO 639 primary subtag: its chunks' text-search configuration. */
  language: string;
}

/** Lanes with chunk rows of their own, brought in step after each ingest (lanes/lane-index.ts). */
export interface LaneFollower {
  /** Returns the ids of the articles that could not be written for some lane (pending there). */
  ingested(brandId: string, articles: readonly StoredArticle[]): Promise<Set<string>>;
}

/** A lane configuration's rows could not be written; the article stays pending in that lane. */
class LaneConfigError extends Error {}

interface Planned {
  input: ArticleInput;
  prepared: PreparedText;
  existingId?: string;
  status: 'created' | 'updated' | 'unchanged';
  embeddings?: number[][];
}

/**
 * Session settings the knowledge queries rely on (pass as openDatabase's `sessionSql`): iterative HNSW
 * scans so a brand filter can't starve the index scan (pgvector ≥ 0.8), and a search list longer than
 * the candidates asked for.
 */
export const KNOWLEDGE_SESSION_SQL = "SET hnsw.iterative_scan = 'relaxed_order'; SET hnsw.ef_search = 100";

/**
 * What the planner needs statistics of, one statement each with yields between (embedded PGlite runs
 * SQL on the event loop): chunk lexemes and brands (not the chunk text or vectors, which no plan
 * depends on) and the lexeme counts from a sample of 3,000 rows, so a refresh costs tens of
 * milliseconds however large the knowledge base; then the articles. On Postgres, autovacuum's own
 * ANALYZE refreshes them in full later.
 */
const ANALYZE_STATEMENTS = [
  'SET default_statistics_target = 10; ANALYZE "KnowledgeChunk" (tsv, "brandId", "articleId"); RESET default_statistics_target',
  'SET default_statistics_target = 10; ANALYZE "KnowledgeTermStat"; RESET default_statistics_target',
  'ANALYZE "KnowledgeArticle"',
];

/** A chunk `c` of an article in the language bound to `param`. */
const IN_LANGUAGE = (param: string) =>
  `c."articleId" IN (SELECT id FROM "KnowledgeArticle" WHERE "brandId" = $1 AND language = ${param})`;

/** An article whose chunks are being written has this hash until they all are: a crash re-ingests it. */
const PENDING_HASH = '';

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
    private readonly preparer: ArticlePreparer = new ArticlePreparer(),
    /** A second store fed by the same ingest (a retrieval lane); none: Postgres only. */
    readonly mirror?: ChunkMirror,
    /** Lanes with their own embedding model or chunking, fed after the ingest's own rows. */
    private readonly lanes?: LaneFollower,
  ) {}

  /** The embedder in use, if any (search needs the same one for queries). */
  get embedding(): Embedder | undefined {
    return this.embedder;
  }

  /** Stops the preparation worker. */
  close(): Promise<void> {
    return this.preparer.close();
  }

  /**
   * Creates or replaces articles by external id. An unchanged article (same title, url and text, and
   * embedded with the current model when there is one) is left alone; a changed one gets new chunks.
   * Each article stands alone: one that can't be prepared or written is reported `failed` with a code,
   * and the others are stored. Throws EmbeddingError (nothing written) when the provider fails.
   */
  async ingest(brandId: string, articles: readonly ArticleInput[]): Promise<IngestResult[]> {
    const existing = new Map(
      (
        await this.sql.query<{
          id: string;
          externalId: string;
          contentHash: string;
          embeddingModel: string | null;
          mirroredTo: string | null;
        }>(
          `SELECT id, "externalId", "contentHash", "embeddingModel", "mirroredTo" FROM "KnowledgeArticle"
           WHERE "brandId" = $1 AND "externalId" = ANY($2::text[])`,
          [brandId, articles.map((a) => a.externalId)],
        )
      ).map((r) => [r.externalId, r]),
    );
    const model = this.embedder?.id ?? null;
    const results = new Map<ArticleInput, IngestResult>();
    const planned: Planned[] = [];
    for (const input of articles) {
      let prepared: PreparedText;
      try {
        prepared = await this.preparer.prepare(input);
      } catch (err) {
        results.set(input, failed(input, err));
        continue;
      }
      prepared = withLanguage(prepared, languageOf(input));
      const prior = existing.get(input.externalId);
      // An article the mirror does not hold in full yet (added later, or a failed write) is rewritten.
      const unchanged =
        prior &&
        prior.contentHash === prepared.hash &&
        (model === null || prior.embeddingModel === model) &&
        (!this.mirror || prior.mirroredTo === this.mirror.id);
      planned.push({
        input,
        prepared,
        existingId: prior?.id,
        status: !prior ? 'created' : unchanged ? 'unchanged' : 'updated',
      });
    }

    const changed = planned.filter((p) => p.status !== 'unchanged');
    if (this.embedder && changed.length) {
      const inputs = changed.flatMap((p) => p.prepared.chunks.map((c) => `${p.prepared.title}\n\n${c.text}`));
      let vectors: number[][];
      try {
        vectors = await this.embedder.embed(inputs);
      } catch (err) {
        throw new EmbeddingError((err as Error).message, { cause: err });
      }
      let i = 0;
      for (const p of changed) p.embeddings = p.prepared.chunks.map(() => vectors[i++]!);
    }

    let written = 0;
    for (const p of planned) {
      if (p.status === 'unchanged') {
        results.set(p.input, {
          externalId: p.input.externalId,
          articleId: p.existingId!,
          status: 'unchanged',
        });
        continue;
      }
      try {
        const articleId = await this.writeArticle(brandId, p, model);
        written += p.prepared.chunks.length;
        results.set(p.input, {
          externalId: p.input.externalId,
          articleId,
          status: p.status,
          chunks: p.prepared.chunks.length,
        });
      } catch (err) {
        results.set(p.input, failed(p.input, err));
      }
    }
    await this.followLanes(brandId, planned, results);
    await this.maybeAnalyze(written);
    return articles.map((a) => results.get(a)!);
  }

  /** Brings the lanes with rows of their own in step with the articles stored (unchanged ones too). */
  private async followLanes(
    brandId: string,
    planned: readonly Planned[],
    results: Map<ArticleInput, IngestResult>,
  ): Promise<void> {
    if (!this.lanes) return;
    const stored = planned.flatMap((p) => {
      const r = results.get(p.input);
      return r?.articleId && r.status !== 'failed'
        ? [
            {
              articleId: r.articleId,
              externalId: p.input.externalId,
              title: p.prepared.title,
              url: p.prepared.url,
              text: p.prepared.text,
              contentHash: p.prepared.hash,
              language: languageOf(p.input),
            },
          ]
        : [];
    });
    if (!stored.length) return;
    const failedIds = await this.lanes.ingested(brandId, stored);
    for (const p of planned) {
      const r = results.get(p.input);
      if (r?.articleId && failedIds.has(r.articleId))
        results.set(p.input, failed(p.input, new LaneConfigError('lane configuration write failed')));
    }
  }

  /**
   * Writes one changed article: first its chunks to the mirror (taken back there if that fails, so
   * both stores keep the previous version), then its row (hash pending), old chunks out, new chunks
   * in; then the mirror's older version goes, and last the hash. A failure after the mirror write
   * takes the mirror's new records back; one in the final clean-up leaves the hash pending, so the
   * next ingest redoes the article.
   */
  private async writeArticle(brandId: string, p: Planned, model: string | null): Promise<string> {
    const { title, url, text, hash, chunks } = p.prepared;
    const language = languageOf(p.input);
    const id = p.existingId ?? randomUUID();
    const rows = chunks.map((c, ordinal) => ({
      articleId: id,
      externalId: p.input.externalId,
      title,
      ordinal,
      ...c,
      embedding: p.embeddings?.[ordinal],
      tsConfig: textSearchConfig(language),
    }));
    const version = randomUUID().slice(0, 8);
    const mirrored = this.mirror
      ? await this.mirror.writeArticle(
          brandId,
          id,
          version,
          rows.map((r) => ({
            chunkId: stableChunkId(brandId, r.externalId, r.ordinal, r.text),
            ordinal: r.ordinal,
            title,
            url,
            text: r.text,
            language,
            embedding: r.embedding,
          })),
        )
      : [];
    try {
      if (p.existingId) {
        await this.sql.query(
          `UPDATE "KnowledgeArticle" SET title = $2, url = $3, "contentHash" = $4,
             "embeddingModel" = $5, "mirroredTo" = NULL, language = $6, "updatedAt" = now() WHERE id = $1`,
          [id, title, url, PENDING_HASH, model, language],
        );
        // Its own chunks only: a lane configuration's rows are brought in step after (see `lanes`).
        await deleteChunks(this.sql, brandId, await chunkIdsOf(this.sql, id, ''));
      } else {
        await this.sql.query(
          `INSERT INTO "KnowledgeArticle" (id, "brandId", "externalId", title, url, "contentHash",
             "embeddingModel", language, "updatedAt") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, now())`,
          [id, brandId, p.input.externalId, title, url, PENDING_HASH, model, language],
        );
      }
      await yieldToLoop();
      await writeTextParts(this.sql, id, text);
      await writeChunks(this.sql, brandId, rows);
    } catch (err) {
      if (this.mirror) await this.mirror.removeRecords(brandId, mirrored).catch(() => undefined);
      throw err;
    }
    await this.mirror?.removeArticle(brandId, id, version);
    await this.sql.query(
      'UPDATE "KnowledgeArticle" SET "contentHash" = $2, "mirroredTo" = $3 WHERE id = $1',
      [id, hash, this.mirror?.id ?? null],
    );
    return id;
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
    for (const statement of ANALYZE_STATEMENTS) {
      await this.sql.exec(statement);
      await yieldToLoop();
    }
  }

  /**
   * Runs ANALYZE once on the (small) tables at start: embedded PGlite compiles its WebAssembly lazily,
   * and the first ANALYZE after a large ingest would otherwise pay that compilation on the event loop.
   */
  async warmUp(): Promise<void> {
    for (const statement of ANALYZE_STATEMENTS) await this.sql.exec(statement);
  }

  /**
   * Deletes one of the brand's articles and its chunks, in the mirror too; false when the brand has no
   * such article. Throws MirrorError (nothing deleted) when the mirror fails.
   */
  async deleteArticle(brandId: string, articleId: string): Promise<boolean> {
    const found = await this.sql.query('SELECT 1 FROM "KnowledgeArticle" WHERE id = $1 AND "brandId" = $2', [
      articleId,
      brandId,
    ]);
    if (!found.length) return false;
    // The mirror first: if it fails, nothing is deleted anywhere and the deletion can be retried.
    await this.mirror?.removeArticle(brandId, articleId);
    await deleteChunks(this.sql, brandId, await chunkIdsOf(this.sql, articleId));
    await this.sql.query('DELETE FROM "KnowledgeArticle" WHERE id = $1 AND "brandId" = $2', [
      articleId,
      brandId,
    ]);
    return true;
  }

  /** The brand's articles, oldest id first, `limit` at a time; pass the last id seen as `after`. */
  listArticles(brandId: string, opts: { limit: number; after?: string }): Promise<ArticleSummary[]> {
    return listArticles(this.sql, brandId, opts);
  }

  getArticle(brandId: string, articleId: string): Promise<ArticleDetail | undefined> {
    return getArticle(this.sql, brandId, articleId);
  }

  /**
   * Lexemes of `query` (as the chunks of its language were indexed: `tsConfig`, default English) with
   * how many of the brand's chunks hold each.
   */
  async queryLexemes(
    brandId: string,
    query: string,
    tsConfig = TS_CONFIG,
  ): Promise<Array<{ lexeme: string; df: number }>> {
    return this.sql.query<{ lexeme: string; df: number }>(
      `SELECT q.lexeme, COALESCE(s.df, 0)::int AS df
       FROM (SELECT DISTINCT lexeme FROM unnest(to_tsvector($3::regconfig, $2))) q
       LEFT JOIN "KnowledgeTermStat" s ON s."brandId" = $1 AND s.lexeme = q.lexeme`,
      [brandId, query, tsConfig],
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
    config = '',
    language?: string,
  ): Promise<Array<{ id: string; score: number }>> {
    return this.sql.query<{ id: string; score: number }>(
      `SELECT c.id, ts_rank(c.tsv, $3::tsquery, 1) AS score
       FROM "KnowledgeChunk" c
       WHERE c."brandId" = $1 AND c.config = $5 AND c.tsv @@ $2::tsquery${language ? ` AND ${IN_LANGUAGE('$6')}` : ''}
       ORDER BY score DESC, c.id LIMIT $4`,
      [brandId, candidateQuery, rankQuery, limit, config, ...(language ? [language] : [])],
    );
  }

  /**
   * Nearest chunks by cosine distance through the HNSW index, filtered to the brand and to articles
   * embedded with `model` (vectors of another model are never compared; they are re-embedded on the
   * next ingest). A lane configuration's rows (`config`, whose key names its model) hold that model's
   * vectors only.
   */
  async vectorSearch(
    brandId: string,
    vector: readonly number[],
    limit: number,
    model: string,
    config = '',
    language?: string,
  ): Promise<Array<{ id: string; distance: number }>> {
    const inLanguage = language ? ` AND ${IN_LANGUAGE('$5')}` : '';
    const rows = await this.sql.query<{ id: string; distance: number }>(
      config
        ? `SELECT id, embedding <=> $2::vector AS distance FROM "KnowledgeChunk" c
           WHERE "brandId" = $1 AND config = $4 AND embedding IS NOT NULL${inLanguage}
           ORDER BY embedding <=> $2::vector LIMIT $3`
        : `SELECT id, embedding <=> $2::vector AS distance FROM "KnowledgeChunk" c
           WHERE "brandId" = $1 AND config = '' AND embedding IS NOT NULL
             AND "articleId" IN (SELECT id FROM "KnowledgeArticle" WHERE "brandId" = $1 AND "embeddingModel" = $4)${inLanguage}
           ORDER BY embedding <=> $2::vector LIMIT $3`,
      [brandId, toVectorLiteral(vector), limit, config || model, ...(language ? [language] : [])],
    );
    // relaxed_order iterative scans may return near-ties slightly out of order; exact ties go by id.
    return rows.sort((a, b) => a.distance - b.distance || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  }

  /** Text and article of the given chunks (of this brand only). */
  async chunkDetails(brandId: string, ids: readonly string[]): Promise<Map<string, ChunkDetail>> {
    if (!ids.length) return new Map();
    const rows = await this.sql.query<ChunkDetail>(
      `SELECT c.id AS "chunkId", c."articleId", a.title, a.url, c.text, a.language
       FROM "KnowledgeChunk" c JOIN "KnowledgeArticle" a ON a.id = c."articleId"
       WHERE c."brandId" = $1 AND c.id = ANY($2::text[])`,
      [brandId, ids],
    );
    return new Map(rows.map((r) => [r.chunkId, r]));
  }
}

/** An article's language as stored: the primary subtag, lower case; "en" when none is given. */
export function languageOf(input: Pick<ArticleInput, 'language'>): string {
  return input.language ? primarySubtag(input.language) : DEFAULT_ARTICLE_LANGUAGE;
}

/**
 * The content hash covers the language (its chunks are indexed with another configuration), so a
 * language change re-indexes the article; an English article keeps the hash it always had.
 */
function withLanguage(prepared: PreparedText, language: string): PreparedText {
  if (language === DEFAULT_ARTICLE_LANGUAGE) return prepared;
  return { ...prepared, hash: createHash('sha256').update(`${prepared.hash}\n${language}`).digest('hex') };
}

function failed(input: ArticleInput, err: unknown): IngestResult {
  if (err instanceof LaneConfigError)
    return {
      externalId: input.externalId,
      status: 'failed',
      error: {
        code: 'LANE_WRITE_FAILED',
        message:
          "a retrieval lane's own chunks could not be written; the article is marked for the next ingest; retry it",
      },
    };
  if (err instanceof MirrorError)
    return {
      externalId: input.externalId,
      status: 'failed',
      error: {
        code: 'LANE_WRITE_FAILED',
        message:
          'the second retrieval lane could not be brought in step; the article is marked for the next ingest; retry it',
      },
    };
  const code = err instanceof PreparationError ? err.code : 'WRITE_FAILED';
  const message =
    err instanceof PreparationError ? `article ${err.message}` : 'the article could not be stored; retry it';
  return { externalId: input.externalId, status: 'failed', error: { code, message } };
}

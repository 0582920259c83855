/** Reading a brand's articles back: the listing and one article with its text. */
import type { SqlRunner } from '@switchboard/db';

export interface ArticleSummary {
  id: string;
  externalId: string;
  title: string;
  url: string | null;
  /** ISO 639 primary subtag. */
  language: string;
  chunkCount: number;
  embeddingModel: string | null;
  updatedAt: string;
}

export interface ArticleDetail extends ArticleSummary {
  body: string;
}

/** The brand's articles, newest first, `limit` at a time; pass the last id seen as `after`. */
export async function listArticles(
  sql: SqlRunner,
  brandId: string,
  opts: { limit: number; after?: string },
): Promise<ArticleSummary[]> {
  const rows = await sql.query<ArticleRow>(
    `SELECT a.id, a."externalId", a.title, a.url, a.language, a."embeddingModel", a."updatedAt",
         (SELECT count(*)::int FROM "KnowledgeChunk" c WHERE c."articleId" = a.id AND c.config = '') AS "chunkCount"
       FROM "KnowledgeArticle" a
       WHERE a."brandId" = $1 AND ($2::text IS NULL OR a.id > $2)
       ORDER BY a.id LIMIT $3`,
    [brandId, opts.after ?? null, opts.limit],
  );
  return rows.map(toSummary);
}

export async function getArticle(
  sql: SqlRunner,
  brandId: string,
  articleId: string,
): Promise<ArticleDetail | undefined> {
  const rows = await sql.query<ArticleRow & { body: string | null }>(
    `SELECT a.id, a."externalId", a.title, a.url, a.language, a."embeddingModel", a."updatedAt",
         (SELECT string_agg(t.text, '' ORDER BY t.part) FROM "KnowledgeArticleText" t
          WHERE t."articleId" = a.id) AS body,
         (SELECT count(*)::int FROM "KnowledgeChunk" c WHERE c."articleId" = a.id AND c.config = '') AS "chunkCount"
       FROM "KnowledgeArticle" a WHERE a.id = $1 AND a."brandId" = $2`,
    [articleId, brandId],
  );
  const r = rows[0];
  return r ? { ...toSummary(r), body: r.body ?? '' } : undefined;
}

interface ArticleRow {
  id: string;
  externalId: string;
  title: string;
  url: string | null;
  language: string;
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
    language: r.language,
    chunkCount: Number(r.chunkCount),
    embeddingModel: r.embeddingModel,
    updatedAt: new Date(r.updatedAt).toISOString(),
  };
}

import type { SqlRunner } from '@switchboard/db';
import type { ConversationFilter } from './store.ts';
import { decodeCursor, decodeOffsetCursor, encodeOffsetCursor } from './store.ts';

/** LIKE wildcards must match themselves (backslash is the escape). */
export const likeLiteral = (s: string) => s.replace(/[\\%_]/g, '\\$&');

/** Longest text of one conversation that goes into its search document. */
const MAX_DOC_CHARS = 400_000;

/**
 * The ids of a brand's conversations that match `filter.text`, best first: Postgres full text search
 * (English stemming) over everything said, ranked by how often the words occur, whether all of them
 * occur, and whether they occur as the query's phrase; a plain substring match comes after those.
 * Ties go newest first. Pages by offset (`nextCursor`). Works on PGlite and Postgres alike.
 */
export async function searchConversations(
  sql: SqlRunner,
  brandId: string,
  f: ConversationFilter & { text: string },
): Promise<{ ids: string[]; nextCursor: string | null }> {
  const params: unknown[] = [brandId, f.text, `%${likeLiteral(f.text)}%`];
  const where = filterClauses(f, params);
  const offset = f.cursor ? (decodeOffsetCursor(f.cursor) ?? 0) : 0;
  const rows = await sql.query<{ id: string }>(
    `WITH q AS (
       SELECT plainto_tsquery('english', $2) AS all_q,
              phraseto_tsquery('english', $2) AS phrase_q,
              nullif(replace(plainto_tsquery('english', $2)::text, '&', '|'), '')::tsquery AS any_q
     ), candidates AS (
       SELECT DISTINCT m.conversation_id AS id FROM message m, q
       WHERE (q.any_q IS NOT NULL AND to_tsvector('english', coalesce(m.text, '')) @@ q.any_q)
          OR m.text ILIKE $3 ESCAPE '\\'
     ), docs AS (
       SELECT m.conversation_id AS id,
              to_tsvector('english', left(string_agg(coalesce(m.text, ''), ' ' ORDER BY m.sequence), ${MAX_DOC_CHARS})) AS doc
       FROM message m JOIN candidates k ON k.id = m.conversation_id
       GROUP BY m.conversation_id
     )
     SELECT c.id,
       (CASE WHEN q.any_q IS NULL THEN 0 ELSE ts_rank(d.doc, q.any_q) END
        + CASE WHEN numnode(q.all_q) > 0 AND d.doc @@ q.all_q THEN 1 ELSE 0 END
        + CASE WHEN numnode(q.phrase_q) > 1 AND d.doc @@ q.phrase_q THEN 1 ELSE 0 END)::float8 AS rank
     FROM conversation c JOIN docs d ON d.id = c.id CROSS JOIN q
     WHERE ${where.join(' AND ')}
     ORDER BY rank DESC, c.started_at DESC, c.id DESC
     OFFSET ${offset} LIMIT ${f.limit + 1}`,
    params,
  );
  const ids = rows.slice(0, f.limit).map((r) => r.id);
  return { ids, nextCursor: rows.length > f.limit ? encodeOffsetCursor(offset + f.limit) : null };
}

/** The filters but the words as SQL conditions on `conversation c`, their values appended to `params`. */
function filterClauses(f: ConversationFilter, params: unknown[]): string[] {
  const where: string[] = ['c.brand_id = $1'];
  const add = (clause: (p: string) => string, value: unknown) => {
    params.push(value);
    where.push(clause(`$${params.length}`));
  };
  if (f.from) add((p) => `c.started_at >= ${p}`, f.from);
  if (f.to) add((p) => `c.started_at < ${p}`, f.to);
  if (f.caller) add((p) => `c.caller_number LIKE ${p} ESCAPE '\\'`, `%${likeLiteral(f.caller)}%`);
  if (f.status) add((p) => `c.status = ${p}::"ConversationStatus"`, f.status);
  if (f.language)
    add(
      (p) =>
        `EXISTS (SELECT 1 FROM unnest(c.languages) l WHERE lower(l) = ${p} OR starts_with(lower(l), ${p} || '-'))`,
      f.language.toLowerCase(),
    );
  return where;
}

/**
 * The ids of one page (plus one, to tell whether more follow) of a brand's conversations in
 * `filter.language`, newest first, after the time cursor: the same page the plain list would give.
 */
export async function conversationIdsInLanguage(
  sql: SqlRunner,
  brandId: string,
  f: ConversationFilter,
): Promise<string[]> {
  const params: unknown[] = [brandId];
  const where = filterClauses(f, params);
  const c = f.cursor ? decodeCursor(f.cursor) : undefined;
  if (c) {
    params.push(c.at, c.id);
    where.push(
      `(c.started_at < $${params.length - 1} OR (c.started_at = $${params.length - 1} AND c.id < $${params.length}))`,
    );
  }
  const rows = await sql.query<{ id: string }>(
    `SELECT c.id FROM conversation c WHERE ${where.join(' AND ')}
     ORDER BY c.started_at DESC, c.id DESC LIMIT ${f.limit + 1}`,
    params,
  );
  return rows.map((r) => r.id);
}

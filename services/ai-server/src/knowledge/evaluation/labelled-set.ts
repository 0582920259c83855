/**
 * A labelled retrieval set: questions, each with the articles (by externalId) that answer it. YAML
 * (or JSON, which is YAML too): `queries: [{query, answers: [externalId…], kind?, language?}]`;
 * `answers: []` marks a question the knowledge base cannot answer.
 */
import { parse } from 'yaml';

export interface LabelledQuery {
  query: string;
  /** externalIds of the articles that answer it; empty when nothing does. */
  answers: string[];
  /** A group for the figures (direct, paraphrase, misspelling, two-part, unanswerable…). */
  kind: string;
  language?: string;
}

/** The labelled set is malformed; the message names the entry (`queries.3.answers`). */
export class LabelledSetError extends Error {
  override name = 'LabelledSetError';
}

export function parseLabelledSet(text: string): LabelledQuery[] {
  let doc: unknown;
  try {
    doc = parse(text);
  } catch (err) {
    throw new LabelledSetError(`not valid YAML: ${(err as Error).message.split('\n')[0]}`);
  }
  const queries = (doc as { queries?: unknown } | null)?.queries;
  if (!Array.isArray(queries) || queries.length === 0)
    throw new LabelledSetError('queries must be a non-empty list');
  return queries.map((q: unknown, i): LabelledQuery => {
    const at = `queries.${i}`;
    if (!q || typeof q !== 'object') throw new LabelledSetError(`${at} must be an object`);
    const { query, answers, kind, language } = q as Record<string, unknown>;
    if (typeof query !== 'string' || !query.trim()) throw new LabelledSetError(`${at}.query must be text`);
    if (!Array.isArray(answers) || !answers.every((a) => typeof a === 'string' && a))
      throw new LabelledSetError(`${at}.answers must be a list of article ids (empty: no answer)`);
    if (kind !== undefined && typeof kind !== 'string') throw new LabelledSetError(`${at}.kind must be text`);
    if (language !== undefined && typeof language !== 'string')
      throw new LabelledSetError(`${at}.language must be text`);
    return {
      query,
      answers: [...new Set(answers as string[])],
      kind: kind ?? (answers.length ? 'answerable' : 'unanswerable'),
      ...(language ? { language } : {}),
    };
  });
}

/** Answer ids the corpus does not have (a labelling mistake), as `queries.<i>.answers: <id>`. */
export function unknownAnswers(queries: readonly LabelledQuery[], corpusIds: ReadonlySet<string>): string[] {
  return queries.flatMap((q, i) =>
    q.answers.filter((a) => !corpusIds.has(a)).map((a) => `queries.${i}.answers: ${a}`),
  );
}

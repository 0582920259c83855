import type { TextRepair } from '@switchboard/service-kit';
import type { ArticleInput, IngestResult } from './knowledge-store.ts';

/** What the text policy repaired in one article field. */
export interface FieldRepair {
  field: 'title' | 'body' | 'url';
  nulRemoved: number;
  surrogatesReplaced: number;
}

const REPAIR_PATH = /^body\.articles\.(\d+)\.(externalId|title|body|url)$/;

/**
 * Sorts the request's text repairs by article. An article whose externalId had to be repaired is
 * refused (its identity would change silently); repaired titles, bodies and urls are stored as
 * repaired and reported.
 */
export function applyArticleRepairs(
  articles: readonly ArticleInput[],
  textRepairs: readonly TextRepair[],
): { accepted: ArticleInput[]; refused: Map<number, IngestResult>; repairs: Map<number, FieldRepair[]> } {
  const refused = new Map<number, IngestResult>();
  const repairs = new Map<number, FieldRepair[]>();
  for (const r of textRepairs) {
    const m = REPAIR_PATH.exec(r.path);
    if (!m) continue;
    const index = Number(m[1]);
    const field = m[2] as FieldRepair['field'] | 'externalId';
    if (field === 'externalId') {
      refused.set(index, {
        externalId: articles[index]!.externalId,
        status: 'failed',
        error: {
          code: 'INVALID_TEXT',
          message: `body.articles.${index}.externalId contains NUL or unpaired surrogate characters`,
        },
      });
      continue;
    }
    const list = repairs.get(index) ?? [];
    list.push({ field, nulRemoved: r.nul, surrogatesReplaced: r.surrogates });
    repairs.set(index, list);
  }
  return { accepted: articles.filter((_, i) => !refused.has(i)), refused, repairs };
}

import type { Logger } from '@switchboard/service-kit';
import type { Embedder } from './embedder.ts';
import type { KnowledgeStore } from './knowledge-store.ts';
import type { Reranker } from './reranker.ts';

/** Results a search returns by default (and at most {@link MAX_SEARCH_RESULTS}). */
export const DEFAULT_SEARCH_RESULTS = 12;
export const MAX_SEARCH_RESULTS = 20;
/** Candidates each retriever contributes to the fusion. */
const CANDIDATES_PER_RETRIEVER = 40;
/** Fused candidates sent to the reranker. */
const RERANK_POOL = 30;
/** Reciprocal rank fusion constant (the usual 60: damps the head of each list). */
const RRF_K = 60;
/**
 * Lexical candidates come from a query's rarer lexemes, taken rarest first until their chunk counts
 * sum past this budget; every lexeme still counts in the ranking. It bounds the rows ranked per query
 * whatever the corpus size, and drops terms that appear everywhere (ts_rank has no IDF of its own).
 */
const LEXICAL_CANDIDATE_BUDGET = 1200;

export type SearchMode = 'hybrid' | 'lexical';

export interface SearchHit {
  chunkId: string;
  articleId: string;
  title: string;
  url: string | null;
  text: string;
  /** Rerank score when reranked, else the fused reciprocal-rank score. Higher is better. */
  score: number;
  /** 1-based rank in the full-text list, null when not among its candidates. */
  lexicalRank: number | null;
  /** 1-based rank in the vector list, null when not among its candidates (or lexical mode). */
  vectorRank: number | null;
}

export interface SearchResponse {
  /** `lexical` when no embedding provider is configured (or it failed for this query). */
  mode: SearchMode;
  reranked: boolean;
  results: SearchHit[];
  /** Degradations this search went through (embedding or rerank failures). */
  warnings: string[];
  /** Where the time went, milliseconds. */
  timingsMs: { embed: number; lexical: number; vector: number; rerank: number; total: number };
}

export interface SearchDeps {
  store: KnowledgeStore;
  embedder?: Embedder;
  reranker?: Reranker;
  log?: Pick<Logger, 'warn'>;
}

export interface SearchOptions {
  limit?: number;
  /** Force lexical-only retrieval even with an embedder (quality comparisons). */
  lexicalOnly?: boolean;
  /** Skip the reranker even when one is configured. */
  noRerank?: boolean;
}

/**
 * Hybrid retrieval over one brand's knowledge: Postgres full-text (ts_rank) and pgvector cosine
 * candidates fused by reciprocal rank fusion, then an optional cross-encoder rerank.
 */
export async function searchKnowledge(
  deps: SearchDeps,
  brandId: string,
  query: string,
  opts: SearchOptions = {},
): Promise<SearchResponse> {
  const started = performance.now();
  const timingsMs = { embed: 0, lexical: 0, vector: 0, rerank: 0, total: 0 };
  const limit = Math.min(Math.max(1, opts.limit ?? DEFAULT_SEARCH_RESULTS), MAX_SEARCH_RESULTS);
  const warnings: string[] = [];
  const useVectors = !!deps.embedder && !opts.lexicalOnly;

  const [lexical, vector] = await Promise.all([
    timed(
      () => lexicalCandidates(deps.store, brandId, query),
      (ms) => {
        timingsMs.lexical = ms;
      },
    ),
    useVectors
      ? timed(
          () => deps.embedder!.embed([query]),
          (ms) => {
            timingsMs.embed = ms;
          },
        )
          .then(([v]) =>
            timed(
              () => deps.store.vectorSearch(brandId, v!, CANDIDATES_PER_RETRIEVER),
              (ms) => {
                timingsMs.vector = ms;
              },
            ),
          )
          .catch((err: Error) => {
            warnings.push(`embedding failed, lexical only: ${err.message}`);
            deps.log?.warn({ err: { message: err.message } }, 'query embedding failed; lexical only');
            return undefined;
          })
      : Promise.resolve(undefined),
  ]);
  const mode: SearchMode = vector ? 'hybrid' : 'lexical';

  const fused = fuse([lexical.map((r) => r.id), vector?.map((r) => r.id) ?? []]);
  const poolSize = deps.reranker && !opts.noRerank ? Math.max(RERANK_POOL, limit) : limit;
  const pool = fused.slice(0, poolSize);
  const details = await deps.store.chunkDetails(
    brandId,
    pool.map((f) => f.id),
  );
  let hits: SearchHit[] = pool.flatMap((f) => {
    const d = details.get(f.id);
    return d
      ? [{ ...d, score: f.score, lexicalRank: f.ranks[0] ?? null, vectorRank: f.ranks[1] ?? null }]
      : [];
  });

  let reranked = false;
  if (deps.reranker && !opts.noRerank && hits.length > 1) {
    const rerankStarted = performance.now();
    try {
      const scores = await deps.reranker.rerank(
        query,
        hits.map((h) => `${h.title}\n\n${h.text}`),
      );
      const byIndex = new Map(scores.map((s) => [s.index, s.score]));
      hits = hits
        .map((h, i) => ({ ...h, score: byIndex.get(i) ?? Number.NEGATIVE_INFINITY }))
        .sort((a, b) => b.score - a.score);
      reranked = true;
    } catch (err) {
      warnings.push(`rerank failed, fused order kept: ${(err as Error).message}`);
      deps.log?.warn({ err: { message: (err as Error).message } }, 'rerank failed; fused order kept');
    }
    timingsMs.rerank = performance.now() - rerankStarted;
  }
  timingsMs.total = performance.now() - started;
  return { mode, reranked, results: hits.slice(0, limit), warnings, timingsMs };
}

async function timed<T>(fn: () => Promise<T>, record: (ms: number) => void): Promise<T> {
  const t = performance.now();
  try {
    return await fn();
  } finally {
    record(performance.now() - t);
  }
}

async function lexicalCandidates(store: KnowledgeStore, brandId: string, query: string) {
  const lexemes = (await store.queryLexemes(brandId, query)).filter((l) => l.df > 0);
  if (!lexemes.length) return [];
  lexemes.sort((a, b) => a.df - b.df || a.lexeme.localeCompare(b.lexeme));
  const chosen: string[] = [];
  let budget = 0;
  for (const l of lexemes) {
    if (chosen.length && budget + l.df > LEXICAL_CANDIDATE_BUDGET) break;
    chosen.push(l.lexeme);
    budget += l.df;
  }
  return store.lexicalSearch(
    brandId,
    orQuery(chosen),
    orQuery(lexemes.map((l) => l.lexeme)),
    CANDIDATES_PER_RETRIEVER,
  );
}

/** A tsquery text OR-ing already-normalised lexemes, each quoted. */
export function orQuery(lexemes: readonly string[]): string {
  return lexemes.map((l) => `'${l.replace(/\\/g, '\\\\').replace(/'/g, "''")}'`).join(' | ');
}

/** Reciprocal rank fusion of ranked id lists; `ranks[i]` is the 1-based rank in list i. */
export function fuse(
  lists: readonly (readonly string[])[],
): Array<{ id: string; score: number; ranks: Array<number | undefined> }> {
  const byId = new Map<string, { id: string; score: number; ranks: Array<number | undefined> }>();
  lists.forEach((list, li) => {
    list.forEach((id, i) => {
      let e = byId.get(id);
      if (!e) {
        e = { id, score: 0, ranks: lists.map(() => undefined) };
        byId.set(id, e);
      }
      e.score += 1 / (RRF_K + i + 1);
      e.ranks[li] = i + 1;
    });
  });
  return [...byId.values()].sort((a, b) => b.score - a.score || a.id.localeCompare(b.id));
}

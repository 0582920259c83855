import type { Logger } from '@switchboard/service-kit';
import { textSearchConfig } from '../languages/language-tags.ts';
import { TS_CONFIG } from './chunk-writer.ts';
import { type Embedder, isZeroVector } from './embedder.ts';
import type { KnowledgeStore } from './knowledge-store.ts';
import { fuse, orQuery } from './rank-fusion.ts';
import { rerankHits } from './rerank-hits.ts';
import type { Reranker } from './reranker.ts';

export { fuse, orQuery } from './rank-fusion.ts';

/** Results a search returns by default (and at most {@link MAX_SEARCH_RESULTS}). */
export const DEFAULT_SEARCH_RESULTS = 12;
export const MAX_SEARCH_RESULTS = 20;
/** Candidates each retriever contributes to the fusion. */
const CANDIDATES_PER_RETRIEVER = 40;
/** Fused candidates sent to the reranker. */
export const RERANK_POOL = 30;
/**
 * Lexical candidates come from a query's rarer lexemes, taken rarest first until their chunk counts
 * sum past this budget; every lexeme still counts in the ranking. It bounds the rows ranked per query
 * whatever the corpus size, and drops terms that appear everywhere (ts_rank has no IDF of its own).
 */
const LEXICAL_CANDIDATE_BUDGET = 1200;

export type SearchMode = 'hybrid' | 'lexical' | 'vector';
/** Which retrievers a search runs (an evaluation compares them; calls use hybrid). */
export type Retrieval = 'hybrid' | 'lexical' | 'vector';

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
  /** Cosine similarity of the chunk to the question, null when it was not a vector candidate. */
  similarity: number | null;
  /** The article's language (ISO 639 primary subtag). */
  language: string;
}

export interface SearchResponse {
  /** `lexical` when no embedding provider is configured (or it failed for this query). */
  mode: SearchMode;
  reranked: boolean;
  results: SearchHit[];
  /**
   * True when nothing relevant was found: no results, or the best cosine similarity is below the
   * embedder's calibrated floor. The results are still given (ranked as usual) for display.
   */
  noAnswer: boolean;
  /** The best cosine similarity among the vector candidates (null without vectors). */
  topSimilarity: number | null;
  /** The floor `topSimilarity` was held to, null when none applies (no vector candidates). */
  relevanceFloor: number | null;
  /** Degradations this search went through (embedding or rerank failures). */
  warnings: string[];
  /** Where the time went, milliseconds. */
  timingsMs: { embed: number; lexical: number; vector: number; rerank: number; total: number };
}

export interface SearchDeps {
  store: KnowledgeStore;
  embedder?: Embedder;
  reranker?: Reranker;
  /** Overrides the embedder's own `relevanceFloor` (the `KNOWLEDGE_RELEVANCE_FLOOR` setting). */
  relevanceFloor?: number;
  log?: Pick<Logger, 'warn'>;
}

export interface SearchOptions {
  limit?: number;
  /** Which retrievers run; default hybrid (lexical alone without an embedder). */
  retrieval?: Retrieval;
  /** Same as `retrieval: 'lexical'`. */
  lexicalOnly?: boolean;
  /** Skip the reranker even when one is configured. */
  noRerank?: boolean;
  /** The chunk rows searched: a lane configuration's key, or '' (default) for the ingest's own. */
  config?: string;
  /**
   * Only articles in this language (ISO 639 primary subtag), the question read with its text-search
   * configuration; none: every article, the question read as English.
   */
  language?: string;
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
  const retrieval: Retrieval = opts.lexicalOnly ? 'lexical' : (opts.retrieval ?? 'hybrid');
  const language = opts.language;
  const englishOnly =
    language !== undefined && deps.embedder?.languages && !deps.embedder.languages.includes(language);
  if (englishOnly && retrieval !== 'lexical')
    warnings.push(`the embedding model ${deps.embedder!.id} does not know ${language}: lexical search only`);
  const embedder = retrieval === 'lexical' || englishOnly ? undefined : deps.embedder;
  const lexicalOf = () => lexicalCandidates(deps.store, brandId, query, opts.config, language);

  const [lexical, vector] = await Promise.all([
    retrieval === 'vector' && embedder
      ? Promise.resolve([])
      : timed(lexicalOf, (ms) => {
          timingsMs.lexical = ms;
        }),
    embedder
      ? timed(
          () => embedder.embed([query]),
          (ms) => {
            timingsMs.embed = ms;
          },
        )
          .then(([v]) =>
            // A question with no word the model knows has no direction: no vector candidates.
            isZeroVector(v!)
              ? []
              : timed(
                  () =>
                    deps.store.vectorSearch(
                      brandId,
                      v!,
                      CANDIDATES_PER_RETRIEVER,
                      embedder.id,
                      opts.config,
                      language,
                    ),
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
  // The vector lane alone falls back to full-text when the embedding failed.
  const lexicalList = retrieval === 'vector' && !vector ? await lexicalOf() : lexical;
  const mode: SearchMode = !vector ? 'lexical' : retrieval === 'vector' ? 'vector' : 'hybrid';
  const similarityOf = new Map(vector?.map((r) => [r.id, 1 - r.distance]) ?? []);

  const fused = fuse([lexicalList.map((r) => r.id), vector?.map((r) => r.id) ?? []]);
  const poolSize = deps.reranker && !opts.noRerank ? Math.max(RERANK_POOL, limit) : limit;
  const pool = fused.slice(0, poolSize);
  const details = await deps.store.chunkDetails(
    brandId,
    pool.map((f) => f.id),
  );
  let hits: SearchHit[] = pool.flatMap((f) => {
    const d = details.get(f.id);
    return d
      ? [
          {
            ...d,
            score: f.score,
            lexicalRank: f.ranks[0] ?? null,
            vectorRank: f.ranks[1] ?? null,
            similarity: similarityOf.get(f.id) ?? null,
          },
        ]
      : [];
  });

  let reranked = false;
  if (deps.reranker && !opts.noRerank && hits.length > 1) {
    const rerankStarted = performance.now();
    try {
      hits = await rerankHits(deps.reranker, query, hits);
      reranked = true;
    } catch (err) {
      warnings.push(`rerank failed, fused order kept: ${(err as Error).message}`);
      deps.log?.warn({ err: { message: (err as Error).message } }, 'rerank failed; fused order kept');
    }
    timingsMs.rerank = performance.now() - rerankStarted;
  }
  const results = hits.slice(0, limit);
  const topSimilarity = vector?.length ? 1 - vector[0]!.distance : null;
  // No vector candidates (a question with no word the model knows): full text alone decides.
  const relevanceFloor = vector?.length ? (deps.relevanceFloor ?? embedder?.relevanceFloor ?? null) : null;
  const noAnswer = results.length === 0 || (relevanceFloor !== null && (topSimilarity ?? 0) < relevanceFloor);
  timingsMs.total = performance.now() - started;
  return {
    mode,
    reranked,
    results,
    noAnswer,
    topSimilarity,
    relevanceFloor,
    warnings,
    timingsMs,
  };
}

async function timed<T>(fn: () => Promise<T>, record: (ms: number) => void): Promise<T> {
  const t = performance.now();
  try {
    return await fn();
  } finally {
    record(performance.now() - t);
  }
}

/**
 * Full-text candidates. The lexeme counts that choose them are the brand's over every configuration's
 * rows (the same corpus, so the same words are rare); the candidates come from `config`'s rows only.
 */
async function lexicalCandidates(
  store: KnowledgeStore,
  brandId: string,
  query: string,
  config?: string,
  language?: string,
) {
  const tsConfig = language ? textSearchConfig(language) : TS_CONFIG;
  const lexemes = (await store.queryLexemes(brandId, query, tsConfig)).filter((l) => l.df > 0);
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
    config,
    language,
  );
}

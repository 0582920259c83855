import { type Embedder, isZeroVector } from '../embedder.ts';
import { rerankHits } from '../rerank-hits.ts';
import type { Reranker } from '../reranker.ts';
import {
  DEFAULT_SEARCH_RESULTS,
  MAX_SEARCH_RESULTS,
  RERANK_POOL,
  type SearchHit,
  type SearchResponse,
} from '../search.ts';
import type { PineconeLane } from './pinecone-lane.ts';

/** The lane's embedding model does not know the asked language: the lane can't search it. */
export class LanguageNotEmbedded extends Error {
  override name = 'LanguageNotEmbedded';
}

export interface PineconeSearchDeps {
  pinecone: PineconeLane;
  embedder: Embedder;
  reranker?: Reranker;
  relevanceFloor?: number;
}

/**
 * Vector search in the brand's Pinecone namespace, optionally reranked: the same answer shape as the
 * Postgres search (mode `vector`). Embedding and Pinecone failures throw, for the lane to fall back,
 * and so does a language the embedding model does not know (it is English-only).
 */
export async function searchPinecone(
  deps: PineconeSearchDeps,
  brandId: string,
  query: string,
  opts: { limit?: number; language?: string } = {},
): Promise<SearchResponse> {
  // A vector-only store can't search a language its model does not know: the other lane answers.
  if (opts.language && deps.embedder.languages && !deps.embedder.languages.includes(opts.language))
    throw new LanguageNotEmbedded(`the embedding model ${deps.embedder.id} does not know ${opts.language}`);
  const started = performance.now();
  const timingsMs = { embed: 0, lexical: 0, vector: 0, rerank: 0, total: 0 };
  const limit = Math.min(Math.max(1, opts.limit ?? DEFAULT_SEARCH_RESULTS), MAX_SEARCH_RESULTS);
  const [v] = await deps.embedder.embed([query]);
  timingsMs.embed = performance.now() - started;
  const warnings: string[] = [];
  // A question with no word the model knows has no direction: nothing to look for.
  const matches =
    v && !isZeroVector(v)
      ? await deps.pinecone.query(
          brandId,
          v,
          deps.reranker ? Math.max(RERANK_POOL, limit) : limit,
          opts.language,
        )
      : [];
  timingsMs.vector = performance.now() - started - timingsMs.embed;
  let hits: SearchHit[] = matches.map((m, i) => ({
    ...m,
    score: m.similarity,
    lexicalRank: null,
    vectorRank: i + 1,
  }));
  let reranked = false;
  if (deps.reranker && hits.length > 1) {
    const t = performance.now();
    try {
      hits = await rerankHits(deps.reranker, query, hits);
      reranked = true;
    } catch (err) {
      warnings.push(`rerank failed, vector order kept: ${(err as Error).message}`);
    }
    timingsMs.rerank = performance.now() - t;
  }
  const results = hits.slice(0, limit);
  const topSimilarity = matches[0]?.similarity ?? null;
  const relevanceFloor = matches.length
    ? (deps.relevanceFloor ?? deps.embedder.relevanceFloor ?? null)
    : null;
  const noAnswer = results.length === 0 || (relevanceFloor !== null && (topSimilarity ?? 0) < relevanceFloor);
  timingsMs.total = performance.now() - started;
  return { mode: 'vector', reranked, results, noAnswer, topSimilarity, relevanceFloor, warnings, timingsMs };
}

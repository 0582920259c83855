import type { Reranker } from './reranker.ts';

interface Rerankable {
  chunkId: string;
  title: string;
  text: string;
  score: number;
}

/** Hits rescored by the cross-encoder and sorted by its score (exact ties by chunk id). */
export async function rerankHits<T extends Rerankable>(
  reranker: Reranker,
  query: string,
  hits: T[],
): Promise<T[]> {
  const scores = await reranker.rerank(
    query,
    hits.map((h) => `${h.title}\n\n${h.text}`),
  );
  const byIndex = new Map(scores.map((s) => [s.index, s.score]));
  return hits
    .map((h, i) => ({ ...h, score: byIndex.get(i) ?? Number.NEGATIVE_INFINITY }))
    .sort((a, b) => b.score - a.score || (a.chunkId < b.chunkId ? -1 : a.chunkId > b.chunkId ? 1 : 0));
}

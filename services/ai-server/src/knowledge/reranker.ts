/** A cross-encoder scoring (query, text) pairs; higher is more relevant. */
export interface Reranker {
  rerank(query: string, texts: readonly string[]): Promise<Array<{ index: number; score: number }>>;
}

export interface HttpRerankerOptions {
  /** Full URL of a text-embeddings-inference style endpoint, e.g. `http://reranker:8080/rerank`. */
  url: string;
  apiKey?: string;
  timeoutMs?: number;
  fetch?: typeof fetch;
}

/**
 * Reranks through an HTTP endpoint shaped like text-embeddings-inference's `/rerank`
 * (bge-reranker-large): `{ query, texts, raw_scores, truncate }` → `[{ index, score }]`.
 */
export function createHttpReranker(opts: HttpRerankerOptions): Reranker {
  const doFetch = opts.fetch ?? fetch;
  return {
    async rerank(query, texts) {
      if (texts.length === 0) return [];
      const res = await doFetch(opts.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          ...(opts.apiKey ? { authorization: `Bearer ${opts.apiKey}` } : {}),
        },
        body: JSON.stringify({ query, texts, raw_scores: false, truncate: true }),
        signal: AbortSignal.timeout(opts.timeoutMs ?? 3000),
      });
      if (!res.ok) throw new Error(`rerank endpoint answered ${res.status}`);
      const body = (await res.json()) as unknown;
      if (!Array.isArray(body)) throw new Error('rerank endpoint answered a non-array');
      return body.map((r, i) => {
        const { index, score } = (r ?? {}) as { index?: unknown; score?: unknown };
        if (typeof index !== 'number' || typeof score !== 'number' || index < 0 || index >= texts.length)
          throw new Error(`rerank result ${i} is malformed`);
        return { index, score };
      });
    },
  };
}

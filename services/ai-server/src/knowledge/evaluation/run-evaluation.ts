/**
 * Runs a labelled set against retrieval configurations side by side: the corpus is ingested into a
 * throwaway in-memory database per chunking variant (the same chunking, embedding and indexing code
 * as the service), then every question is searched with each configuration.
 */
import type { AiDatabase } from '../../context.ts';
import { openAiDatabase } from '../../db.ts';
import type { ChunkingOptions } from '../article-prep.ts';
import { ArticlePreparer } from '../article-preparer.ts';
import type { Embedder } from '../embedder.ts';
import { type ArticleInput, KnowledgeStore } from '../knowledge-store.ts';
import type { Reranker } from '../reranker.ts';
import { type Retrieval, searchKnowledge } from '../search.ts';
import type { LabelledQuery } from './labelled-set.ts';
import { type EvaluationFigures, evaluationFigures, type QueryOutcome } from './metrics.ts';

export interface EvalConfiguration {
  name: string;
  retrieval: Retrieval;
  rerank?: boolean;
  /** Default: the service's 480/80 tokens. */
  chunking?: ChunkingOptions;
}

/** Lexical, vector, hybrid, hybrid + rerank, and hybrid over smaller chunks. */
export const STANDARD_CONFIGURATIONS: readonly EvalConfiguration[] = [
  { name: 'lexical', retrieval: 'lexical' },
  { name: 'vector', retrieval: 'vector' },
  { name: 'hybrid', retrieval: 'hybrid' },
  { name: 'hybrid+rerank', retrieval: 'hybrid', rerank: true },
  { name: 'hybrid 128/32', retrieval: 'hybrid', chunking: { maxTokens: 128, overlapTokens: 32 } },
];

export interface EvaluationInput {
  articles: readonly ArticleInput[];
  queries: readonly LabelledQuery[];
  configurations: readonly EvalConfiguration[];
  embedder?: Embedder;
  reranker?: Reranker;
  /** Overrides the embedder's calibrated floor. */
  relevanceFloor?: number;
  /** Results per search (the call path asks for 12). */
  limit?: number;
  /** Default: an in-memory PGlite with ai-server's migrations. */
  openDatabase?: () => Promise<AiDatabase>;
}

export interface ConfigurationResult {
  configuration: EvalConfiguration;
  /** Why it did not run (no embedder for a vector configuration, no reranker for a rerank one). */
  skipped?: string;
  figures?: EvaluationFigures;
  outcomes?: QueryOutcome[];
}

export interface EvaluationReport {
  embedder: string | null;
  reranker: boolean;
  articles: number;
  queries: number;
  results: ConfigurationResult[];
}

const BRAND_ID = 'evaluation';
const WARM_UP_QUERIES = 3;

export async function evaluateRetrieval(input: EvaluationInput): Promise<EvaluationReport> {
  const results = new Map<EvalConfiguration, ConfigurationResult>();
  const runnable = input.configurations.filter((c) => {
    const why =
      c.retrieval !== 'lexical' && !input.embedder
        ? 'no embedding provider'
        : c.rerank && !input.reranker
          ? 'no reranker'
          : undefined;
    if (why) results.set(c, { configuration: c, skipped: why });
    return !why;
  });
  const byChunking = new Map<string, EvalConfiguration[]>();
  for (const c of runnable) {
    const key = JSON.stringify(c.chunking ?? null);
    byChunking.set(key, [...(byChunking.get(key) ?? []), c]);
  }
  for (const configs of byChunking.values()) {
    const db = await (input.openDatabase ?? (() => openAiDatabase({ dataDir: 'memory' })))();
    const store = new KnowledgeStore(
      db.sql,
      input.embedder,
      new ArticlePreparer(configs[0]!.chunking ? { chunking: configs[0]!.chunking } : {}),
    );
    try {
      await db.sql.query('INSERT INTO "Brand" (id, name) VALUES ($1, $2)', [BRAND_ID, 'Evaluation']);
      for (let i = 0; i < input.articles.length; i += 100)
        await store.ingest(BRAND_ID, input.articles.slice(i, i + 100));
      const externalIdOf = new Map<string, string>();
      for (const a of await store.listArticles(BRAND_ID, { limit: 100_000 }))
        externalIdOf.set(a.id, a.externalId);
      for (const c of configs) {
        const outcomes = await runConfiguration(input, store, c, externalIdOf);
        results.set(c, { configuration: c, figures: evaluationFigures(outcomes), outcomes });
      }
    } finally {
      await store.close();
      await db.close();
    }
  }
  return {
    embedder: input.embedder?.id ?? null,
    reranker: !!input.reranker,
    articles: input.articles.length,
    queries: input.queries.length,
    results: input.configurations.map((c) => results.get(c)!),
  };
}

async function runConfiguration(
  input: EvaluationInput,
  store: KnowledgeStore,
  c: EvalConfiguration,
  externalIdOf: ReadonlyMap<string, string>,
): Promise<QueryOutcome[]> {
  const deps = {
    store,
    embedder: input.embedder,
    reranker: c.rerank ? input.reranker : undefined,
    relevanceFloor: input.relevanceFloor,
  };
  const opts = { retrieval: c.retrieval, limit: input.limit ?? 12 };
  // The first searches pay for compiling the queries (PGlite) and warming caches; not timed.
  for (const q of input.queries.slice(0, WARM_UP_QUERIES))
    await searchKnowledge(deps, BRAND_ID, q.query, opts);
  const outcomes: QueryOutcome[] = [];
  for (const q of input.queries) {
    const started = performance.now();
    const res = await searchKnowledge(deps, BRAND_ID, q.query, opts);
    const latencyMs = performance.now() - started;
    const ranked: string[] = [];
    for (const hit of res.results) {
      const id = externalIdOf.get(hit.articleId) ?? hit.articleId;
      if (!ranked.includes(id)) ranked.push(id);
    }
    outcomes.push({ query: q, ranked, topSimilarity: res.topSimilarity, noAnswer: res.noAnswer, latencyMs });
  }
  return outcomes;
}

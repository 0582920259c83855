// knowledge: ingest a generated help-center corpus into embedded PGlite through ai-server's knowledge
// store (chunking, embeddings from the deterministic simulator, tsvector + pgvector/HNSW), then time
// searches. Target: hybrid search p95 ≤ 25 ms.
//
//   BENCH_ARTICLES=8200     corpus size (default 8200)
//   BENCH_QUERIES=200       timed searches per mode (default 200)
//
// Prints the figures and writes bench-results/knowledge.json.
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startKnowledgeSimulator } from '@switchboard/simulators/knowledge';
import { openDatabase } from '../../packages/db/src/index.ts';
import { PrismaClient } from '../../services/ai-server/generated/prisma/client.ts';
import { createOpenAiEmbedder } from '../../services/ai-server/src/knowledge/embedder.ts';
import {
  KNOWLEDGE_SESSION_SQL,
  KnowledgeStore,
} from '../../services/ai-server/src/knowledge/knowledge-store.ts';
import { createHttpReranker } from '../../services/ai-server/src/knowledge/reranker.ts';
import { type SearchOptions, searchKnowledge } from '../../services/ai-server/src/knowledge/search.ts';
import {
  generateCorpus,
  generateQueries,
} from '../../services/ai-server/src/knowledge/testing/synthetic-corpus.ts';

const here = dirname(fileURLToPath(import.meta.url));
const outFile = join(here, '..', '..', 'bench-results', 'knowledge.json');
const migrationsDir = join(here, '..', '..', 'services', 'ai-server', 'prisma', 'migrations');
const TARGET_P95_MS = 25;
const INGEST_BATCH = 100;

const articleCount = positiveInt(process.env.BENCH_ARTICLES, 8200);
const queryCount = positiveInt(process.env.BENCH_QUERIES, 200);

function positiveInt(raw: string | undefined, fallback: number): number {
  if (!raw) return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) throw new Error(`expected a positive integer, got "${raw}"`);
  return n;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? Number.NaN;
}

function summary(ms: number[]) {
  const s = [...ms].sort((a, b) => a - b);
  const r = (x: number) => Math.round(x * 100) / 100;
  return {
    n: s.length,
    p50: r(percentile(s, 0.5)),
    p95: r(percentile(s, 0.95)),
    max: r(s[s.length - 1] ?? 0),
  };
}

const sim = await startKnowledgeSimulator();
const db = await openDatabase({
  dataDir: 'memory',
  migrationsDir,
  createClient: (adapter) => new PrismaClient({ adapter }),
  sessionSql: KNOWLEDGE_SESSION_SQL,
});
try {
  const embedder = createOpenAiEmbedder({
    apiKey: 'sk-bench',
    baseURL: sim.openaiBaseUrl,
    model: 'text-embedding-3-small',
  });
  const store = new KnowledgeStore(db.sql, embedder);
  const reranker = createHttpReranker({ url: sim.rerankUrl });
  const brandId = 'bench-brand';
  await db.sql.query('INSERT INTO "Brand" (id, name) VALUES ($1, $2)', [brandId, 'Bench']);

  const corpus = generateCorpus(articleCount);
  console.log(`ingesting ${corpus.length} articles (batches of ${INGEST_BATCH})...`);
  const t0 = performance.now();
  let chunks = 0;
  for (let i = 0; i < corpus.length; i += INGEST_BATCH) {
    const results = await store.ingest(
      brandId,
      corpus
        .slice(i, i + INGEST_BATCH)
        .map((a) => ({ externalId: a.externalId, title: a.title, body: a.body })),
    );
    for (const r of results) chunks += r.chunks ?? 0;
    if ((i / INGEST_BATCH) % 10 === 0) process.stdout.write(`  ${i + INGEST_BATCH}/${corpus.length}\r`);
  }
  const ingestMs = performance.now() - t0;
  const t1 = performance.now();
  const again = await store.ingest(
    brandId,
    corpus.slice(0, INGEST_BATCH).map((a) => ({ externalId: a.externalId, title: a.title, body: a.body })),
  );
  const reingestMs = performance.now() - t1;
  const unchanged = again.filter((r) => r.status === 'unchanged').length;
  console.log(
    `ingest: ${corpus.length} articles, ${chunks} chunks in ${(ingestMs / 1000).toFixed(1)} s ` +
      `(${Math.round(corpus.length / (ingestMs / 1000))} articles/s); re-ingest of ${INGEST_BATCH} unchanged: ` +
      `${reingestMs.toFixed(0)} ms, ${unchanged} skipped`,
  );

  const queries = generateQueries(corpus, queryCount);
  const runMode = async (name: string, opts: SearchOptions, withReranker: boolean) => {
    const deps = {
      store,
      embedder: opts.lexicalOnly ? undefined : embedder,
      reranker: withReranker ? reranker : undefined,
    };
    for (const q of queries.slice(0, 20)) await searchKnowledge(deps, brandId, q.query, opts);
    const ms: number[] = [];
    const dbMs: number[] = [];
    let hitsAt12 = 0;
    let rr = 0;
    for (const q of queries) {
      const t = performance.now();
      const res = await searchKnowledge(deps, brandId, q.query, opts);
      ms.push(performance.now() - t);
      // The database's share: the full-text and vector queries (the embedding and rerank calls are HTTP).
      dbMs.push(res.timingsMs.lexical + res.timingsMs.vector);
      const want = corpus.find((a) => a.externalId === q.externalId)!;
      // A hit is any result from an article on the query's topic (the corpus repeats topics).
      const idx = res.results.findIndex((r) => r.title === want.title);
      if (idx >= 0) {
        hitsAt12++;
        rr += 1 / (idx + 1);
      }
    }
    const s = summary(ms);
    const d = summary(dbMs);
    console.log(
      `${name.padEnd(16)} p50 ${s.p50.toFixed(1)} ms  p95 ${s.p95.toFixed(1)} ms  max ${s.max.toFixed(1)} ms  ` +
        `| database only p50 ${d.p50.toFixed(1)} p95 ${d.p95.toFixed(1)} ms  ` +
        `| title hit@12 ${(hitsAt12 / queries.length).toFixed(2)}, MRR ${(rr / queries.length).toFixed(2)}`,
    );
    return { ...s, databaseOnly: d, titleHitAt12: hitsAt12 / queries.length, mrr: rr / queries.length };
  };

  const hybrid = await runMode('hybrid', {}, false);
  const lexical = await runMode('lexical only', { lexicalOnly: true }, false);
  const reranked = await runMode('hybrid + rerank', {}, true);
  const met = hybrid.p95 <= TARGET_P95_MS;
  console.log(`target hybrid p95 ≤ ${TARGET_P95_MS} ms: ${met ? 'met' : 'NOT met'} (${hybrid.p95} ms)`);

  const result = {
    benchmark: 'knowledge',
    at: new Date().toISOString(),
    machine: { cpus: cpus().length, model: cpus()[0]?.model, node: process.version },
    corpus: { articles: corpus.length, chunks, embeddingDimensions: embedder.dimensions },
    ingest: {
      totalMs: Math.round(ingestMs),
      articlesPerSec: Math.round(corpus.length / (ingestMs / 1000)),
      reingestUnchangedBatchMs: Math.round(reingestMs),
      reingestSkipped: unchanged,
    },
    searchLatencyMs: { hybrid, lexicalOnly: lexical, hybridWithRerank: reranked },
    target: { hybridP95Ms: TARGET_P95_MS, met },
    notes:
      'Embedded PGlite (in-process WebAssembly Postgres) with pgvector HNSW; embeddings and rerank from the ' +
      'deterministic local simulator, so latency excludes a real provider round trip.',
  };
  mkdirSync(dirname(outFile), { recursive: true });
  writeFileSync(outFile, `${JSON.stringify(result, null, 2)}\n`);
  console.log(`wrote ${outFile}`);
} finally {
  await db.close();
  await sim.close();
}

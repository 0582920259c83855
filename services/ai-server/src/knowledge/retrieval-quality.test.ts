// Retrieval quality on the labelled set the project ships (fixtures/labelled-help-center.json):
// recall@12 and MRR for lexical-only, hybrid, and hybrid + rerank, with the deterministic embedding
// and rerank simulators. The hybrid must beat lexical-only.
import { readFileSync } from 'node:fs';
import { type KnowledgeSimulator, startKnowledgeSimulator } from '@switchboard/simulators/knowledge';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AiDatabase } from '../context.ts';
import { openAiDatabase } from '../db.ts';
import { createOpenAiEmbedder, type Embedder } from './embedder.ts';
import { KnowledgeStore } from './knowledge-store.ts';
import { createHttpReranker } from './reranker.ts';
import { type SearchOptions, searchKnowledge } from './search.ts';

interface LabelledSet {
  articles: Array<{ id: string; title: string; body: string }>;
  queries: Array<{ query: string; relevant: string[] }>;
}

const set = JSON.parse(
  readFileSync(new URL('./fixtures/labelled-help-center.json', import.meta.url), 'utf8'),
) as LabelledSet;
const K = 12;

let sim: KnowledgeSimulator;
let db: AiDatabase;
let store: KnowledgeStore;
let embedder: Embedder;
const brandId = 'quality-brand';

beforeAll(async () => {
  sim = await startKnowledgeSimulator();
  db = await openAiDatabase({ dataDir: 'memory' });
  embedder = createOpenAiEmbedder({
    apiKey: 'sk-test',
    baseURL: sim.openaiBaseUrl,
    model: 'text-embedding-3-small',
  });
  store = new KnowledgeStore(db.sql, embedder);
  await db.sql.query('INSERT INTO "Brand" (id, name) VALUES ($1, $2)', [brandId, 'Velora']);
  await store.ingest(
    brandId,
    set.articles.map((a) => ({ externalId: a.id, title: a.title, body: a.body })),
  );
});

afterAll(async () => {
  await db?.close();
  await sim?.close();
});

async function evaluate(opts: SearchOptions & { rerank?: boolean }) {
  const idOf = new Map<string, string>();
  for (const a of await store.listArticles(brandId, { limit: 500 })) idOf.set(a.id, a.externalId);
  let recall = 0;
  let rr = 0;
  let mode = '';
  for (const q of set.queries) {
    const res = await searchKnowledge(
      {
        store,
        embedder: opts.lexicalOnly ? undefined : embedder,
        reranker: opts.rerank ? createHttpReranker({ url: sim.rerankUrl }) : undefined,
      },
      brandId,
      q.query,
      { limit: K, ...opts },
    );
    mode = res.mode;
    // Articles in rank order (an article may own several chunks; its best rank counts).
    const ranked = [...new Set(res.results.map((r) => idOf.get(r.articleId)!))];
    const found = q.relevant.filter((id) => ranked.includes(id)).length;
    recall += found / q.relevant.length;
    const first = ranked.findIndex((id) => q.relevant.includes(id));
    if (first >= 0) rr += 1 / (first + 1);
  }
  return { mode, recallAtK: recall / set.queries.length, mrr: rr / set.queries.length };
}

describe('retrieval quality on the labelled help center', () => {
  it('hybrid beats lexical-only on recall@12 and MRR', async () => {
    const lexical = await evaluate({ lexicalOnly: true });
    const hybrid = await evaluate({});
    const reranked = await evaluate({ rerank: true });
    const row = (name: string, r: { recallAtK: number; mrr: number }) =>
      `${name.padEnd(16)} recall@${K} ${r.recallAtK.toFixed(3)}  MRR ${r.mrr.toFixed(3)}`;
    console.log(
      [
        `retrieval quality: ${set.articles.length} articles, ${set.queries.length} labelled queries`,
        row('lexical only', lexical),
        row('hybrid', hybrid),
        row('hybrid + rerank', reranked),
      ].join('\n'),
    );
    expect(lexical.mode).toBe('lexical');
    expect(hybrid.mode).toBe('hybrid');
    expect(hybrid.recallAtK).toBeGreaterThan(lexical.recallAtK);
    expect(hybrid.mrr).toBeGreaterThan(lexical.mrr);
    expect(hybrid.recallAtK).toBeGreaterThanOrEqual(0.9);
  });
});

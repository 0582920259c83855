/** Test support for the lane tests: an app with the Pinecone simulator, a brand with a corpus, helpers. */

import { readCorpus } from '../knowledge/evaluation/corpus.ts';
import { brand, profileBody, service, startTestApp, type TestApp } from './test-app.ts';

const LANE_CORPUS = new Set(
  [
    'shipping-times',
    'shipping-costs',
    'international-shipping',
    'delivery-delays',
    'lost-parcels',
    'returns-and-refunds',
    'refund-timing',
    'store-credit',
    'exchanges',
    'warranty',
    'repairs',
    'how-to-return',
  ].map((id) => `${id}.md`),
);

/** Twelve overlapping articles of the example help centre (shipping, returns, warranty). */
export const acmeCorpus = () =>
  readCorpus(new URL('../../../../examples/acme-help-center/', import.meta.url).pathname).filter((a) =>
    LANE_CORPUS.has(a.externalId),
  );

export const TWO_LANES = {
  primary: { name: 'pg-hybrid', store: 'postgres', retrieval: 'hybrid', rerank: false },
  secondary: { name: 'pinecone', store: 'pinecone', retrieval: 'vector', rerank: false },
  secondaryPercent: 50,
};

export interface LaneBrand {
  brandId: string;
  apiKey: string;
  profileKey: string;
}

export async function laneApp(laneBudgetMs = 400): Promise<TestApp> {
  return startTestApp({ localEmbeddings: true, pinecone: true, laneBudgetMs });
}

export async function laneBrand(t: TestApp, name: string, articles: unknown[]): Promise<LaneBrand> {
  const { brandId, apiKey } = await t.createBrand(name);
  const profileKey = `${name.toLowerCase()}-line`;
  await t.app.inject({
    method: 'POST',
    url: '/admin/profiles',
    headers: brand(apiKey),
    payload: profileBody(profileKey),
  });
  const res = await ingest(t, apiKey, articles);
  if (res.statusCode !== 200) throw new Error(`ingest: ${res.statusCode} ${res.body}`);
  return { brandId, apiKey, profileKey: `${brandId}:${profileKey}` };
}

export const ingest = (t: TestApp, apiKey: string, articles: unknown[]) =>
  t.app.inject({
    method: 'POST',
    url: '/admin/knowledge/articles',
    headers: brand(apiKey),
    payload: { articles },
  });

export const putLanes = (t: TestApp, apiKey: string, body: unknown) =>
  t.app.inject({
    method: 'PUT',
    url: '/admin/knowledge/lanes',
    headers: brand(apiKey),
    payload: body as object,
  });

export async function consistency(t: TestApp, apiKey: string) {
  const res = await t.app.inject({
    method: 'GET',
    url: '/admin/knowledge/lanes/consistency',
    headers: brand(apiKey),
  });
  return res.json() as {
    postgres: { articles: number; chunks: number };
    pendingArticles: number;
    mirror: { records: number | null; expected: number } | null;
    consistent: boolean;
  };
}

export interface SearchAnswer {
  lane: { name: string; role: string; store: string };
  fallback: { from: string; reason: string } | null;
  results: Array<{ chunkId: string; articleId: string; title: string; text: string }>;
  noAnswer: boolean;
}

/** A search as a call makes it (service token, the call SID as the split key). */
export async function callSearch(
  t: TestApp,
  profileKey: string,
  query: string,
  callSid: string,
): Promise<SearchAnswer> {
  const res = await t.app.inject({
    method: 'POST',
    url: '/voiceagent/search_knowledge_base/',
    headers: service,
    payload: { profileKey, query, callSid },
  });
  if (res.statusCode !== 200) throw new Error(`search: ${res.statusCode} ${res.body}`);
  return res.json() as SearchAnswer;
}

/** A search in one lane through the admin API. */
export async function laneSearch(t: TestApp, apiKey: string, query: string, lane: 'primary' | 'secondary') {
  const res = await t.app.inject({
    method: 'POST',
    url: '/admin/knowledge/search',
    headers: brand(apiKey),
    payload: { query, lane },
  });
  return res.json() as SearchAnswer;
}

export async function metric(t: TestApp, line: string): Promise<number> {
  const text = (await t.app.inject({ method: 'GET', url: '/metrics' })).body;
  const found = text.split('\n').find((l) => l.startsWith(line));
  return found ? Number(found.slice(found.lastIndexOf(' ') + 1)) : 0;
}

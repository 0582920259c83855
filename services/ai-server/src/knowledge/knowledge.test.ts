import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { brand, profileBody, service, startTestApp, type TestApp } from '../testing/test-app.ts';
import { CHUNK_TOKENS, countTokens } from './chunker.ts';

const longBody = Array.from(
  { length: 300 },
  (_, i) => `Step ${i}: tighten the stem bolt number ${i} gently.`,
).join(' ');

const articles = [
  {
    externalId: 'kb-1',
    title: 'Refund policy',
    body: '<p>Refunds go back to the original payment method within <b>10 days</b>.</p>',
    format: 'html',
    url: 'https://help.example/kb-1',
  },
  {
    externalId: 'kb-2',
    title: 'Reset your password',
    body: '# Reset\n\nUse the **Reset password** link on the sign-in page.',
    format: 'markdown',
  },
  { externalId: 'kb-3', title: 'Assembly guide', body: longBody },
];

describe('knowledge API (hybrid: embeddings + rerank simulators)', () => {
  let t: TestApp;
  let apiKey: string;
  beforeAll(async () => {
    t = await startTestApp({ embeddings: true, rerank: true });
    ({ apiKey } = await t.createBrand('Knowledge brand'));
    await t.app.inject({
      method: 'POST',
      url: '/admin/profiles',
      headers: brand(apiKey),
      payload: profileBody('kb-main'),
    });
  });
  afterAll(async () => {
    await t.close();
  });

  const ingest = (list: unknown[]) =>
    t.app.inject({
      method: 'POST',
      url: '/admin/knowledge/articles',
      headers: brand(apiKey),
      payload: { articles: list },
    });

  it('ingests articles into 480-token chunks, idempotently', async () => {
    const first = await ingest(articles);
    expect(first.statusCode).toBe(200);
    const results = first.json().results as Array<{ externalId: string; status: string; chunks?: number }>;
    expect(results.map((r) => r.status)).toEqual(['created', 'created', 'created']);
    const expectedChunks = Math.ceil((countTokens(longBody) - 80) / (CHUNK_TOKENS - 80));
    expect(results[2]!.chunks).toBe(expectedChunks);
    expect(results[0]!.chunks).toBe(1);

    const embeddedBefore = t.sim!.stats.embeddedInputs;
    const again = await ingest(articles);
    expect(again.json().results.map((r: { status: string }) => r.status)).toEqual([
      'unchanged',
      'unchanged',
      'unchanged',
    ]);
    expect(t.sim!.stats.embeddedInputs).toBe(embeddedBefore);

    const changed = await ingest([
      { ...articles[0], body: '<p>Refunds take up to 14 days.</p>' },
      articles[1],
    ]);
    expect(changed.json().results.map((r: { status: string }) => r.status)).toEqual(['updated', 'unchanged']);
    expect(t.sim!.stats.embeddedInputs).toBe(embeddedBefore + 1);

    const list = await t.app.inject({ url: '/admin/knowledge/articles', headers: brand(apiKey) });
    const byExt = new Map<string, { id: string; chunkCount: number; embeddingModel: string }>(
      list.json().articles.map((a: { externalId: string }) => [a.externalId, a]),
    );
    expect(byExt.get('kb-3')!.chunkCount).toBe(expectedChunks);
    expect(byExt.get('kb-1')!.embeddingModel).toBe('text-embedding-3-small@256');
    const one = await t.app.inject({
      url: `/admin/knowledge/articles/${byExt.get('kb-1')!.id}`,
      headers: brand(apiKey),
    });
    expect(one.json()).toMatchObject({
      title: 'Refund policy',
      body: 'Refunds take up to 14 days.',
      url: 'https://help.example/kb-1',
    });
  });

  it('rejects a batch that repeats an externalId, naming the entry', async () => {
    const res = await ingest([articles[0], articles[0]]);
    expect(res.statusCode).toBe(400);
    expect(res.json().error.message).toBe('body.articles.1.externalId repeats body.articles.0');
  });

  it('searches hybrid for a call, with chunk ids, titles and scores, top 12 by default', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/voiceagent/search_knowledge_base/',
      headers: service,
      payload: { profileKey: 'kb-main', query: 'I forgot my password', callSid: 'CA1' },
    });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body).toMatchObject({ mode: 'hybrid', reranked: true, warnings: [] });
    expect(body.results.length).toBeLessThanOrEqual(12);
    expect(body.results[0]).toMatchObject({ title: 'Reset your password', url: null });
    expect(body.results[0].chunkId).toMatch(/^[0-9a-f-]{36}$/);
    expect(typeof body.results[0].score).toBe('number');
    for (let i = 1; i < body.results.length; i++)
      expect(body.results[i - 1].score).toBeGreaterThanOrEqual(body.results[i].score);

    const limited = await t.app.inject({
      method: 'POST',
      url: '/admin/knowledge/search',
      headers: brand(apiKey),
      payload: { query: 'stem bolt', limit: 2 },
    });
    expect(limited.json().results).toHaveLength(2);
    expect(limited.json().results[0].title).toBe('Assembly guide');
  });

  it('degrades: lexical with a warning when embedding fails, fused order when rerank fails', async () => {
    t.sim!.failNext('embeddings', 1, 500);
    const res = await t.app.inject({
      method: 'POST',
      url: '/admin/knowledge/search',
      headers: brand(apiKey),
      payload: { query: 'refund' },
    });
    expect(res.json()).toMatchObject({
      mode: 'lexical',
      warnings: [expect.stringMatching(/embedding failed/)],
    });
    expect(res.json().results[0].title).toBe('Refund policy');

    t.sim!.failNext('rerank', 1, 503);
    const noRerank = await t.app.inject({
      method: 'POST',
      url: '/admin/knowledge/search',
      headers: brand(apiKey),
      payload: { query: 'refund' },
    });
    expect(noRerank.json()).toMatchObject({
      mode: 'hybrid',
      reranked: false,
      warnings: [expect.stringMatching(/rerank failed/)],
    });
  });

  it('answers 502 and writes nothing when the embedding provider fails during ingest', async () => {
    t.sim!.failNext('embeddings', 1, 500);
    const res = await ingest([{ externalId: 'kb-new', title: 'New', body: 'Brand new article' }]);
    expect(res.statusCode).toBe(502);
    expect(res.json().error.code).toBe('EMBEDDING_FAILED');
    const list = await t.app.inject({ url: '/admin/knowledge/articles', headers: brand(apiKey) });
    expect(list.json().articles.map((a: { externalId: string }) => a.externalId)).not.toContain('kb-new');
  });

  it('deletes an article and its chunks from search', async () => {
    const list = await t.app.inject({ url: '/admin/knowledge/articles', headers: brand(apiKey) });
    const kb3 = list.json().articles.find((a: { externalId: string }) => a.externalId === 'kb-3');
    const del = await t.app.inject({
      method: 'DELETE',
      url: `/admin/knowledge/articles/${kb3.id}`,
      headers: brand(apiKey),
    });
    expect(del.statusCode).toBe(204);
    const search = await t.app.inject({
      method: 'POST',
      url: '/admin/knowledge/search',
      headers: brand(apiKey),
      payload: { query: 'stem bolt' },
    });
    expect(search.json().results.map((r: { title: string }) => r.title)).not.toContain('Assembly guide');
    const again = await t.app.inject({
      method: 'DELETE',
      url: `/admin/knowledge/articles/${kb3.id}`,
      headers: brand(apiKey),
    });
    expect(again.json().error.code).toBe('ARTICLE_NOT_FOUND');
  });

  it('pages through articles', async () => {
    const page1 = await t.app.inject({ url: '/admin/knowledge/articles?limit=1', headers: brand(apiKey) });
    expect(page1.json().articles).toHaveLength(1);
    const page2 = await t.app.inject({
      url: `/admin/knowledge/articles?limit=1&after=${page1.json().next}`,
      headers: brand(apiKey),
    });
    expect(page2.json().articles).toHaveLength(1);
    expect(page2.json().articles[0].id).not.toBe(page1.json().articles[0].id);
  });
});

describe('knowledge API without an embedding provider', () => {
  let t: TestApp;
  let apiKey: string;
  beforeAll(async () => {
    t = await startTestApp();
    ({ apiKey } = await t.createBrand('Lexical brand'));
  });
  afterAll(async () => {
    await t.close();
  });

  it('ingests without embeddings and searches lexical-only, saying so', async () => {
    await t.app.inject({
      method: 'POST',
      url: '/admin/knowledge/articles',
      headers: brand(apiKey),
      payload: { articles: articles.slice(0, 2) },
    });
    const res = await t.app.inject({
      method: 'POST',
      url: '/admin/knowledge/search',
      headers: brand(apiKey),
      payload: { query: 'how do refunds work' },
    });
    expect(res.json()).toMatchObject({ mode: 'lexical', reranked: false, warnings: [] });
    expect(res.json().results[0]).toMatchObject({ title: 'Refund policy', vectorRank: null, lexicalRank: 1 });
    const none = await t.app.inject({
      method: 'POST',
      url: '/admin/knowledge/search',
      headers: brand(apiKey),
      payload: { query: 'the and of' },
    });
    expect(none.json().results).toEqual([]);
  });
});

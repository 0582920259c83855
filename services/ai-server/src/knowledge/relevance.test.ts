// What a search answer says about relevance (noAnswer, similarities, the floor), with the offline
// default embedder, through the brand's and the call path's routes; and ranking that does not change
// from one ingest of the same corpus to the next.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { brand, profileBody, service, startTestApp, type TestApp } from '../testing/test-app.ts';
import { readCorpus } from './evaluation/corpus.ts';
import { WORD_VECTOR_RELEVANCE_FLOOR } from './word-vector-embedder.ts';

const corpus = [
  ...readCorpus(new URL('../../../../examples/acme-help-center/', import.meta.url).pathname),
  // A serial number no word vector knows: only full text can find this article.
  {
    externalId: 'stove-recall',
    title: 'Camp stove recall',
    body: 'Camp stoves with serial prefix ZK3391 are recalled. Bring one to any store for a free replacement.',
  },
];

let t: TestApp;
let apiKey: string;
beforeAll(async () => {
  t = await startTestApp({ localEmbeddings: true });
  ({ apiKey } = await t.createBrand('Acme'));
  await t.app.inject({
    method: 'POST',
    url: '/admin/profiles',
    headers: brand(apiKey),
    payload: profileBody('acme'),
  });
  const res = await ingest(corpus);
  expect(res.statusCode).toBe(200);
});
afterAll(async () => {
  await t.close();
});

const ingest = (articles: unknown[]) =>
  t.app.inject({
    method: 'POST',
    url: '/admin/knowledge/articles',
    headers: brand(apiKey),
    payload: { articles },
  });
const search = (query: string) =>
  t.app.inject({
    method: 'POST',
    url: '/admin/knowledge/search',
    headers: brand(apiKey),
    payload: { query },
  });

describe('relevance in the search answer', () => {
  it('answers a question the help centre covers, with similarities above the floor', async () => {
    const body = (await search('how long does shipping take')).json();
    expect(body).toMatchObject({
      mode: 'hybrid',
      noAnswer: false,
      relevanceFloor: WORD_VECTOR_RELEVANCE_FLOOR,
    });
    expect(body.results[0].title).toBe('Shipping times');
    expect(body.topSimilarity).toBeGreaterThan(WORD_VECTOR_RELEVANCE_FLOOR);
    expect(body.results.length).toBe(12);
    type Hit = { vectorRank: number | null; similarity: number | null };
    const hits: Hit[] = body.results;
    // Each vector candidate carries its cosine, falling with its vector rank; the best one is topSimilarity.
    const vectorHits = hits
      .filter((h) => h.vectorRank !== null)
      .sort((a, b) => a.vectorRank! - b.vectorRank!);
    expect(vectorHits.length).toBeGreaterThan(1);
    for (const h of vectorHits) expect(h.similarity).toEqual(expect.any(Number));
    for (let i = 1; i < vectorHits.length; i++)
      expect(vectorHits[i]!.similarity!).toBeLessThanOrEqual(vectorHits[i - 1]!.similarity!);
    expect(vectorHits[0]!.vectorRank).toBe(1);
    expect(vectorHits[0]!.similarity).toBeCloseTo(body.topSimilarity, 6);
    for (const h of hits.filter((h) => h.vectorRank === null)) expect(h.similarity).toBeNull();
  });

  it('says noAnswer for a question it does not cover, and still lists the closest chunks', async () => {
    const body = (await search('who won the football game last night')).json();
    expect(body.noAnswer).toBe(true);
    expect(body.topSimilarity).toBeLessThan(WORD_VECTOR_RELEVANCE_FLOOR);
    expect(body.results.length).toBeGreaterThan(0);
  });

  it('gives the call path the same answer', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/voiceagent/search_knowledge_base/',
      headers: service,
      payload: { profileKey: 'acme', query: 'who won the football game last night', callSid: 'CA1' },
    });
    expect(res.json()).toMatchObject({ noAnswer: true, relevanceFloor: WORD_VECTOR_RELEVANCE_FLOOR });
    const covered = await t.app.inject({
      method: 'POST',
      url: '/voiceagent/search_knowledge_base/',
      headers: service,
      payload: { profileKey: 'acme', query: 'can I pay with PayPal', callSid: 'CA1' },
    });
    expect(covered.json()).toMatchObject({ noAnswer: false });
    expect(covered.json().results[0].title).toBe('Ways to pay');
  });

  it('a question with no word the model knows runs on full text alone, with no floor to meet', async () => {
    const body = (await search('ZK3391')).json();
    expect(body).toMatchObject({
      mode: 'hybrid',
      topSimilarity: null,
      relevanceFloor: null,
      noAnswer: false,
    });
    expect(body.results[0]).toMatchObject({
      title: 'Camp stove recall',
      lexicalRank: 1,
      vectorRank: null,
      similarity: null,
    });
    const nothing = (await search('zqxjv')).json();
    expect(nothing).toMatchObject({ topSimilarity: null, noAnswer: true, results: [] });
  });
});

describe('a configured relevance floor (KNOWLEDGE_RELEVANCE_FLOOR)', () => {
  it("replaces the embedder's calibrated one", async () => {
    const strict = await startTestApp({ localEmbeddings: true, relevanceFloor: 0.95 });
    try {
      const { apiKey: key } = await strict.createBrand('Strict');
      const shipping = corpus.filter((a) => /shipping/i.test(a.title));
      expect(shipping.length).toBeGreaterThan(0);
      const ingested = await strict.app.inject({
        method: 'POST',
        url: '/admin/knowledge/articles',
        headers: brand(key),
        payload: { articles: shipping },
      });
      expect(ingested.statusCode).toBe(200);
      const body = (
        await strict.app.inject({
          method: 'POST',
          url: '/admin/knowledge/search',
          headers: brand(key),
          payload: { query: 'how long does shipping take' },
        })
      ).json();
      // Above the default floor, so only the configured one can make this noAnswer.
      expect(body.topSimilarity).toBeGreaterThan(WORD_VECTOR_RELEVANCE_FLOOR);
      expect(body.topSimilarity).toBeLessThan(0.95);
      expect(body).toMatchObject({ relevanceFloor: 0.95, noAnswer: true });
      expect(body.results[0].title).toBe('Shipping times');
    } finally {
      await strict.close();
    }
  });
});

describe('stable ranking', () => {
  it('gives the same chunk ids and the same order after the corpus is deleted and ingested again', async () => {
    const questions = ['how do I get my money back', 'where is my order', 'warranty on boots'];
    const before = await Promise.all(
      questions.map(async (q) => (await search(q)).json().results.map((r: { chunkId: string }) => r.chunkId)),
    );
    const list = (
      await t.app.inject({ url: '/admin/knowledge/articles?limit=500', headers: brand(apiKey) })
    ).json();
    for (const a of list.articles)
      await t.app.inject({
        method: 'DELETE',
        url: `/admin/knowledge/articles/${a.id}`,
        headers: brand(apiKey),
      });
    expect((await search('how do I get my money back')).json().results).toEqual([]);
    await ingest(corpus);
    const after = await Promise.all(
      questions.map(async (q) => (await search(q)).json().results.map((r: { chunkId: string }) => r.chunkId)),
    );
    expect(after).toEqual(before);
  });

  it('breaks exact ties by chunk id, the same way every time', async () => {
    const twin = { title: 'Kayak rental', body: 'Kayaks can be rented by the hour at the Portland store.' };
    await ingest([
      { externalId: 'twin-b', ...twin },
      { externalId: 'twin-a', ...twin },
    ]);
    const first = (await search('kayak rental')).json().results.slice(0, 2);
    expect(first.map((r: { title: string }) => r.title)).toEqual(['Kayak rental', 'Kayak rental']);
    // Tied in each list (same text, same vector), the lower chunk id goes first in both.
    expect(first[0].lexicalRank).toBeLessThan(first[1].lexicalRank);
    expect(first[0].vectorRank).toBeLessThan(first[1].vectorRank);
    expect(first[0].similarity).toBe(first[1].similarity);
    expect(first[0].chunkId < first[1].chunkId).toBe(true);
    for (let i = 0; i < 3; i++)
      expect((await search('kayak rental')).json().results.slice(0, 2)).toEqual(first);
  });
});

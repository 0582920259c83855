// A search in a language through the retrieval lanes: the Postgres lane filters its rows by the
// article's language, the Pinecone lane by the `language` metadata each record carries (Pinecone's
// metadata filters, "Filter by metadata": `$eq`, `$exists`, `$or`, as the simulator implements them).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LaneBrand, laneApp, laneBrand, putLanes, TWO_LANES } from '../../testing/lane-app.ts';
import { brand, service, type TestApp } from '../../testing/test-app.ts';

let t: TestApp;
let b: LaneBrand;
const articles = [
  {
    externalId: 'en-returns',
    title: 'Returns',
    body: 'You can return any unused item within 30 days. Returns are free with a prepaid label.',
  },
  {
    externalId: 'es-returns',
    title: 'Devoluciones',
    body: 'Puede devolver cualquier artículo sin usar en 30 días. La devolución es gratuita.',
    language: 'es',
  },
];

beforeAll(async () => {
  t = await laneApp();
  b = await laneBrand(t, 'Bilingual', articles);
  expect((await putLanes(t, b.apiKey, TWO_LANES)).statusCode).toBe(200);
}, 120_000);
afterAll(() => t.close());

const search = async (query: string, lane: 'primary' | 'secondary', language?: string) =>
  (
    await t.app.inject({
      method: 'POST',
      url: '/admin/knowledge/search',
      headers: brand(b.apiKey),
      payload: { query, lane, ...(language ? { language } : {}) },
    })
  ).json() as { results: Array<{ title: string; language: string }>; language?: string };

describe('lanes in a language', () => {
  it('refuses a language the Pinecone lane model does not know when that lane alone is asked', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/admin/knowledge/search',
      headers: brand(b.apiKey),
      payload: { query: 'devoluciones', lane: 'secondary', language: 'es' },
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.message).toMatch(/^body\.language: the embedding model .* does not know es$/);
  });

  it('answers a call in another language from the Postgres lane when the Pinecone lane cannot', async () => {
    // Calls split by SID between the lanes; every one is answered in Spanish, whichever lane it has.
    for (let i = 0; i < 6; i++) {
      const res = await t.app.inject({
        method: 'POST',
        url: '/voiceagent/search_knowledge_base/',
        headers: service,
        payload: {
          profileKey: b.profileKey,
          callSid: `CA${i}`,
          query: 'devoluciones gratuitas',
          language: 'es',
        },
      });
      expect(res.statusCode).toBe(200);
      expect(res.json().results[0]).toMatchObject({ title: 'Devoluciones', language: 'es' });
      if (res.json().lane.store === 'pinecone') throw new Error('the Pinecone lane answered in Spanish');
    }
  });

  for (const lane of ['primary', 'secondary'] as const)
    it(`keeps a ${lane} lane search to the asked language`, async () => {
      if (lane === 'primary') {
        const es = await search('devoluciones gratuitas', lane, 'es');
        expect(es.results.length).toBeGreaterThan(0);
        expect(es.results.map((r) => r.language)).toEqual(es.results.map(() => 'es'));
      }
      const en = await search('free returns', lane, 'en');
      expect(en.results.length).toBeGreaterThan(0);
      expect(en.results.map((r) => r.title)).toEqual(en.results.map(() => 'Returns'));
      // Without a language: every article, as before languages.
      const all = await search('returns devoluciones', lane);
      expect(new Set(all.results.map((r) => r.language))).toEqual(new Set(['en', 'es']));
    });
});

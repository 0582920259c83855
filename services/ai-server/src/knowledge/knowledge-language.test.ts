// Knowledge in several languages: an article carries its language, its chunks are indexed with that
// language's Postgres text-search configuration (Spanish stemming: "devoluciones" finds
// "devolución"), a search in a language sees only its articles, and a call's search falls back to
// the profile's first language when nothing answers in the caller's.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { brand, profileBody, service, startTestApp, type TestApp } from '../testing/test-app.ts';

const english = [
  {
    externalId: 'en-returns',
    title: 'Returns',
    body: 'You can return any unused item within 30 days. Returns are free: we email a prepaid label.',
  },
  {
    externalId: 'en-warranty',
    title: 'Battery warranty',
    body: 'Shimano batteries carry a two-year warranty against defects.',
  },
];
const spanish = [
  {
    externalId: 'es-returns',
    title: 'Devolución de productos',
    body: 'Puede devolver cualquier producto sin usar en un plazo de 30 días. La devolución es gratuita: le enviamos una etiqueta prepagada.',
    language: 'es',
  },
  {
    externalId: 'es-shipping',
    title: 'Envíos y plazos de entrega',
    body: 'Enviamos los pedidos en 24 horas. El envío estándar tarda de 3 a 5 días laborables.',
    language: 'es-MX',
  },
];

type Hit = { articleId: string; title: string; language: string; lexicalRank: number | null };

describe('knowledge languages (offline word vectors: English only)', () => {
  let t: TestApp;
  let apiKey: string;
  beforeAll(async () => {
    t = await startTestApp({ localEmbeddings: true });
    ({ apiKey } = await t.createBrand('Idiomas'));
    const created = await t.app.inject({
      method: 'POST',
      url: '/admin/profiles',
      headers: brand(apiKey),
      payload: profileBody('idiomas', {
        languages: [
          { tag: 'en-US', greeting: 'Hello!' },
          { tag: 'es', greeting: '¡Hola!' },
        ],
      }),
    });
    expect(created.statusCode).toBe(201);
    const ingested = await t.app.inject({
      method: 'POST',
      url: '/admin/knowledge/articles',
      headers: brand(apiKey),
      payload: { articles: [...english, ...spanish] },
    });
    expect(ingested.json().results.map((r: { status: string }) => r.status)).toEqual(
      Array(4).fill('created'),
    );
  });
  afterAll(async () => {
    await t.close();
  });

  const search = (body: Record<string, unknown>) =>
    t.app.inject({
      method: 'POST',
      url: '/voiceagent/search_knowledge_base/',
      headers: service,
      payload: { profileKey: 'idiomas', ...body },
    });

  it('stores the language as its primary subtag, English by default, and lists it', async () => {
    const list = await t.app.inject({ url: '/admin/knowledge/articles', headers: brand(apiKey) });
    const byExternal = Object.fromEntries(
      list.json().articles.map((a: { externalId: string; language: string }) => [a.externalId, a.language]),
    );
    expect(byExternal).toEqual({
      'en-returns': 'en',
      'en-warranty': 'en',
      'es-returns': 'es',
      'es-shipping': 'es',
    });
  });

  it('finds the Spanish article by a Spanish question through Spanish stemming, lexically', async () => {
    const res = await search({ query: '¿Cómo funcionan las devoluciones?', language: 'es' });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.results[0]).toMatchObject({ title: 'Devolución de productos', language: 'es' });
    expect(body.results[0].lexicalRank).toBe(1);
    expect(body.results.every((h: Hit) => h.language === 'es')).toBe(true);
    expect(body).toMatchObject({ language: 'es', languageFellBack: false, mode: 'lexical' });
    expect(body.warnings.join(' ')).toMatch(/does not know es: lexical search only/);
    const shipping = await search({ query: '¿Cuánto tarda el envío?', language: 'es-MX' });
    expect(shipping.json().results[0]).toMatchObject({ title: 'Envíos y plazos de entrega' });
  });

  it("searches a multilingual profile's first language when the call names none", async () => {
    const res = await search({ query: 'returns devoluciones' });
    expect(res.json()).toMatchObject({ language: 'en', languageFellBack: false });
    expect(res.json().results.map((h: Hit) => h.language)).toEqual(res.json().results.map(() => 'en'));
  });

  it('reads the question with the English configuration when no language is asked of the brand search', async () => {
    // "devoluciones" stemmed as English is "devolucion": no Spanish chunk holds it.
    const res = await t.app.inject({
      method: 'POST',
      url: '/admin/knowledge/search',
      headers: brand(apiKey),
      payload: { query: '¿Cómo funcionan las devoluciones?' },
    });
    const hits = res.json().results as Hit[];
    expect(hits.filter((h) => h.lexicalRank !== null)).toEqual([]);
    expect(res.json()).not.toHaveProperty('language');
  });

  it('keeps an English question in English articles', async () => {
    const res = await search({ query: 'How do returns work?', language: 'en-US' });
    const body = res.json();
    expect(body.results[0]).toMatchObject({ title: 'Returns', language: 'en' });
    expect(body.results.every((h: Hit) => h.language === 'en')).toBe(true);
    expect(body).toMatchObject({ language: 'en', languageFellBack: false, mode: 'hybrid', warnings: [] });
  });

  it("falls back to the profile's first language when nothing answers in the asked one", async () => {
    const res = await search({ query: 'garantía Shimano', language: 'es' });
    const body = res.json();
    expect(body).toMatchObject({ language: 'en', languageFellBack: true });
    expect(body.results[0]).toMatchObject({ title: 'Battery warranty', language: 'en' });
    // The brand's own search has no profile: nothing to fall back to.
    const admin = await t.app.inject({
      method: 'POST',
      url: '/admin/knowledge/search',
      headers: brand(apiKey),
      payload: { query: 'garantía Shimano', language: 'es' },
    });
    expect(admin.json()).toMatchObject({
      language: 'es',
      languageFellBack: false,
      results: [],
      noAnswer: true,
    });
  });

  it('answers 400 naming the field for a language it does not know', async () => {
    const bad = await t.app.inject({
      method: 'POST',
      url: '/admin/knowledge/articles',
      headers: brand(apiKey),
      payload: { articles: [{ ...spanish[0], externalId: 'x', language: 'qq' }] },
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.message).toBe(
      'body.articles.0.language is not a known language (ISO 639 primary subtag)',
    );
    const shape = await t.app.inject({
      method: 'POST',
      url: '/admin/knowledge/articles',
      headers: brand(apiKey),
      payload: { articles: [{ ...spanish[0], externalId: 'x', language: 'es_ES' }] },
    });
    expect(shape.json().error.message).toMatch(/^body\.articles\.0\.language must match pattern/);
    const query = await search({ query: 'hola', language: 'zz' });
    expect(query.statusCode).toBe(400);
    expect(query.json().error.message).toBe('body.language is not a known language (ISO 639 primary subtag)');
  });

  it('never answers 5xx to generated search bodies with a language', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(fc.string({ maxLength: 40 }), fc.constantFrom('es', 'ES-mx', 'fr', 'zz', 'en-', 'x-y')),
        fc.oneof(
          fc.string({ minLength: 1, maxLength: 60 }),
          fc.constantFrom('devoluciones', '¿envío?', '&|!'),
        ),
        async (language, query) => {
          const res = await search({ query, language });
          expect(res.statusCode).toBeLessThan(500);
          if (res.statusCode === 200) expect(typeof res.json().languageFellBack).toBe('boolean');
        },
      ),
      { numRuns: 40 },
    );
  });
});

describe('knowledge languages (a multilingual /embeddings provider)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ embeddings: true });
    const { apiKey } = await t.createBrand('Multilingual');
    await t.app.inject({
      method: 'POST',
      url: '/admin/profiles',
      headers: brand(apiKey),
      payload: profileBody('multi'),
    });
    await t.app.inject({
      method: 'POST',
      url: '/admin/knowledge/articles',
      headers: brand(apiKey),
      payload: { articles: [...english, ...spanish] },
    });
  });
  afterAll(async () => {
    await t.close();
  });

  it('searches every language with the embedding model too', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/voiceagent/search_knowledge_base/',
      headers: service,
      payload: { profileKey: 'multi', query: '¿Cómo funcionan las devoluciones?', language: 'es' },
    });
    const body = res.json();
    expect(body).toMatchObject({ mode: 'hybrid', language: 'es', warnings: [] });
    expect(body.results[0]).toMatchObject({ title: 'Devolución de productos' });
    expect(body.results.every((h: Hit) => h.language === 'es')).toBe(true);
  });
});

// Lanes that are another configuration of the same Postgres store: their own chunking or embedding
// model, their own chunk rows built by every ingest and rebuilt in the background when the
// configuration changes (progress in the consistency check), questions embedded with the lane's own
// model, brand isolation, a failed write in one lane that leaves it pending, and bad settings refused.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  acmeCorpus,
  consistency,
  ingest,
  type LaneBrand,
  laneBrand,
  laneSearch,
  putLanes,
} from '../../testing/lane-app.ts';
import { brand, startTestApp, type TestApp } from '../../testing/test-app.ts';
import { WORD_VECTOR_MODEL_ID } from '../word-vector-embedder.ts';

let t: TestApp;
let acme: LaneBrand;
let other: LaneBrand;
const secret = {
  externalId: 'vault',
  title: 'Zanzibar vault procedure',
  body: 'The zanzibar vault opens with the brass lever behind the painting of the lighthouse.',
};
const pg = { name: 'pg-default', store: 'postgres', retrieval: 'hybrid', rerank: false };
const small = { name: 'pg-small', store: 'postgres', retrieval: 'hybrid', rerank: false };
const SMALL_CHUNKS = { maxTokens: 120, overlapTokens: 20 };
const EXTERNAL = 'text-embedding-3-small';

type Consistency = Awaited<ReturnType<typeof consistency>> & {
  configurations: Array<{ key: string; indexed: number; articles: number; rebuilding: boolean }>;
};

/** The consistency check once the brand's background rebuild has finished (polled through the route). */
async function settled(apiKey: string): Promise<Consistency> {
  for (;;) {
    const c = (await consistency(t, apiKey)) as Consistency;
    if (!c.configurations.some((x) => x.rebuilding)) return c;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

async function chunkRows(brandId: string): Promise<Array<{ config: string; n: number }>> {
  return t.db.sql.query<{ config: string; n: number }>(
    `SELECT config, count(*)::int AS n FROM "KnowledgeChunk" WHERE "brandId" = $1 GROUP BY config ORDER BY config`,
    [brandId],
  );
}

/** The brand's word counts (which question words count as rare): the ingest's own chunks alone. */
async function termCounts(brandId: string): Promise<Array<{ lexeme: string; df: number }>> {
  return t.db.sql.query<{ lexeme: string; df: number }>(
    'SELECT lexeme, df FROM "KnowledgeTermStat" WHERE "brandId" = $1 ORDER BY lexeme',
    [brandId],
  );
}

beforeAll(async () => {
  t = await startTestApp({ localEmbeddings: true, laneEmbeddings: true });
  acme = await laneBrand(t, 'Acme', acmeCorpus());
  other = await laneBrand(t, 'Other', [secret]);
}, 120_000);
afterAll(() => t.close());

describe('lanes with their own chunking or embedding model', () => {
  it('builds a chunking variant in the background; the same article gives other chunk ids', async () => {
    const wordsBefore = await termCounts(acme.brandId);
    expect(wordsBefore.length).toBeGreaterThan(0);
    const put = await putLanes(t, acme.apiKey, {
      primary: pg,
      secondary: { ...small, chunking: SMALL_CHUNKS },
      secondaryPercent: 50,
    });
    expect(put.statusCode).toBe(200);
    expect(put.json().lanes[1]).toMatchObject({
      name: 'pg-small',
      embedding: WORD_VECTOR_MODEL_ID,
      chunking: SMALL_CHUNKS,
    });
    const c = await settled(acme.apiKey);
    // A comparison lane must not change what the primary lane's lexical search counts as rare.
    expect(await termCounts(acme.brandId)).toEqual(wordsBefore);
    expect(c.configurations).toEqual([
      {
        key: `${WORD_VECTOR_MODEL_ID}@256/120-20`,
        indexed: acmeCorpus().length,
        articles: acmeCorpus().length,
        rebuilding: false,
      },
    ]);
    expect(c.consistent).toBe(true);
    // The default rows are what they were; the variant has more, smaller chunks of its own.
    expect(c.postgres.chunks).toBe((await chunkRows(acme.brandId)).find((r) => r.config === '')!.n);
    const rows = await chunkRows(acme.brandId);
    expect(rows.find((r) => r.config !== '')!.n).toBeGreaterThan(c.postgres.chunks);

    const q = 'how long does standard shipping take';
    const a = await laneSearch(t, acme.apiKey, q, 'primary');
    const b = await laneSearch(t, acme.apiKey, q, 'secondary');
    expect(b.lane.name).toBe('pg-small');
    const article = a.results[0]!.articleId;
    const idsA = new Set(a.results.filter((r) => r.articleId === article).map((r) => r.chunkId));
    const idsB = b.results.filter((r) => r.articleId === article).map((r) => r.chunkId);
    expect(idsB.length).toBeGreaterThan(0);
    expect(idsB.some((id) => idsA.has(id))).toBe(false);
    // Ingest feeds both: a new article reaches each lane in its own chunking.
    const added = await ingest(t, acme.apiKey, [
      { externalId: 'gift-cards', title: 'Gift cards', body: 'Gift cards never expire and work online.' },
    ]);
    expect(added.json().results[0].status).toBe('created');
    expect((await settled(acme.apiKey)).consistent).toBe(true);
    const gift = await laneSearch(t, acme.apiKey, 'do gift cards expire', 'secondary');
    expect(gift.results[0]!.title).toBe('Gift cards');
  });

  it('re-embeds a lane whose model changes, drops the old rows, and asks with the new model', async () => {
    const before = t.sim!.stats.embeddedInputs;
    const put = await putLanes(t, acme.apiKey, {
      primary: pg,
      secondary: { ...small, chunking: SMALL_CHUNKS, embedding: EXTERNAL },
      secondaryPercent: 50,
    });
    expect(put.statusCode).toBe(200);
    const c = await settled(acme.apiKey);
    expect(c.configurations.map((x) => x.key)).toEqual([`${EXTERNAL}@256/120-20`]);
    expect(c.consistent).toBe(true);
    expect(t.sim!.stats.embeddedInputs).toBeGreaterThan(before);
    // Only the default rows and the new model's: vectors of two models never share a search.
    expect((await chunkRows(acme.brandId)).map((r) => r.config)).toEqual(['', `${EXTERNAL}@256/120-20`]);
    const asked = t.sim!.stats.embeddingRequests;
    const res = await laneSearch(t, acme.apiKey, 'where is my parcel', 'secondary');
    expect(res.results.length).toBeGreaterThan(0);
    expect(t.sim!.stats.embeddingRequests).toBe(asked + 1);
    // The default lane still asks with the word vectors, not the simulator.
    await laneSearch(t, acme.apiKey, 'where is my parcel', 'primary');
    expect(t.sim!.stats.embeddingRequests).toBe(asked + 1);
  });

  it("never returns another brand's chunks from a variant lane", async () => {
    const put = await putLanes(t, other.apiKey, {
      primary: pg,
      secondary: { ...small, chunking: SMALL_CHUNKS },
      secondaryPercent: 50,
    });
    expect(put.statusCode).toBe(200);
    await settled(other.apiKey);
    const own = await laneSearch(t, other.apiKey, 'zanzibar vault brass lever', 'secondary');
    expect(own.results[0]!.title).toBe(secret.title);
    for (const lane of ['primary', 'secondary'] as const) {
      const res = await laneSearch(t, acme.apiKey, 'zanzibar vault brass lever', lane);
      expect(res.results.some((r) => r.title === secret.title)).toBe(false);
    }
  });

  it('leaves a lane pending after its write fails, serves from the other, and catches up on retry', async () => {
    const article = { externalId: 'price-match', title: 'Price match', body: 'We match any lower price.' };
    t.sim!.failNext('embeddings', 1, 500);
    const res = await ingest(t, acme.apiKey, [article]);
    expect(res.json().results[0]).toMatchObject({ status: 'failed', error: { code: 'LANE_WRITE_FAILED' } });
    const c = (await consistency(t, acme.apiKey)) as Consistency;
    expect(c.consistent).toBe(false);
    expect(c.configurations[0]!.indexed).toBe(c.configurations[0]!.articles - 1);
    const served = await laneSearch(t, acme.apiKey, 'do you match a lower price', 'primary');
    expect(served.results[0]!.title).toBe('Price match');
    const retry = await ingest(t, acme.apiKey, [article]);
    expect(retry.json().results[0].status).toBe('unchanged');
    expect((await consistency(t, acme.apiKey)).consistent).toBe(true);
  });

  it('evaluates a variant lane beside the default one, and deleting an article removes it from both', async () => {
    const evaluated = await t.app.inject({
      method: 'POST',
      url: '/admin/knowledge/lanes/evaluate',
      headers: brand(acme.apiKey),
      payload: { queries: [{ query: 'my parcel never arrived', answers: ['lost-parcels.md'] }] },
    });
    expect(evaluated.statusCode).toBe(200);
    expect(evaluated.json().evaluations.map((e: { lane: string }) => e.lane)).toEqual([
      'pg-default',
      'pg-small',
    ]);
    const gift = await laneSearch(t, acme.apiKey, 'do gift cards expire', 'secondary');
    const id = gift.results.find((r) => r.title === 'Gift cards')!.articleId;
    const del = await t.app.inject({
      method: 'DELETE',
      url: `/admin/knowledge/articles/${id}`,
      headers: brand(acme.apiKey),
    });
    expect(del.statusCode).toBeLessThan(300);
    for (const lane of ['primary', 'secondary'] as const)
      expect(
        (await laneSearch(t, acme.apiKey, 'do gift cards expire', lane)).results.some(
          (r) => r.articleId === id,
        ),
      ).toBe(false);
    const left = await t.db.sql.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM "KnowledgeChunk" WHERE "articleId" = $1',
      [id],
    );
    expect(Number(left[0]!.n)).toBe(0);
    expect((await consistency(t, acme.apiKey)).consistent).toBe(true);
  });

  it('rebuilds past an article that fails, leaves it pending, and catches up on the next rebuild', async () => {
    const setting = {
      primary: pg,
      secondary: { ...small, embedding: EXTERNAL, chunking: { maxTokens: 200, overlapTokens: 40 } },
      secondaryPercent: 50,
    };
    t.sim!.failNext('embeddings', 1, 500);
    expect((await putLanes(t, acme.apiKey, setting)).statusCode).toBe(200);
    const c = await settled(acme.apiKey);
    expect(c.configurations).toHaveLength(1);
    expect(c.configurations[0]!.indexed).toBe(c.configurations[0]!.articles - 1);
    expect(c.consistent).toBe(false);
    expect((await putLanes(t, acme.apiKey, setting)).statusCode).toBe(200);
    expect((await settled(acme.apiKey)).consistent).toBe(true);
  });

  it('refuses a model or chunking the server cannot give, naming the field', async () => {
    const bad = async (secondary: object, field: RegExp) => {
      const r = await putLanes(t, acme.apiKey, { primary: pg, secondary, secondaryPercent: 10 });
      expect(r.statusCode).toBe(400);
      expect(r.body).toMatch(field);
    };
    await bad({ ...small, embedding: 'no-such-model' }, /body\.secondary\.embedding/);
    await bad(
      { ...small, chunking: { maxTokens: 200, overlapTokens: 150 } },
      /secondary.chunking.overlapTokens/,
    );
    await bad({ ...small, chunking: { maxTokens: 5000, overlapTokens: 0 } }, /chunking.*maxTokens/);
    await bad({ ...small, chunking: { maxTokens: 200 } }, /overlapTokens/);
  });

  it('answers any embedding and chunking with 200 or 400, never a 5xx (fast-check)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.option(fc.oneof(fc.constantFrom(EXTERNAL, WORD_VECTOR_MODEL_ID), fc.string({ maxLength: 120 }))),
        fc.option(
          fc.record({
            maxTokens: fc.oneof(fc.integer({ min: -10, max: 3000 }), fc.double(), fc.string()),
            overlapTokens: fc.oneof(fc.integer({ min: -10, max: 2000 }), fc.constant(null)),
          }),
        ),
        async (embedding, chunking) => {
          const secondary = {
            ...small,
            ...(embedding === null ? {} : { embedding }),
            ...(chunking === null ? {} : { chunking }),
          };
          const r = await putLanes(t, other.apiKey, { primary: pg, secondary, secondaryPercent: 5 });
          expect([200, 400]).toContain(r.statusCode);
        },
      ),
      { numRuns: 40 },
    );
    await settled(other.apiKey);
  });
});

// Retrieval lanes through the routes: a second lane on the Pinecone simulator fed by the same ingest,
// a split sticky per call SID, the fallback to the other lane within a search, brand isolation in both
// lanes, and the admin view of the lanes side by side.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  acmeCorpus,
  callSearch,
  consistency,
  type LaneBrand,
  laneApp,
  laneBrand,
  laneSearch,
  metric,
  putLanes,
  TWO_LANES,
} from '../../testing/lane-app.ts';
import { brand, type TestApp } from '../../testing/test-app.ts';
import { type DEFAULT_LANES, laneFor } from './lane-spec.ts';

let t: TestApp;
let acme: LaneBrand;
let other: LaneBrand;
const corpus = acmeCorpus();
const secret = {
  externalId: 'vault',
  title: 'Zanzibar vault procedure',
  body: 'The zanzibar vault opens with the brass lever behind the painting of the lighthouse.',
};

beforeAll(async () => {
  t = await laneApp();
  acme = await laneBrand(t, 'Acme', corpus);
  other = await laneBrand(t, 'Other', [secret]);
  expect((await putLanes(t, acme.apiKey, TWO_LANES)).statusCode).toBe(200);
  expect((await putLanes(t, other.apiKey, TWO_LANES)).statusCode).toBe(200);
}, 120_000);
afterAll(() => t.close());

describe('retrieval lanes', () => {
  it('feeds the Pinecone lane from the same ingest, one namespace per brand', async () => {
    const c = await consistency(t, acme.apiKey);
    expect(c.postgres.articles).toBe(corpus.length);
    expect(c.mirror!.records).toBe(c.mirror!.expected);
    expect(c.mirror!.expected).toBeGreaterThan(0);
    expect(c.consistent).toBe(true);
    expect(t.pineconeSim!.count(acme.brandId)).toBe(c.mirror!.records);
    expect(t.pineconeSim!.count(other.brandId)).toBe(1);
  });

  it('serves either lane: the same corpus answers from Postgres and from Pinecone', async () => {
    const pg = await laneSearch(t, acme.apiKey, 'how long does shipping take', 'primary');
    const pc = await laneSearch(t, acme.apiKey, 'how long does shipping take', 'secondary');
    expect(pg.lane).toEqual({ name: 'pg-hybrid', role: 'primary', store: 'postgres' });
    expect(pc.lane).toEqual({ name: 'pinecone', role: 'secondary', store: 'pinecone' });
    expect(pc.results.length).toBeGreaterThan(0);
    const pgChunk = new Set(
      (await laneSearch(t, acme.apiKey, 'shipping', 'primary')).results.map((r) => r.chunkId),
    );
    // The Pinecone lane returns the same chunk ids Postgres holds (the hand-off record keeps them).
    expect(pc.results.some((r) => pgChunk.has(r.chunkId))).toBe(true);
  });

  it('splits calls by call SID about as asked, and keeps each call in its lane', async () => {
    const sids = Array.from({ length: 60 }, (_, i) => `CA${String(i).padStart(32, '0')}`);
    const lanes = new Map<string, string>();
    for (const sid of sids)
      lanes.set(sid, (await callSearch(t, acme.profileKey, 'return policy', sid)).lane.role);
    const secondary = [...lanes.values()].filter((r) => r === 'secondary').length;
    expect(secondary).toBeGreaterThan(15);
    expect(secondary).toBeLessThan(45);
    for (const sid of sids.slice(0, 10))
      for (const q of ['refund to my card', 'warranty repair'])
        expect((await callSearch(t, acme.profileKey, q, sid)).lane.role).toBe(lanes.get(sid));
  });

  it('assigns lanes by a stable hash: the same key always, the share close to the split (fast-check)', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1 }), fc.integer({ min: 0, max: 100 }), (key, pct) => {
        const s = { ...TWO_LANES, secondaryPercent: pct } as typeof DEFAULT_LANES;
        expect(laneFor(s, 'b', key)).toBe(laneFor(s, 'b', key));
        if (pct === 0) expect(laneFor(s, 'b', key)).toBe('primary');
        if (pct === 100) expect(laneFor(s, 'b', key)).toBe('secondary');
      }),
    );
    const s = { ...TWO_LANES, secondaryPercent: 30 } as typeof DEFAULT_LANES;
    const n = Array.from({ length: 10_000 }, (_, i) => laneFor(s, 'b', `CA${i}`)).filter(
      (r) => r === 'secondary',
    ).length;
    expect(n / 10_000).toBeGreaterThan(0.28);
    expect(n / 10_000).toBeLessThan(0.32);
  });

  it('falls back to the other lane within the same search when a lane errors, and counts it', async () => {
    const sid = await sidFor('secondary');
    const before = await metric(t, 'ai_knowledge_lane_fallbacks_total{from="secondary",reason="error"}');
    t.pineconeSim!.failNext('query', 1, 500);
    const res = await callSearch(t, acme.profileKey, 'how long does shipping take', sid);
    expect(res.lane.name).toBe('pg-hybrid');
    expect(res.fallback).toEqual({ from: 'pinecone', reason: 'error' });
    expect(res.results.length).toBeGreaterThan(0);
    expect(await metric(t, 'ai_knowledge_lane_fallbacks_total{from="secondary",reason="error"}')).toBe(
      before + 1,
    );
  });

  it('falls back when a lane misses its time budget', async () => {
    const sid = await sidFor('secondary');
    t.pineconeSim!.delayNext('query', 1_500);
    const res = await callSearch(t, acme.profileKey, 'exchange for a different size', sid);
    expect(res.fallback).toEqual({ from: 'pinecone', reason: 'timeout' });
    expect(res.lane.store).toBe('postgres');
    expect(await metric(t, 'ai_knowledge_lane_fallbacks_total{from="secondary",reason="timeout"}')).toBe(1);
  });

  it("never returns another brand's chunks, in either lane", async () => {
    for (const lane of ['primary', 'secondary'] as const) {
      const mine = await laneSearch(t, acme.apiKey, 'zanzibar vault brass lever lighthouse painting', lane);
      expect(mine.results.every((r) => !r.text.includes('zanzibar'))).toBe(true);
      const theirs = await laneSearch(
        t,
        other.apiKey,
        'zanzibar vault brass lever lighthouse painting',
        lane,
      );
      expect(theirs.results.map((r) => r.title)).toEqual(['Zanzibar vault procedure']);
    }
  });

  it('records every search (lane, latency, chunk ids) and shows the lanes side by side with evaluation figures', async () => {
    const evaluated = await t.app.inject({
      method: 'POST',
      url: '/admin/knowledge/lanes/evaluate',
      headers: brand(acme.apiKey),
      payload: {
        queries: [
          {
            query: 'how long does shipping take',
            answers: ['shipping-times.md'],
          },
          { query: 'what is the meaning of life', answers: [] },
        ],
      },
    });
    expect(evaluated.statusCode).toBe(200);
    expect(evaluated.json().evaluations.map((e: { lane: string }) => e.lane)).toEqual([
      'pg-hybrid',
      'pinecone',
    ]);
    const view = (
      await t.app.inject({ method: 'GET', url: '/admin/knowledge/lanes', headers: brand(acme.apiKey) })
    ).json();
    expect(view.lanes.map((l: { name: string; callShare: number }) => [l.name, l.callShare])).toEqual([
      ['pg-hybrid', 50],
      ['pinecone', 50],
    ]);
    for (const lane of view.lanes) {
      expect(lane.live.searches).toBeGreaterThan(0);
      expect(lane.live.latencyMs.p50).toBeGreaterThan(0);
      expect(lane.evaluation.queries).toBe(2);
      expect(lane.evaluation.figures).toHaveProperty('mrr');
    }
    const [row] = await t.db.sql.query<{ chunkIds: string[]; latencyMs: number }>(
      `SELECT "chunkIds", "latencyMs" FROM "KnowledgeSearchEvent" WHERE "brandId" = $1 AND source = 'call' LIMIT 1`,
      [acme.brandId],
    );
    expect(row!.chunkIds.length).toBeGreaterThan(0);
    expect(
      await metric(t, 'ai_knowledge_lane_latency_seconds_count{lane="secondary",store="pinecone"}'),
    ).toBeGreaterThan(0);
  });

  it('refuses a lane setting the server cannot serve, naming the field', async () => {
    const bad = await putLanes(t, acme.apiKey, {
      ...TWO_LANES,
      secondary: { ...TWO_LANES.secondary, retrieval: 'hybrid' },
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error).toMatchObject({
      code: 'INVALID_LANES',
      message: expect.stringContaining('body.secondary.retrieval'),
    });
    const same = await putLanes(t, acme.apiKey, {
      ...TWO_LANES,
      secondary: { ...TWO_LANES.secondary, name: 'pg-hybrid' },
    });
    expect(same.statusCode).toBe(400);
  });

  it('answers any lane setting or evaluation body with a 2xx or a 4xx, never a 5xx (fast-check)', async () => {
    const lane = fc.record(
      {
        name: fc.oneof(fc.constantFrom('a', 'b', 'pinecone'), fc.string()),
        store: fc.oneof(fc.constantFrom('postgres', 'pinecone'), fc.string()),
        retrieval: fc.oneof(fc.constantFrom('hybrid', 'lexical', 'vector'), fc.string()),
        rerank: fc.oneof(fc.boolean(), fc.integer()),
      },
      { requiredKeys: [] },
    );
    const body = fc.oneof(
      fc.record(
        {
          primary: lane,
          secondary: fc.oneof(lane, fc.constant(null)),
          secondaryPercent: fc.oneof(fc.integer(), fc.double()),
        },
        { requiredKeys: [] },
      ),
      fc.jsonValue(),
    );
    const { brandId: _b, apiKey } = await t.createBrand('Fuzz');
    await fc.assert(
      fc.asyncProperty(body, fc.jsonValue(), async (lanes, queries) => {
        const put = await putLanes(t, apiKey, lanes);
        expect(put.statusCode).toBeLessThan(500);
        const ev = await t.app.inject({
          method: 'POST',
          url: '/admin/knowledge/lanes/evaluate',
          headers: brand(apiKey),
          payload: { queries } as object,
        });
        expect(ev.statusCode).toBeLessThan(500);
      }),
      { numRuns: 60 },
    );
  });
});

/** A call SID the split sends to `role`. */
async function sidFor(role: 'primary' | 'secondary'): Promise<string> {
  for (let i = 0; ; i++) {
    const sid = `CAfallback${role}${i}`;
    if (laneFor(TWO_LANES as typeof DEFAULT_LANES, acme.brandId, sid) === role) return sid;
  }
}

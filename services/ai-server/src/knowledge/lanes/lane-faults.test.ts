// Faults between the two lanes: an ingest the Pinecone lane fails halfway leaves both lanes
// consistent (taken back, then redone by the next ingest), a failed clean-up is reported by the
// consistency check until the next ingest, and deleting an article removes it from both lanes or
// from neither.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  acmeCorpus,
  consistency,
  ingest,
  type LaneBrand,
  laneApp,
  laneBrand,
  laneSearch,
  metric,
  putLanes,
  TWO_LANES,
} from '../../testing/lane-app.ts';
import { brand, type TestApp } from '../../testing/test-app.ts';

let t: TestApp;
let acme: LaneBrand;
const base = acmeCorpus().slice(0, 4);

beforeAll(async () => {
  t = await laneApp();
  acme = await laneBrand(t, 'Acme', base);
  expect((await putLanes(t, acme.apiKey, TWO_LANES)).statusCode).toBe(200);
}, 120_000);
afterAll(() => t.close());

const article = (externalId: string, body: string) => ({ externalId, title: `Kayak ${externalId}`, body });
const statuses = (res: { json(): unknown }) =>
  (res.json() as { results: Array<{ status: string; error?: { code: string } }> }).results.map(
    (r) => r.error?.code ?? r.status,
  );

describe('lane consistency under faults', () => {
  it('an ingest whose Pinecone write fails halfway through a batch leaves both lanes consistent, and a retry completes it', async () => {
    const batch = [
      article('k1', 'Kayak paddles are sized by your height and the width of the boat.'),
      article('k2', 'Kayak spray skirts keep water out of the cockpit in rough conditions.'),
      article('k3', 'Kayak roof racks carry one boat on padded cradles.'),
    ];
    t.pineconeSim!.failNext('upsert', 1, 500, { after: 1 });
    const first = await ingest(t, acme.apiKey, batch);
    expect(statuses(first)).toEqual(['created', 'LANE_WRITE_FAILED', 'created']);
    let c = await consistency(t, acme.apiKey);
    // The failed article is in neither lane; the others are in both.
    expect(c.postgres.articles).toBe(base.length + 2);
    expect(c.consistent).toBe(true);
    const pg = await laneSearch(t, acme.apiKey, 'spray skirt cockpit', 'primary');
    const pc = await laneSearch(t, acme.apiKey, 'spray skirt cockpit', 'secondary');
    expect([...pg.results, ...pc.results].some((r) => r.title === 'Kayak k2')).toBe(false);
    expect(await metric(t, 'ai_knowledge_mirror_errors_total{op="write"}')).toBe(1);

    const retry = await ingest(t, acme.apiKey, batch);
    expect(statuses(retry)).toEqual(['unchanged', 'created', 'unchanged']);
    c = await consistency(t, acme.apiKey);
    expect(c.postgres.articles).toBe(base.length + 3);
    expect(c.consistent).toBe(true);
  });

  it('takes back the records an article had written when a later batch of it fails', async () => {
    // Long enough for more than one upsert request (100 records each).
    const words = Array.from(
      { length: 48_000 },
      (_, i) => ['river', 'kayak', 'paddle', 'current', 'eddy', 'portage'][i % 6],
    );
    const long = article('long', `${words.join(' ')}.`);
    const before = t.pineconeSim!.count(acme.brandId);
    t.pineconeSim!.failNext('upsert', 1, 503, { after: 1 });
    expect(statuses(await ingest(t, acme.apiKey, [long]))).toEqual(['LANE_WRITE_FAILED']);
    expect(t.pineconeSim!.count(acme.brandId)).toBe(before);
    expect((await consistency(t, acme.apiKey)).consistent).toBe(true);
  }, 120_000);

  it('an update the Pinecone lane refuses keeps the previous version in both lanes', async () => {
    t.pineconeSim!.failNext('upsert', 1, 500);
    const res = await ingest(t, acme.apiKey, [article('k1', 'Kayak paddles now come in carbon fibre only.')]);
    expect(statuses(res)).toEqual(['LANE_WRITE_FAILED']);
    for (const lane of ['primary', 'secondary'] as const) {
      const hit = (await laneSearch(t, acme.apiKey, 'kayak paddles sized by height', lane)).results.find(
        (r) => r.title === 'Kayak k1',
      );
      expect(hit?.text).toContain('sized by your height');
    }
    expect((await consistency(t, acme.apiKey)).consistent).toBe(true);
  });

  it('a clean-up that fails after an update is reported by the consistency check until the next ingest', async () => {
    const updated = article('k3', 'Kayak roof racks now carry two boats on padded cradles.');
    t.pineconeSim!.failNext('delete', 1, 500);
    expect(statuses(await ingest(t, acme.apiKey, [updated]))).toEqual(['LANE_WRITE_FAILED']);
    const c = await consistency(t, acme.apiKey);
    expect(c.pendingArticles).toBe(1);
    expect(c.consistent).toBe(false);
    expect(statuses(await ingest(t, acme.apiKey, [updated]))).toEqual(['updated']);
    expect((await consistency(t, acme.apiKey)).consistent).toBe(true);
  });

  it('deleting an article removes it from both lanes, or from neither when Pinecone fails', async () => {
    const list = (
      await t.app.inject({ method: 'GET', url: '/admin/knowledge/articles', headers: brand(acme.apiKey) })
    ).json().articles as Array<{ id: string; externalId: string }>;
    const k2 = list.find((a) => a.externalId === 'k2')!;
    const before = await consistency(t, acme.apiKey);

    t.pineconeSim!.failNext('delete', 1, 500);
    const refused = await t.app.inject({
      method: 'DELETE',
      url: `/admin/knowledge/articles/${k2.id}`,
      headers: brand(acme.apiKey),
    });
    expect(refused.statusCode).toBe(502);
    expect(refused.json().error.code).toBe('LANE_WRITE_FAILED');
    expect(await consistency(t, acme.apiKey)).toEqual(before);

    const done = await t.app.inject({
      method: 'DELETE',
      url: `/admin/knowledge/articles/${k2.id}`,
      headers: brand(acme.apiKey),
    });
    expect(done.statusCode).toBe(204);
    const after = await consistency(t, acme.apiKey);
    expect(after.postgres.articles).toBe(before.postgres.articles - 1);
    expect(after.mirror!.records).toBeLessThan(before.mirror!.records!);
    expect(after.consistent).toBe(true);
    for (const lane of ['primary', 'secondary'] as const)
      expect(
        (await laneSearch(t, acme.apiKey, 'spray skirt cockpit', lane)).results.some(
          (r) => r.title === 'Kayak k2',
        ),
      ).toBe(false);
  });
});

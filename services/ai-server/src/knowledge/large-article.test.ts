// The largest allowed article, as text with no word breaks and as CJK without punctuation, is ingested
// while /health-check/live is polled every 100 ms and the call path (profile lookup by the dialled
// number, knowledge search) every 200 ms each (a call makes far fewer; more would be load the test
// adds itself): health never goes 200 ms without an answer, and the call path answers in ~100 ms
// (median), with at most one request in fifty over 200 ms and none over 500 ms.
//
// On a shared 2-core machine other processes can keep this process's main thread waiting for a CPU
// for hundreds of milliseconds, which no code here can prevent: so the asserted figures leave out the
// time the main thread was runnable but waiting for a CPU (Linux reports it per thread in
// /proc/<pid>/task/<tid>/schedstat). Both figures are printed; where the OS does not report the wait
// the wall figures alone are asserted.
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { brand, profileBody, service, startTestApp, type TestApp } from '../testing/test-app.ts';
import { MAX_ARTICLE_CHARS } from './knowledge-store.ts';
import { describeFigures, median, over, type Probe, probeWhile } from './testing/latency-probes.ts';

let t: TestApp;
let base: string;
let apiKey: string;
let dir: string;
const PROFILE = 'large-articles';
const PHONE = '+14155550142';

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'sb-large-'));
  t = await startTestApp({ dataDir: dir });
  await t.app.listen({ port: 0, host: '127.0.0.1' });
  base = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`;
  ({ apiKey } = await t.createBrand('Large articles'));
  // The call path's data: a profile answering a number, and a few articles to search.
  const profile = await t.app.inject({
    method: 'POST',
    url: '/admin/profiles',
    headers: brand(apiKey),
    payload: profileBody(PROFILE, { phoneNumbers: [PHONE] }),
  });
  expect(profile.statusCode).toBe(201);
  const small = await ingest(
    ['Opening hours are nine to five on weekdays.', 'Returns are free within thirty days.'].map(
      (body, i) => ({ externalId: `small-${i}`, title: `Small ${i}`, body }),
    ),
  );
  expect(small.status).toBe(200);
}, 120_000);
afterAll(async () => {
  await t?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** `n` characters drawn from `alphabet` by a fixed-seed generator (no spaces, no punctuation). */
function unbroken(n: number, alphabet: string[]): string {
  let seed = 12345;
  const out = new Array<string>(n);
  for (let i = 0; i < n; i++) {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    out[i] = alphabet[seed % alphabet.length]!;
  }
  return out.join('');
}
const LATIN = [...'abcdefghijklmnopqrstuvwxyz'];
const CJK = Array.from({ length: 3000 }, (_, i) => String.fromCharCode(0x4e00 + i * 7));

const ingest = (articles: unknown[]) =>
  fetch(`${base}/admin/knowledge/articles`, {
    method: 'POST',
    headers: { ...brand(apiKey), 'content-type': 'application/json' },
    body: JSON.stringify({ articles }),
  });

const post = (path: string, body: unknown) =>
  fetch(`${base}${path}`, {
    method: 'POST',
    headers: { ...service, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });

/** Health, and the two call-path routes a call makes before and during the conversation. */
const probes: Probe[] = [
  {
    name: 'health',
    everyMs: 100,
    async request() {
      const res = await fetch(`${base}/health-check/live`);
      expect(res.status).toBe(200);
      await res.arrayBuffer();
    },
  },
  {
    name: 'profile lookup',
    everyMs: 200,
    async request() {
      const res = await post('/internal/profiles/lookup', { to: PHONE });
      expect(res.status).toBe(200);
      expect(((await res.json()) as { key: string }).key).toBe(PROFILE);
    },
  },
  {
    name: 'knowledge search',
    everyMs: 200,
    async request() {
      const res = await post('/voiceagent/search_knowledge_base/', {
        profileKey: PROFILE,
        callSid: `CA${'0'.repeat(31)}1`,
        query: 'when are you open',
      });
      expect(res.status).toBe(200);
      expect(((await res.json()) as { results: unknown[] }).results.length).toBeGreaterThan(0);
    },
  },
];

describe('the largest allowed article', () => {
  for (const [name, alphabet] of [
    ['unbroken Latin text', LATIN],
    ['CJK without punctuation', CJK],
  ] as const) {
    it(`is ingested as ${name} while health and the call path keep answering`, async () => {
      const body = unbroken(MAX_ARTICLE_CHARS, alphabet);
      const started = performance.now();
      const work = ingest([{ externalId: name, title: name, body }]).then(async (r) => ({
        status: r.status,
        json: (await r.json()) as { results: Array<{ status: string; chunks: number }> },
      }));
      const figures = await probeWhile(work, probes);
      const res = await work;
      console.log(
        `${name}: ${MAX_ARTICLE_CHARS} characters ingested in ${Math.round(performance.now() - started)} ms, ` +
          `${res.json.results[0]?.chunks} chunks\n  ${figures.map(describeFigures).join('\n  ')}`,
      );
      expect(res.status).toBe(200);
      expect(res.json.results[0]).toMatchObject({ status: 'created' });
      expect(res.json.results[0]!.chunks).toBeGreaterThan(100);
      const [health, ...callPath] = figures;
      expect(health!.worstOwnGapMs).toBeLessThanOrEqual(200);
      for (const f of callPath) {
        expect(f.requests, f.name).toBeGreaterThan(5);
        expect(median(f.ownMs), f.name).toBeLessThanOrEqual(100);
        // Of this process's own time: at most one request in fifty over 200 ms, and none over 500 ms
        // (one long stall is one slow request: the count alone would miss it).
        expect(over(f.ownMs, 200), f.name).toBeLessThanOrEqual(Math.floor(f.requests / 50));
        expect(Math.max(...f.ownMs), f.name).toBeLessThanOrEqual(500);
      }
    }, 600_000);
  }

  it('one character over the limit is refused with 413 at once, naming the field, and nothing is stored', async () => {
    const before = (await t.app.inject({ url: '/admin/knowledge/articles', headers: brand(apiKey) })).json()
      .articles.length;
    const started = performance.now();
    const res = await ingest([
      { externalId: 'fine', title: 'Fine', body: 'A small article.' },
      { externalId: 'too-big', title: 'Too big', body: 'y'.repeat(MAX_ARTICLE_CHARS + 1) },
    ]);
    const elapsedMs = performance.now() - started;
    expect(res.status).toBe(413);
    expect(((await res.json()) as { error: unknown }).error).toEqual({
      code: 'ARTICLE_TOO_LARGE',
      message: `body.articles.1.body is ${MAX_ARTICLE_CHARS + 1} characters; the limit is ${MAX_ARTICLE_CHARS}`,
    });
    const after = (await t.app.inject({ url: '/admin/knowledge/articles', headers: brand(apiKey) })).json();
    expect(after.articles.length).toBe(before);
    console.log(`over-limit article refused in ${Math.round(elapsedMs)} ms`);
  });
});

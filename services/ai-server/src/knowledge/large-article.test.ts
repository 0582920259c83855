// The largest allowed article, as text with no word breaks and as CJK without punctuation, is ingested
// while /health-check/live is polled every 100 ms: the event loop never stalls past 200 ms.
//
// A gap is the time between two health answers. On a shared 2-core machine other processes can keep
// this process's main thread waiting for a CPU for hundreds of milliseconds, which no code here can
// prevent: so the asserted gap leaves out the time the main thread was runnable but waiting for a CPU
// (Linux reports it per thread in /proc/<pid>/task/<tid>/schedstat). Both figures are printed; where
// the OS does not report it the wall gap alone is asserted.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { brand, startTestApp, type TestApp } from '../testing/test-app.ts';
import { MAX_ARTICLE_CHARS } from './knowledge-store.ts';

let t: TestApp;
let base: string;
let apiKey: string;
let dir: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'sb-large-'));
  t = await startTestApp({ dataDir: dir });
  await t.app.listen({ port: 0, host: '127.0.0.1' });
  base = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`;
  ({ apiKey } = await t.createBrand('Large articles'));
});
afterAll(async () => {
  await t.close();
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

/** Time (ms) the main thread has waited runnable for a CPU, or undefined where the OS does not say. */
function mainThreadRunQueueMs(): number | undefined {
  try {
    const [, waitNs] = readFileSync(`/proc/self/task/${process.pid}/schedstat`, 'utf8').split(' ');
    const ms = Number(waitNs) / 1e6;
    return Number.isFinite(ms) ? ms : undefined;
  } catch {
    return undefined;
  }
}

interface Gaps {
  /** Longest wall time between two answers. */
  worstWallMs: number;
  /** Longest gap less the time the main thread waited for a CPU during it. */
  worstStallMs: number;
  polls: number;
}

/** Polls health every 100 ms while `work` runs and measures the gaps between answers. */
async function healthGaps(work: Promise<unknown>): Promise<Gaps> {
  let done = false;
  void work.finally(() => {
    done = true;
  });
  let last = performance.now();
  let lastWait = mainThreadRunQueueMs();
  const gaps: Gaps = { worstWallMs: 0, worstStallMs: 0, polls: 0 };
  while (!done) {
    const started = performance.now();
    const res = await fetch(`${base}/health-check/live`);
    expect(res.status).toBe(200);
    await res.arrayBuffer();
    const now = performance.now();
    const wait = mainThreadRunQueueMs();
    const wall = now - last;
    const stall = wait === undefined || lastWait === undefined ? wall : wall - (wait - lastWait);
    gaps.worstWallMs = Math.max(gaps.worstWallMs, wall);
    gaps.worstStallMs = Math.max(gaps.worstStallMs, stall);
    gaps.polls++;
    last = now;
    lastWait = wait;
    await new Promise((r) => setTimeout(r, Math.max(0, 100 - (now - started))));
  }
  await work;
  return gaps;
}

describe('the largest allowed article', () => {
  for (const [name, alphabet] of [
    ['unbroken Latin text', LATIN],
    ['CJK without punctuation', CJK],
  ] as const) {
    it(`is ingested as ${name} while health answers every poll within 200 ms`, async () => {
      const body = unbroken(MAX_ARTICLE_CHARS, alphabet);
      const started = performance.now();
      const work = ingest([{ externalId: name, title: name, body }]).then(async (r) => ({
        status: r.status,
        json: (await r.json()) as { results: Array<{ status: string; chunks: number }> },
      }));
      const gaps = await healthGaps(work);
      const res = await work;
      console.log(
        `${name}: ${MAX_ARTICLE_CHARS} characters ingested in ${Math.round(performance.now() - started)} ms, ` +
          `${res.json.results[0]?.chunks} chunks; ${gaps.polls} health polls, worst gap ` +
          `${Math.round(gaps.worstWallMs)} ms, ${Math.round(gaps.worstStallMs)} ms less waits for a CPU`,
      );
      expect(res.status).toBe(200);
      expect(res.json.results[0]).toMatchObject({ status: 'created' });
      expect(res.json.results[0]!.chunks).toBeGreaterThan(100);
      expect(gaps.worstStallMs).toBeLessThanOrEqual(200);
    }, 300_000);
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

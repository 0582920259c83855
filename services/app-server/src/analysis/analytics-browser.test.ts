// The analytics pages in Chromium: a conversation with an analysis shows its summary, the sentiment
// filter narrows the list, "Export CSV" downloads exactly the filtered calls, and a staff member of
// another brand sees none of it (an empty page, an empty export, the conversation not found).
import { readFile } from 'node:fs/promises';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../testing/chromium.ts';
import {
  createStaff,
  type Harness,
  msg,
  PASSWORD,
  seedCall,
  startBody,
  startHarness,
} from '../testing/harness.ts';
import type { AnalysisJob, AnalysisQueue } from './job-queue.ts';

const queue: AnalysisQueue = { enqueue: async (_job: AnalysisJob) => 'queued' as const };
let h: Harness;
let base: string;
let browser: Browser;
const ids: string[] = [];

async function endedCall(startedAt: string, text: string): Promise<string> {
  const start = startBody({ startedAt });
  const id = await seedCall(h, start, [msg(1, { text })]);
  const res = await h.app.inject({
    method: 'POST',
    url: `/internal/conversations/${start.callSid}/end`,
    headers: h.serviceHeaders,
    payload: { endReason: 'caller_hangup', endedAt: startedAt, durationSec: 60 },
  });
  expect(res.statusCode).toBe(200);
  return id;
}

const analysed = (sentiment: string, summary: string, leadScore: number) => ({
  fields: { summary, sentiment, intent: 'sales', resolution: 'resolved', leadScore },
  result: {},
  model: 'gpt-4.1-mini',
  promptVersion: 'call-analysis/1',
  schemaVersion: 'call_analysis@1',
});

beforeAll(async () => {
  h = await startHarness({ analysisQueue: queue });
  base = await h.app.listen({ host: '127.0.0.1', port: 0 });
  await createStaff(h, 'acme', 'dana@acme.test', 'Dana Reyes');
  await createStaff(h, 'globex', 'gus@globex.test', 'Gus Globex');
  ids.push(await endedCall('2026-11-20T09:00:00.000Z', 'the tent leaks'));
  ids.push(await endedCall('2026-11-21T09:00:00.000Z', 'price of the big tent'));
  ids.push(await endedCall('2026-11-21T11:00:00.000Z', 'two sleeping bags please'));
  const a = h.store.analyses();
  await a.saveResult(
    ids[0]!,
    analysed('negative', 'Caller reports a leaking tent; a replacement is promised.', 5),
  );
  await a.saveResult(
    ids[1]!,
    analysed('positive', 'Caller asks the price of the big tent and wants a quote.', 80),
  );
  await a.saveResult(ids[2]!, analysed('positive', 'Caller orders two sleeping bags.', 95));
  browser = await launchChromium();
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await h?.close();
});

async function signIn(brand: string, email: string, next: string): Promise<Page> {
  const page = await (await browser.newContext({ acceptDownloads: true })).newPage();
  await page.goto(`${base}/login?next=${encodeURIComponent(next)}`);
  await page.getByLabel('Brand').fill(brand);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL(`${base}${next}`);
  return page;
}

/** Clicks "Export CSV" and reads the downloaded file's lines. */
async function exportCsv(page: Page): Promise<string[]> {
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.getByRole('link', { name: 'Export CSV' }).click(),
  ]);
  expect(download.suggestedFilename()).toBe('call-analyses.csv');
  const text = await readFile((await download.path())!, 'utf8');
  return text.trim().split(/\r\n/);
}

describe('analytics in Chromium', () => {
  it("shows a call's summary, filters by sentiment, exports the filtered rows", async () => {
    const page = await signIn('acme', 'dana@acme.test', `/conversations/${ids[1]}`);
    await expect
      .poll(() => page.locator('#call-analysis .summary').textContent())
      .toBe('Caller asks the price of the big tent and wants a quote.');

    await page.goto(`${base}/analytics`);
    const rows = page.locator('table.analyses tbody tr');
    expect(await rows.count()).toBe(3);
    expect(await exportCsv(page)).toHaveLength(1 + 3);

    await page.locator('select[name="sentiment"]').selectOption('positive');
    await page.getByRole('button', { name: 'Filter' }).click();
    await page.waitForURL(/sentiment=positive/);
    expect(await rows.count()).toBe(2);
    const shown = await rows.evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-conversation-id')));
    expect(shown.sort()).toEqual([ids[1], ids[2]].sort());

    const csv = await exportCsv(page);
    expect(csv).toHaveLength(1 + 2);
    expect(csv[0]).toMatch(/^conversation_id,/);
    const exported = csv.slice(1).map((line) => line.split(',')[0]);
    expect(exported.sort()).toEqual([ids[1], ids[2]].sort());
    expect(csv.join('\n')).not.toContain('leaking tent');
  }, 60_000);

  it("shows another brand's staff none of it", async () => {
    const page = await signIn('globex', 'gus@globex.test', '/analytics');
    expect(await page.locator('table.analyses tbody tr').count()).toBe(0);
    await expect.poll(() => page.getByText('No analysed calls match.').isVisible()).toBe(true);
    expect(await exportCsv(page)).toHaveLength(1);
    const res = await page.goto(`${base}/conversations/${ids[1]}`);
    expect(res?.status()).toBe(404);
    expect(await page.content()).not.toContain('big tent');
  }, 60_000);
});

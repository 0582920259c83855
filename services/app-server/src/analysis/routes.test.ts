/**
 * The analysis routes staff use: the JSON API, the conversation panel with its re-run button, the
 * analytics page (filters and aggregates) and the CSV export, on the in-memory store with a queue
 * that only records what it is given.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, msg, seedCall, staffCookie, startBody, startHarness } from '../testing/harness.ts';
import { SseReader } from '../testing/sse-reader.ts';
import type { AnalysisJob, AnalysisQueue } from './job-queue.ts';

class RecordingQueue implements AnalysisQueue {
  readonly jobs: AnalysisJob[] = [];
  async enqueue(job: AnalysisJob) {
    const waiting = this.jobs.some((j) => j.conversationId === job.conversationId);
    this.jobs.push(job);
    return waiting ? ('already-queued' as const) : ('queued' as const);
  }
}

let h: Harness;
let off: Harness;
let cookie: string;
const queue = new RecordingQueue();
const ids: string[] = [];

async function ended(over: Parameters<typeof startBody>[0], text: string): Promise<string> {
  const start = startBody(over);
  const id = await seedCall(h, start, [msg(1, { text })]);
  const res = await h.app.inject({
    method: 'POST',
    url: `/internal/conversations/${start.callSid}/end`,
    headers: h.serviceHeaders,
    payload: { endReason: 'caller_hangup', endedAt: '2026-11-21T10:05:00.000Z', durationSec: 300 },
  });
  expect(res.statusCode).toBe(200);
  return id;
}

const result = (over: Record<string, unknown>) => ({
  fields: {
    summary: 'A call.',
    sentiment: 'neutral',
    intent: 'shipping',
    resolution: 'resolved',
    leadScore: 10,
    ...over,
  },
  result: {},
  model: 'gpt-4.1-mini',
  promptVersion: 'call-analysis/1',
  schemaVersion: 'call_analysis@1',
});

beforeAll(async () => {
  h = await startHarness({ analysisQueue: queue });
  off = await startHarness();
  cookie = await staffCookie(h, 'acme');
  ids.push(await ended({ startedAt: '2026-11-20T09:00:00.000Z' }, 'where is my parcel'));
  ids.push(
    await ended({ startedAt: '2026-11-21T09:00:00.000Z', callerNumber: '+14155559876' }, 'I want a refund'),
  );
  ids.push(await ended({ startedAt: '2026-11-21T11:00:00.000Z' }, 'price of tents'));
  const a = h.store.analyses();
  await a.saveResult(ids[0]!, result({ sentiment: 'negative', leadScore: 5 }));
  await a.saveResult(
    ids[1]!,
    result({ sentiment: 'positive', intent: 'returns', summary: '=HYPERLINK("http://evil")', leadScore: 30 }),
  );
  await a.saveResult(
    ids[2]!,
    result({ sentiment: 'positive', intent: 'sales', summary: '+1 tent, "big" one', leadScore: 90 }),
  );
});
afterAll(async () => {
  await h.close();
  await off.close();
});

describe('analysis API', () => {
  it('queues each ended call once and shows the stored analysis', async () => {
    expect(queue.jobs.slice(0, 3).map((j) => j.conversationId)).toEqual(ids);
    const res = await h.app.inject({ url: `/api/conversations/${ids[0]}/analysis`, headers: { cookie } });
    expect(res.statusCode).toBe(200);
    expect(res.json().analysis).toMatchObject({
      status: 'done',
      sentiment: 'negative',
      model: 'gpt-4.1-mini',
      promptVersion: 'call-analysis/1',
    });
  });

  it('does not queue an ended call again once analysed', async () => {
    const c = await h.store.getConversation('acme', ids[0]!);
    const before = queue.jobs.length;
    await h.app.inject({
      method: 'POST',
      url: `/internal/conversations/${c!.callSid}/end`,
      headers: h.serviceHeaders,
      payload: { endReason: 'caller_hangup', endedAt: '2026-11-21T10:05:00.000Z', durationSec: 300 },
    });
    expect(queue.jobs.length).toBe(before);
    expect((await h.store.analyses().get(ids[0]!))?.status).toBe('done');
  });

  it('re-runs on request (staff only), refuses a live call, and says when analysis is off', async () => {
    const rerun = await h.app.inject({
      method: 'POST',
      url: `/api/conversations/${ids[1]}/analysis`,
      headers: { cookie },
    });
    expect(rerun.statusCode).toBe(202);
    expect(queue.jobs.at(-1)).toEqual({ conversationId: ids[1], rerun: true });
    const anonymous = await h.app.inject({ method: 'POST', url: `/api/conversations/${ids[1]}/analysis` });
    expect(anonymous.statusCode).toBe(401);
    const live = await seedCall(h, startBody(), [msg(1)]);
    const refused = await h.app.inject({
      method: 'POST',
      url: `/api/conversations/${live}/analysis`,
      headers: { cookie },
    });
    expect(refused.statusCode).toBe(409);
    const offCookie = await staffCookie(off, 'acme');
    const offId = await seedCall(off, startBody(), [msg(1)]);
    const isOff = await off.app.inject({
      method: 'POST',
      url: `/api/conversations/${offId}/analysis`,
      headers: { cookie: offCookie },
    });
    expect(isOff.statusCode).toBe(409);
    expect(isOff.json().error).toMatchObject({
      code: 'CONFLICT',
      message: expect.stringMatching(/analysis is off/),
    });
    await h.store.analyses().saveResult(
      ids[1]!,
      result({
        sentiment: 'positive',
        intent: 'returns',
        summary: '=HYPERLINK("http://evil")',
        leadScore: 30,
      }),
    );
  });

  it('lists and filters analyses by sentiment and intent, and aggregates them by day in the brand zone', async () => {
    const positive = (
      await h.app.inject({ url: '/api/analyses?sentiment=positive', headers: { cookie } })
    ).json();
    expect(positive.items.map((i: { conversationId: string }) => i.conversationId)).toEqual([ids[2], ids[1]]);
    const returns = (await h.app.inject({ url: '/api/analyses?intent=returns', headers: { cookie } })).json();
    expect(returns.items).toHaveLength(1);
    const agg = (await h.app.inject({ url: '/api/analyses/aggregates', headers: { cookie } })).json();
    expect(agg).toMatchObject({
      total: 3,
      bySentiment: [
        ['positive', 2],
        ['negative', 1],
      ],
    });
    expect(agg.days.map((d: { day: string }) => d.day)).toEqual(['2026-11-20', '2026-11-21']);
    expect(agg.leadScore).toEqual({ average: 41.7, bands: [1, 1, 0, 0, 1] });
    const bad = await h.app.inject({ url: '/api/analyses?from=yesterday', headers: { cookie } });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.message).toMatch(/querystring.from/);
  });
});

describe('analysis pages', () => {
  it('shows the analysis on the conversation page with a re-run button that posts back', async () => {
    const page = await h.app.inject({ url: `/conversations/${ids[0]}`, headers: { cookie } });
    expect(page.body).toContain('data-analysis-status="done"');
    expect(page.body).toContain('sentiment-negative');
    expect(page.body).toContain(`action="/conversations/${ids[0]}/analysis"`);
    const post = await h.app.inject({
      method: 'POST',
      url: `/conversations/${ids[0]}/analysis`,
      headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
      payload: '',
    });
    expect(post.statusCode).toBe(303);
    expect(post.headers.location).toBe(`/conversations/${ids[0]}`);
    expect(queue.jobs.at(-1)).toEqual({ conversationId: ids[0], rerun: true });
    await h.store.analyses().saveResult(ids[0]!, result({ sentiment: 'negative', leadScore: 5 }));
  });

  it('filters the analytics page and shows sentiment and intent over time and lead scores', async () => {
    const page = await h.app.inject({ url: '/analytics?sentiment=positive', headers: { cookie } });
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('Sentiment over time');
    expect(page.body).toContain('Intent over time');
    expect(page.body).toContain('<strong id="lead-average">60</strong>');
    expect(page.body).toContain(ids[2]);
    expect(page.body).not.toContain(`data-conversation-id="${ids[0]}"`);
    expect(page.body).toContain('href="/analytics.csv?sentiment=positive"');
    const bad = await h.app.inject({ url: '/analytics?to=soon', headers: { cookie } });
    expect(bad.statusCode).toBe(400);
    expect(bad.body).toContain('querystring.to');
  });

  it('exports CSV to staff only, with formula cells defused and caller numbers masked', async () => {
    expect((await h.app.inject({ url: '/analytics.csv' })).statusCode).toBe(303);
    const csv = await h.app.inject({ url: '/analytics.csv', headers: { cookie } });
    expect(csv.statusCode).toBe(200);
    expect(csv.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(csv.headers['content-disposition']).toContain('attachment');
    const lines = csv.body.trimEnd().split('\r\n');
    expect(lines[0]).toMatch(/^conversation_id,started_at,caller,/);
    expect(lines).toHaveLength(4);
    expect(csv.body).toContain(`"'=HYPERLINK(""http://evil"")"`);
    expect(csv.body).toContain(`"'+1 tent, ""big"" one"`);
    expect(csv.body).not.toContain('+14155559876');
    expect(csv.body).toContain('********9876');
    expect(csv.body).not.toMatch(/(^|,)[=+@]/m);
  });
});

describe('hostile input on the analysis routes', () => {
  const query = fc.dictionary(
    fc.constantFrom('from', 'to', 'sentiment', 'intent', 'limit', 'cursor', 'x'),
    fc.oneof(fc.string(), fc.constantFrom('2026-11-21', '9999-12-31', '0', '201', 'null', '%00')),
  );
  const urls = ['/api/analyses', '/api/analyses/aggregates', '/analytics', '/analytics.csv'];

  it('answers any query with a 2xx or a 4xx, never a 5xx', async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...urls), query, async (url, q) => {
        const res = await h.app.inject({ url: `${url}?${new URLSearchParams(q)}`, headers: { cookie } });
        expect(res.statusCode).toBeLessThan(500);
      }),
      { numRuns: 200 },
    );
  });

  it('answers any conversation id with a 2xx or a 4xx, never a 5xx', async () => {
    await fc.assert(
      fc.asyncProperty(fc.string({ maxLength: 80 }), fc.constantFrom('GET', 'POST'), async (id, method) => {
        const res = await h.app.inject({
          method: method as 'GET' | 'POST',
          url: `/api/conversations/${encodeURIComponent(id)}/analysis`,
          headers: { cookie },
        });
        expect(res.statusCode).toBeLessThan(500);
      }),
      { numRuns: 200 },
    );
  });
});

describe('live conversation page', () => {
  it('updates an open conversation page live when the analysis lands', async () => {
    const base = await h.app.listen({ host: '127.0.0.1', port: 0 });
    const start = startBody();
    const id = await seedCall(h, start, [msg(1, { text: 'hello' })]);
    const live = await SseReader.open(`${base}/conversations/${id}/live`, { cookie });
    try {
      const panel = (status: string) => (e: { event: string; data: unknown }) =>
        e.event === 'replace' &&
        (e.data as { id: string }).id === 'call-analysis' &&
        (e.data as { html: string }).html.includes(`data-analysis-status="${status}"`);
      await live.next(panel('none'));
      await h.app.inject({
        method: 'POST',
        url: `/internal/conversations/${start.callSid}/end`,
        headers: h.serviceHeaders,
        payload: { endReason: 'caller_hangup', endedAt: '2026-11-21T10:05:00.000Z', durationSec: 300 },
      });
      await live.next(panel('pending'));
      await h.store.analyses().saveResult(id, result({ summary: 'Live summary.' }));
      await h.store
        .liveFeed()
        .append([{ brandId: 'acme', conversationId: id, kind: 'conversation', ref: null }]);
      const done = await live.next(panel('done'));
      expect((done.data as { html: string }).html).toContain('Live summary.');
    } finally {
      live.close();
    }
  });
});

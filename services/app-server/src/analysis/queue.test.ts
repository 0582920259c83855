/**
 * Post-call analysis through the real queue (pg-boss on the embedded PGlite), the app's internal
 * routes and the chat simulator: off the call's path while no worker runs, drained when one starts,
 * retried with back-off, re-run by staff.
 */
import { createLogger } from '@switchboard/service-kit';
import { type ChatSimulator, startChatSimulator } from '@switchboard/simulators/openai-chat';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPrismaStore, type PrismaStore } from '../store/prisma-store.ts';
import { type Harness, msg, seedCall, staffCookie, startBody, startHarness } from '../testing/harness.ts';
import { Analyzer, openAiClient } from './analyzer.ts';
import { PgBossJobs } from './job-queue.ts';
import { AnalysisWorker } from './worker.ts';

let sim: ChatSimulator;
let store: PrismaStore;
let jobs: PgBossJobs;
let h: Harness;
let worker: AnalysisWorker;
const queueErrors: unknown[] = [];

beforeAll(async () => {
  sim = await startChatSimulator();
  store = await openPrismaStore({ dataDir: 'memory' });
  jobs = await PgBossJobs.open(store.jobDatabase!, {
    retryLimit: 2,
    retryDelaySeconds: 1,
    onError: (e) => queueErrors.push(e),
  });
  h = await startHarness({ store, analysisQueue: jobs });
  const client = openAiClient({ apiKey: 'sk-test', baseURL: sim.openaiBaseUrl, timeoutMs: 2000 });
  worker = new AnalysisWorker({
    store,
    analyzer: new Analyzer({ client, model: 'gpt-4.1-mini' }),
    logger: createLogger({ name: 'analysis-test', level: 'silent' }),
  });
}, 60_000);
afterAll(async () => {
  await jobs?.close(2000);
  await h?.close();
  await sim?.close();
});

async function endCall(callSid: string) {
  return h.app.inject({
    method: 'POST',
    url: `/internal/conversations/${callSid}/end`,
    headers: h.serviceHeaders,
    payload: { endReason: 'caller_hangup', endedAt: '2026-11-21T10:05:00.000Z', durationSec: 300 },
  });
}

async function until(check: () => Promise<boolean>, what: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('post-call analysis on the job queue', () => {
  const calls: { callSid: string; conversationId: string }[] = [];

  it('with no worker running, calls still ingest and end correctly and their analyses wait in the queue', async () => {
    const requestsBefore = sim.requests.length;
    for (let i = 0; i < 4; i++) {
      const start = startBody();
      const conversationId = await seedCall(h, start, [
        msg(1, {
          text:
            i % 2 ? 'Thanks, that was great, I want to buy the tent.' : 'My parcel is late and I am upset.',
        }),
        msg(2, { text: 'Let me check that for you.' }),
      ]);
      // More of the transcript after the first sync, as voice-server sends it during the call.
      const more = await h.app.inject({
        method: 'POST',
        url: `/internal/conversations/${start.callSid}/messages`,
        headers: h.serviceHeaders,
        payload: { messages: [msg(3, { text: 'Please call back tomorrow.' })] },
      });
      expect(more.statusCode).toBe(200);
      const ended = await endCall(start.callSid);
      expect(ended.statusCode).toBe(200);
      expect(ended.json()).toMatchObject({ conversationId, status: 'ended' });
      calls.push({ callSid: start.callSid, conversationId });
    }
    for (const c of calls) {
      expect(await store.listMessages(c.conversationId)).toHaveLength(3);
      expect((await store.analyses().get(c.conversationId))?.status).toBe('pending');
    }
    // A repeated end (voice-server retries) queues nothing more.
    expect((await endCall(calls[0]!.callSid)).statusCode).toBe(200);
    expect(await jobs.backlog()).toBe(4);
    expect(sim.requests.length).toBe(requestsBefore);
  });

  it('drains the backlog once a worker starts', async () => {
    await jobs.work((job, attempt) => worker.run(job, attempt), { pollingIntervalSeconds: 0.5 });
    await until(async () => {
      const all = await Promise.all(calls.map((c) => store.analyses().get(c.conversationId)));
      return all.every((a) => a?.status === 'done');
    }, 'the backlog to drain');
    expect(await jobs.backlog()).toBe(0);
    const first = await store.analyses().get(calls[0]!.conversationId);
    const second = await store.analyses().get(calls[1]!.conversationId);
    expect(first).toMatchObject({ sentiment: 'negative', resolution: 'follow_up', attempts: 1 });
    expect(second).toMatchObject({ sentiment: 'positive', intent: 'sales' });
    expect(second!.leadScore).toBeGreaterThan(first!.leadScore!);
  });

  it('retries a failed attempt with back-off and stores the result', async () => {
    sim.failNext({ kind: 'server_error' });
    const start = startBody();
    const conversationId = await seedCall(h, start, [msg(1, { text: 'What does shipping cost?' })]);
    expect((await endCall(start.callSid)).statusCode).toBe(200);
    await until(
      async () => (await store.analyses().get(conversationId))?.status === 'done',
      'the retried analysis',
    );
    expect(await store.analyses().get(conversationId)).toMatchObject({
      attempts: 2,
      intent: 'shipping',
      error: null,
    });
  });

  it('re-runs on a staff request, and a second request while one waits queues nothing more', async () => {
    const cookie = await staffCookie(h, 'acme');
    const id = calls[2]!.conversationId;
    await jobs.stopWorking();
    const rerun = () =>
      h.app.inject({ method: 'POST', url: `/api/conversations/${id}/analysis`, headers: { cookie } });
    const res = await rerun();
    expect(res.statusCode).toBe(202);
    expect(res.json()).toEqual({ status: 'queued' });
    expect((await rerun()).json()).toEqual({ status: 'already-queued' });
    expect((await store.analyses().get(id))?.status).toBe('pending');
    await jobs.work((job, attempt) => worker.run(job, attempt), { pollingIntervalSeconds: 0.5 });
    await until(async () => {
      const a = await store.analyses().get(id);
      return a?.status === 'done' && a.attempts === 2;
    }, 'the re-run');
    expect(queueErrors).toEqual([]);
  });
});

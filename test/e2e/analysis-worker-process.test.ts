// The analysis worker as its own process on a real PostgreSQL server: app-server (ANALYSIS_WORKER=off)
// only queues ended calls; the backlog waits until `analysis-worker` starts, which drains it against
// the OpenAI chat simulator and stops cleanly on SIGTERM.
import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { type ChatSimulator, startChatSimulator } from '@switchboard/simulators/openai-chat';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ChildAppServer, startChildAppServer } from '../support/child-app-server.ts';
import { startTestPostgres, type TestPostgres } from '../support/postgres-server.ts';

const SERVICE_TOKEN = 'analysis-test-service-token';
const service = { authorization: `Bearer ${SERVICE_TOKEN}`, 'content-type': 'application/json' };
const WORKER = join(import.meta.dirname, '..', '..', 'services', 'app-server', 'src', 'analysis-worker.ts');

let pg: TestPostgres;
let chat: ChatSimulator;
let app: ChildAppServer;
let worker: ChildProcess | undefined;
let workerOutput = '';

beforeAll(async () => {
  pg = await startTestPostgres();
  chat = await startChatSimulator({ apiKey: 'sk-analysis-secret-key' });
  app = await startChildAppServer({
    DATABASE_URL: pg.url,
    SERVICE_TOKEN,
    SESSION_SECRET: 'analysis-test-session-secret-at-least-32',
    COOKIE_SECURE: 'false',
    OPENAI_API_KEY: 'sk-analysis-secret-key',
    OPENAI_BASE_URL: chat.openaiBaseUrl,
    ANALYSIS_WORKER: 'off',
  });
}, 180_000);
afterAll(async () => {
  worker?.kill('SIGKILL');
  await app?.stop();
  await chat?.close();
  pg?.stop();
}, 30_000);

async function post(path: string, body: unknown, headers: Record<string, string> = service) {
  const res = await fetch(`${app.url}${path}`, { method: 'POST', headers, body: JSON.stringify(body) });
  // biome-ignore lint/suspicious/noExplicitAny: JSON answers are checked by the assertions that read them.
  return { status: res.status, body: (await res.json()) as any };
}

describe('analysis-worker process on Postgres', () => {
  it('drains what app-server queued while no worker ran, then stops on SIGTERM', async () => {
    const key = (await post('/admin/api-keys', { brandId: 'acme', label: 'test' })).body.key as string;
    const staff = { authorization: `Bearer ${key}` };
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      const callSid = `CA${String(i).padStart(32, '0')}`;
      const start = await post('/internal/conversations', {
        callSid,
        botProfileKey: 'acme-support',
        brandId: 'acme',
        callerNumber: '+14155550123',
        isSip: false,
        startedAt: '2026-11-21T10:00:00.000Z',
      });
      ids.push(start.body.conversationId);
      const messages = [
        {
          sequence: 1,
          role: 'caller',
          text: 'How much is the tent? I want to buy it.',
          startedAt: '2026-11-21T10:00:01.000Z',
          source: 'realtime',
        },
      ];
      expect((await post(`/internal/conversations/${callSid}/messages`, { messages })).status).toBe(200);
      const end = await post(`/internal/conversations/${callSid}/end`, {
        endReason: 'caller_hangup',
        endedAt: '2026-11-21T10:02:00.000Z',
        durationSec: 120,
      });
      expect(end.status).toBe(200);
    }
    const analysisOf = async (id: string) =>
      (
        (await (await fetch(`${app.url}/api/conversations/${id}/analysis`, { headers: staff })).json()) as {
          analysis: { status: string; intent: string };
        }
      ).analysis;
    for (const id of ids) expect((await analysisOf(id)).status).toBe('pending');
    expect(chat.requests).toHaveLength(0);

    worker = spawn(process.execPath, ['--import', 'tsx', WORKER], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: {
        PATH: process.env.PATH ?? '',
        DATABASE_URL: pg.url,
        OPENAI_API_KEY: 'sk-analysis-secret-key',
        OPENAI_BASE_URL: chat.openaiBaseUrl,
        LOG_LEVEL: 'info',
      },
    });
    for (const s of [worker.stdout!, worker.stderr!])
      s.on('data', (c: Buffer) => (workerOutput += c.toString()));
    const exited = new Promise<number | null>((resolve) => worker!.once('exit', (code) => resolve(code)));

    const deadline = Date.now() + 60_000;
    let all: { status: string; intent: string }[] = [];
    while (Date.now() < deadline) {
      all = await Promise.all(ids.map(analysisOf));
      if (all.every((a) => a.status === 'done')) break;
      await new Promise((r) => setTimeout(r, 250));
    }
    expect(all.map((a) => [a.status, a.intent])).toEqual(ids.map(() => ['done', 'sales']));
    expect(chat.requests).toHaveLength(3);

    worker.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(workerOutput).toContain('post-call analysis on');
    expect(workerOutput).not.toContain('sk-analysis-secret-key');
    expect(workerOutput).not.toContain('4155550123');
  }, 120_000);
});

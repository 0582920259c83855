/**
 * QueuedAppServer against the real app-server over HTTP, through a proxy the test switches off (the
 * port refuses connections) and on, and that can lose responses after app-server has acted on them.
 */
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { createLogger } from '@switchboard/service-kit';
import {
  type ConversationEnd,
  HttpAppServerClient,
  type TranscriptMessage,
} from '@switchboard/service-kit/clients/app-server';
import { afterEach, describe, expect, it } from 'vitest';
// app-server is not a dependency of voice-server; its source is reached directly for this test only.
import { type AppServer, buildAppServer, MemoryStore } from '../../../app-server/src/index.ts';
import { SwitchableProxy } from '../testing/switchable-proxy.ts';
import { QueuedAppServer } from './queued-app-server.ts';

const SERVICE_TOKEN = 'resilience-test-service-token';

const discard = new Writable({ write: (_c, _e, cb) => cb() });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let appServer: AppServer | undefined;
let proxy: SwitchableProxy | undefined;
let queue: QueuedAppServer | undefined;

afterEach(async () => {
  queue?.close();
  await proxy?.off();
  await appServer?.app.close();
  queue = undefined;
  proxy = undefined;
  appServer = undefined;
});

const msg = (sequence: number, callSid: string): TranscriptMessage => ({
  sequence,
  role: sequence % 2 ? 'caller' : 'agent',
  text: `${callSid} message ${sequence}`,
  startedAt: new Date(Date.parse('2026-11-21T10:00:00.000Z') + sequence * 1000).toISOString(),
  source: 'realtime',
});
const end: ConversationEnd = {
  endReason: 'caller_hangup',
  endedAt: '2026-11-21T10:05:00.000Z',
  durationSec: 300,
};

describe('QueuedAppServer against app-server', () => {
  it('delivers two calls complete, in order and without duplicates across an outage', async () => {
    appServer = await buildAppServer({
      config: {
        SERVICE_TOKEN,
        SESSION_SECRET: 'resilience-test-session-secret-of-32-chars',
        SESSION_TTL_HOURS: 1,
        COOKIE_SECURE: false,
        OPIK_UI_URL: undefined,
      },
      logger: createLogger({ name: 'app-server', destination: discard }),
      store: new MemoryStore(),
    });
    await appServer.app.listen({ host: '127.0.0.1', port: 0 });
    proxy = new SwitchableProxy((appServer.app.server.address() as AddressInfo).port);
    await proxy.on();
    let retries = 0;
    queue = new QueuedAppServer(
      // One attempt per request: the queue owns retrying.
      new HttpAppServerClient({ baseUrl: proxy.url, token: SERVICE_TOKEN, maxAttempts: 1, timeoutMs: 2_000 }),
      { retryBaseMs: 20, retryMaxMs: 200, ticketWaitMs: 300, metrics: { onRetry: () => retries++ } },
    );
    const [A, B] = ['CA_RESILIENCE_A', 'CA_RESILIENCE_B'];
    const started = (callSid: string) => ({
      callSid,
      botProfileKey: 'acme-support',
      brandId: 'acme',
      callerNumber: '+14155550123',
      isSip: false,
      startedAt: '2026-11-21T10:00:00.000Z',
    });

    await queue.startConversation(started(A));
    await queue.startConversation(started(B));
    await queue.appendMessages(A, [msg(1, A), msg(2, A)]);
    await queue.appendMessages(B, [msg(1, B)]);
    expect(await queue.flush(5_000)).toBe(true);

    await proxy.off();
    await queue.appendMessages(A, [msg(3, A)]);
    await queue.appendMessages(B, [msg(2, B), msg(3, B)]);
    await queue.appendMessages(A, [msg(4, A), msg(5, A)]);
    const handoff = await queue.createHandoffTicket(A, {
      summary: 'Caller wants a refund',
      transcriptExcerpt: 'caller: refund please',
      knowledgeChunkIds: [],
    });
    expect(handoff.ticketId).toMatch(/^provisional-/);
    await queue.endConversation(B, end);
    await queue.appendMessages(A, [msg(6, A)]);
    await queue.endConversation(A, end);
    await sleep(300);
    expect(retries).toBeGreaterThan(2);

    // Back, but the first answers are lost after app-server acted: those requests are sent again.
    proxy.loseResponses = 2;
    await proxy.on();
    expect(await queue.flush(15_000)).toBe(true);
    expect(proxy.lost).toBe(2);

    const keyRes = await appServer.app.inject({
      method: 'POST',
      url: '/admin/api-keys',
      headers: { authorization: `Bearer ${SERVICE_TOKEN}` },
      payload: { brandId: 'acme', label: 'resilience test' },
    });
    const brandAuth = { authorization: `Bearer ${keyRes.json().key}` };
    const list = await appServer.app.inject({ method: 'GET', url: '/api/conversations', headers: brandAuth });
    const items = list.json().items as Array<{ id: string; callSid: string }>;
    const detail = async (callSid: string) => {
      const id = items.find((c) => c.callSid === callSid)!.id;
      const res = await appServer!.app.inject({
        method: 'GET',
        url: `/api/conversations/${id}`,
        headers: brandAuth,
      });
      return res.json() as {
        conversation: { endReason: string | null; endedAt: string | null };
        messages: Array<{ sequence: number; text: string }>;
        tickets: Array<{ id: string; kind: string }>;
      };
    };

    const a = await detail(A);
    expect(a.messages.map((m) => m.sequence)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(a.messages.map((m) => m.text)).toEqual([1, 2, 3, 4, 5, 6].map((s) => msg(s, A).text));
    expect(a.conversation).toMatchObject({ endReason: 'caller_hangup', endedAt: end.endedAt });
    expect(a.tickets).toHaveLength(1);
    expect(a.tickets[0]).toMatchObject({ kind: 'handoff', id: queue.ticketIdFor(handoff.ticketId) });

    const b = await detail(B);
    expect(b.messages.map((m) => m.sequence)).toEqual([1, 2, 3]);
    expect(b.conversation.endReason).toBe('caller_hangup');
    expect(b.tickets).toEqual([]);
  });
});

import { HttpAppServerClient } from '@switchboard/service-kit/clients/app-server';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type Harness, msg, SERVICE_TOKEN, startBody, startHarness } from '../testing/harness.ts';

describe('HttpAppServerClient against app-server', () => {
  let h: Harness;
  let baseUrl: string;
  beforeEach(async () => {
    h = await startHarness();
    baseUrl = await h.app.listen({ host: '127.0.0.1', port: 0 });
  });
  afterEach(async () => {
    await h.close();
  });

  it('records a whole call: start, messages out of order and twice, tickets, end', async () => {
    const client = new HttpAppServerClient({ baseUrl, token: SERVICE_TOKEN });
    const start = startBody();
    await client.startConversation(start);
    await client.appendMessages(start.callSid, [msg(2), msg(4)]);
    await client.appendMessages(start.callSid, [msg(1), msg(3), msg(2)]);
    await client.appendMessages(start.callSid, []);
    const handoff = await client.createHandoffTicket(start.callSid, {
      summary: 'Needs a human',
      transcriptExcerpt: 'caller: agent please',
      knowledgeChunkIds: ['k9'],
    });
    const callback = await client.createCallbackTicket(start.callSid, {
      phone: '+14155550123',
      timezone: 'Europe/Berlin',
      reason: 'Call back tomorrow',
      windowStart: '2026-11-22T08:00:00Z',
    });
    await client.endConversation(start.callSid, {
      endReason: 'caller_hangup',
      endedAt: '2026-11-21T10:05:00Z',
      durationSec: 300,
      opikTraceId: 't-1',
    });

    const c = await h.store.findConversationByCallSid(start.callSid);
    expect(c).toMatchObject({ status: 'ended', opikTraceId: 't-1' });
    expect((await h.store.listMessages(c!.id)).map((m) => m.sequence)).toEqual([1, 2, 3, 4]);
    const ticket = await h.store.getTicket('acme', callback.ticketId);
    expect(ticket?.callback?.id).toBe(callback.callbackId);
    expect((await h.store.getTicket('acme', handoff.ticketId))?.kind).toBe('handoff');
  });

  it("keeps one call's requests in order: messages sent before the start resolves still land", async () => {
    let releaseStart!: () => void;
    const startHeld = new Promise<void>((r) => {
      releaseStart = r;
    });
    const start = startBody();
    const fetchImpl: typeof fetch = async (input, init) => {
      const isThisStart =
        String(input).endsWith('/internal/conversations') && String(init?.body).includes(start.callSid);
      if (isThisStart) await startHeld;
      return fetch(input, init);
    };
    const client = new HttpAppServerClient({ baseUrl, token: SERVICE_TOKEN, fetch: fetchImpl });
    const started = client.startConversation(start);
    const appended = client.appendMessages(start.callSid, [msg(1)]);
    const ended = client.endConversation(start.callSid, {
      endReason: 'done',
      endedAt: '2026-11-21T10:01:00Z',
      durationSec: 60,
    });
    // Another call is not held up by this one.
    const other = startBody();
    await client.startConversation(other);
    expect(await h.store.findConversationByCallSid(start.callSid)).toBeNull();

    releaseStart();
    await Promise.all([started, appended, ended]);
    const c = await h.store.findConversationByCallSid(start.callSid);
    expect(c?.status).toBe('ended');
    expect(await h.store.listMessages(c!.id)).toHaveLength(1);
  });

  it('retries failures that may pass, and only those', async () => {
    let calls = 0;
    const flaky: typeof fetch = async (input, init) => {
      calls++;
      if (calls === 1) throw new TypeError('fetch failed');
      if (calls === 2)
        return new Response(JSON.stringify({ error: { code: 'UNAVAILABLE', message: 'busy' } }), {
          status: 503,
        });
      return fetch(input, init);
    };
    const client = new HttpAppServerClient({ baseUrl, token: SERVICE_TOKEN, fetch: flaky, retryDelayMs: 1 });
    const start = startBody();
    await client.startConversation(start);
    expect(calls).toBe(3);
    expect(await h.store.findConversationByCallSid(start.callSid)).not.toBeNull();

    calls = 10;
    await expect(
      client.appendMessages(start.callSid, [msg(1, { role: 'robot' as never })]),
    ).rejects.toMatchObject({
      code: 'BAD_REQUEST',
      statusCode: 400,
    });
    expect(calls).toBe(11);
  });

  it('makes a retried ticket request safe: a lost response does not make a second ticket', async () => {
    const start = startBody();
    await new HttpAppServerClient({ baseUrl, token: SERVICE_TOKEN }).startConversation(start);
    let dropped = false;
    const losesFirstResponse: typeof fetch = async (input, init) => {
      const res = await fetch(input, init);
      if (!dropped && String(input).includes('/tickets/')) {
        dropped = true;
        throw new TypeError('socket hang up');
      }
      return res;
    };
    const client = new HttpAppServerClient({
      baseUrl,
      token: SERVICE_TOKEN,
      fetch: losesFirstResponse,
      retryDelayMs: 1,
    });
    const made = await client.createCallbackTicket(start.callSid, {
      phone: '+14155550123',
      timezone: 'UTC',
      reason: 'call me',
    });
    expect(dropped).toBe(true);
    const c = await h.store.findConversationByCallSid(start.callSid);
    const tickets = await h.store.listTickets('acme', { conversationId: c!.id, limit: 10 });
    expect(tickets.items.map((t) => t.id)).toEqual([made.ticketId]);
  });

  it('reports an unknown call as a 404 without retrying', async () => {
    let calls = 0;
    const counting: typeof fetch = (input, init) => {
      calls++;
      return fetch(input, init);
    };
    const client = new HttpAppServerClient({ baseUrl, token: SERVICE_TOKEN, fetch: counting });
    await expect(client.appendMessages('CAnope', [msg(1)])).rejects.toMatchObject({ statusCode: 404 });
    expect(calls).toBe(1);
  });
});

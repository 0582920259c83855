import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, msg, PASSWORD, startBody, startHarness } from '../testing/harness.ts';

describe.each(['memory', 'prisma'] as const)('internal API (voice-server), %s store', (kind) => {
  // One app per store kind: every test uses its own call SIDs.
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ store: kind });
  });
  afterAll(async () => {
    await h.close();
  });

  const post = (url: string, payload: unknown, headers = h.serviceHeaders) =>
    h.app.inject({ method: 'POST', url, headers, payload: payload as object });

  it('starts a conversation once per call SID', async () => {
    const start = startBody();
    const first = await post('/internal/conversations', start);
    expect(first.statusCode).toBe(201);
    expect(first.json().created).toBe(true);
    const again = await post('/internal/conversations', { ...start, callerNumber: '+15550000000' });
    expect(again.statusCode).toBe(200);
    expect(again.json()).toEqual({ conversationId: first.json().conversationId, created: false });
    const stored = await h.store.findConversationByCallSid(start.callSid);
    expect(stored).toMatchObject({
      callerNumber: '+14155550123',
      brandId: 'acme',
      status: 'active',
      channel: 'PHONE',
    });
  });

  it('stores each sequence once, in conversation order, whatever order and however often it arrives', async () => {
    const start = startBody();
    await post('/internal/conversations', start);
    const url = `/internal/conversations/${start.callSid}/messages`;
    expect((await post(url, { messages: [msg(3), msg(1)] })).statusCode).toBe(200);
    expect((await post(url, { messages: [msg(2), msg(1)] })).statusCode).toBe(200);
    expect((await post(url, { messages: [msg(3), msg(2), msg(1)] })).json()).toEqual({ stored: 3 });
    const c = await h.store.findConversationByCallSid(start.callSid);
    const stored = await h.store.listMessages(c!.id);
    expect(stored.map((m) => [m.sequence, m.text])).toEqual([
      [1, 'message 1'],
      [2, 'message 2'],
      [3, 'message 3'],
    ]);
  });

  it('updates a re-sent sequence with newer text, and a null text never erases one', async () => {
    const start = startBody();
    await post('/internal/conversations', start);
    const url = `/internal/conversations/${start.callSid}/messages`;
    await post(url, { messages: [msg(1, { role: 'agent', text: null, itemId: 'item_1' })] });
    await post(url, {
      messages: [
        msg(1, {
          role: 'agent',
          text: 'Hello, how can I help?',
          interrupted: true,
          latency: { responseMs: 412.6 },
        }),
      ],
    });
    await post(url, { messages: [msg(1, { role: 'agent', text: null })] });
    const c = await h.store.findConversationByCallSid(start.callSid);
    const [m] = await h.store.listMessages(c!.id);
    expect(m).toMatchObject({
      sequence: 1,
      text: 'Hello, how can I help?',
      itemId: 'item_1',
      interrupted: true,
      responseMs: 413,
      firstAudioMs: null,
    });
  });

  it('keeps tool calls with their arguments and results', async () => {
    const start = startBody();
    await post('/internal/conversations', start);
    await post(`/internal/conversations/${start.callSid}/messages`, {
      messages: [
        msg(1, {
          role: 'tool',
          source: 'tool',
          text: null,
          toolName: 'search_knowledge_base',
          toolArguments: { query: 'opening hours' },
          toolResult: { chunks: [{ id: 'k1', text: 'We open at 9.' }] },
        }),
      ],
    });
    const c = await h.store.findConversationByCallSid(start.callSid);
    const [m] = await h.store.listMessages(c!.id);
    expect(m?.toolArguments).toEqual({ query: 'opening hours' });
    expect(m?.toolResult).toEqual({ chunks: [{ id: 'k1', text: 'We open at 9.' }] });
  });

  it('ends a conversation with reason, duration and trace id', async () => {
    const start = startBody();
    await post('/internal/conversations', start);
    const res = await post(`/internal/conversations/${start.callSid}/end`, {
      endReason: 'caller_hangup',
      endedAt: '2026-11-21T10:04:05.000Z',
      durationSec: 245.3,
      opikTraceId: 'trace-123',
    });
    expect(res.statusCode).toBe(200);
    expect(res.json().status).toBe('ended');
    expect(await h.store.findConversationByCallSid(start.callSid)).toMatchObject({
      status: 'ended',
      endReason: 'caller_hangup',
      durationSec: 245.3,
      opikTraceId: 'trace-123',
    });
  });

  it('creates handoff and callback tickets, the same ticket again for a repeated idempotency key', async () => {
    const start = startBody();
    await post('/internal/conversations', start);
    const handoff = {
      summary: 'Caller wants a refund',
      transcriptExcerpt: 'caller: I want my money back',
      knowledgeChunkIds: ['k1', 'k2'],
      priority: 'high',
      transferTarget: '+14155550999',
      idempotencyKey: 'tool-call-1',
    };
    const h1 = await post(`/internal/conversations/${start.callSid}/tickets/handoff`, handoff);
    expect(h1.statusCode).toBe(201);
    const h2 = await post(`/internal/conversations/${start.callSid}/tickets/handoff`, handoff);
    expect(h2.statusCode).toBe(200);
    expect(h2.json().ticketId).toBe(h1.json().ticketId);

    const callback = {
      phone: '+14155550123',
      windowStart: '2026-11-22T09:00:00.000Z',
      windowEnd: '2026-11-22T11:00:00.000Z',
      timezone: 'America/Los_Angeles',
      reason: 'Wants a call back about the invoice',
      idempotencyKey: 'tool-call-2',
    };
    const c1 = await post(`/internal/conversations/${start.callSid}/tickets/callback`, callback);
    expect(c1.statusCode).toBe(201);
    expect(c1.json()).toEqual({ ticketId: expect.any(String), callbackId: expect.any(String) });
    const c2 = await post(`/internal/conversations/${start.callSid}/tickets/callback`, callback);
    expect(c2.json()).toEqual(c1.json());

    const conflict = await post(`/internal/conversations/${start.callSid}/tickets/callback`, {
      ...callback,
      idempotencyKey: 'tool-call-1',
    });
    expect(conflict.statusCode).toBe(409);

    const c = await h.store.findConversationByCallSid(start.callSid);
    const tickets = await h.store.listTickets('acme', { conversationId: c!.id, limit: 10 });
    expect(tickets.items.map((t) => t.kind).sort()).toEqual(['callback', 'handoff']);
    const cb = tickets.items.find((t) => t.kind === 'callback')!;
    expect(cb).toMatchObject({ status: 'open', priority: 'normal', summary: callback.reason });
    expect(cb.callback).toMatchObject({
      status: 'scheduled',
      timezone: 'America/Los_Angeles',
      phone: '+14155550123',
    });
  });

  it('answers 400 naming the field for bad bodies', async () => {
    const start = startBody();
    await post('/internal/conversations', start);
    const cases: [string, unknown, RegExp][] = [
      ['/internal/conversations', { ...startBody(), isSip: 'maybe' }, /body\.isSip/],
      ['/internal/conversations', { ...startBody(), callSid: undefined }, /body\.callSid is required/],
      ['/internal/conversations', { ...startBody(), startedAt: 'yesterday' }, /body\.startedAt/],
      [
        `/internal/conversations/${start.callSid}/messages`,
        { messages: [msg(1, { role: 'robot' as never })] },
        /body\.messages\.0\.role/,
      ],
      [
        `/internal/conversations/${start.callSid}/messages`,
        { messages: [msg(-1)] },
        /body\.messages\.0\.sequence/,
      ],
      [`/internal/conversations/${start.callSid}/messages`, { messages: [] }, /body\.messages/],
      [`/internal/conversations/${start.callSid}/messages`, {}, /body\.messages is required/],
      [
        `/internal/conversations/${start.callSid}/end`,
        { endReason: 'x', endedAt: 'now', durationSec: 1 },
        /body\.endedAt/,
      ],
      [
        `/internal/conversations/${start.callSid}/end`,
        { endReason: 'x', endedAt: '2026-11-21T10:00:00Z', durationSec: -1 },
        /body\.durationSec/,
      ],
      [
        `/internal/conversations/${start.callSid}/tickets/handoff`,
        { summary: 's', transcriptExcerpt: '' },
        /body\.knowledgeChunkIds is required/,
      ],
      [
        `/internal/conversations/${start.callSid}/tickets/handoff`,
        { summary: 's', transcriptExcerpt: '', knowledgeChunkIds: [], priority: 'asap' },
        /body\.priority/,
      ],
      [
        `/internal/conversations/${start.callSid}/tickets/callback`,
        { phone: 'call me', timezone: 'UTC', reason: 'r' },
        /body\.phone/,
      ],
      [
        `/internal/conversations/${start.callSid}/tickets/callback`,
        { phone: '+14155550123', timezone: 'Mars/Olympus', reason: 'r' },
        /body\.timezone/,
      ],
      [
        `/internal/conversations/${start.callSid}/tickets/callback`,
        {
          phone: '+14155550123',
          timezone: 'UTC',
          reason: 'r',
          windowStart: '2026-11-22T11:00:00Z',
          windowEnd: '2026-11-22T09:00:00Z',
        },
        /body\.windowEnd/,
      ],
    ];
    for (const [url, body, message] of cases) {
      const res = await post(url, body);
      expect(res.statusCode, `${url} ${JSON.stringify(body)}`).toBe(400);
      expect(res.json().error.code).toBe('BAD_REQUEST');
      expect(res.json().error.message).toMatch(message);
    }
    const notJson = await h.app.inject({
      method: 'POST',
      url: '/internal/conversations',
      headers: { ...h.serviceHeaders, 'content-type': 'application/json' },
      payload: '{"callSid": ',
    });
    expect(notJson.statusCode).toBe(400);
  });

  it('answers 404 for an unknown call SID on every call route', async () => {
    const unknown = 'CA00000000000000000000000000000000';
    const routes: [string, unknown][] = [
      [`/internal/conversations/${unknown}/messages`, { messages: [msg(1)] }],
      [
        `/internal/conversations/${unknown}/end`,
        { endReason: 'x', endedAt: '2026-11-21T10:00:00Z', durationSec: 1 },
      ],
      [
        `/internal/conversations/${unknown}/tickets/handoff`,
        { summary: 's', transcriptExcerpt: '', knowledgeChunkIds: [] },
      ],
      [
        `/internal/conversations/${unknown}/tickets/callback`,
        { phone: '+14155550123', timezone: 'UTC', reason: 'r' },
      ],
    ];
    for (const [url, body] of routes) {
      const res = await post(url, body);
      expect(res.statusCode, url).toBe(404);
      expect(res.json().error.code).toBe('NOT_FOUND');
    }
  });

  it('admits only the service token: none 401, wrong 401, a brand key or staff session 403', async () => {
    const start = startBody();
    expect((await post('/internal/conversations', start, {})).statusCode).toBe(401);
    expect((await post('/internal/conversations', start, { authorization: 'Bearer nope' })).statusCode).toBe(
      401,
    );
    await post('/admin/staff', { brandId: 'acme', email: 'a@acme.test', password: PASSWORD });
    const signIn = await h.app.inject({
      method: 'POST',
      url: '/api/session',
      payload: { brandId: 'acme', email: 'a@acme.test', password: PASSWORD },
    });
    const cookie = String(signIn.headers['set-cookie']).split(';')[0]!;
    expect((await post('/internal/conversations', start, { cookie })).statusCode).toBe(403);
    const key = (await post('/admin/api-keys', { brandId: 'acme', label: 'k' })).json().key;
    expect(
      (await post('/internal/conversations', start, { authorization: `Bearer ${key}` })).statusCode,
    ).toBe(403);
    expect(await h.store.findConversationByCallSid(start.callSid)).toBeNull();
  });

  it('gives a conversation without brand the brand its bot profile had, else leaves it unbranded', async () => {
    const known = startBody({ botProfileKey: 'beta-line', brandId: 'beta' });
    await post('/internal/conversations', known);
    const inferred = startBody({ botProfileKey: 'beta-line', brandId: undefined });
    await post('/internal/conversations', inferred);
    expect((await h.store.findConversationByCallSid(inferred.callSid))?.brandId).toBe('beta');

    const orphan = startBody({ botProfileKey: 'never-seen', brandId: undefined });
    await post('/internal/conversations', orphan);
    expect((await h.store.findConversationByCallSid(orphan.callSid))?.brandId).toBeNull();

    const res = await h.app.inject({
      method: 'PUT',
      url: `/admin/conversations/${orphan.callSid}/brand`,
      headers: h.serviceHeaders,
      payload: { brandId: 'acme' },
    });
    expect(res.statusCode).toBe(200);
    expect(res.json().conversation.brandId).toBe('acme');
  });

  it('never logs caller or callback phone numbers', async () => {
    const start = startBody({ callerNumber: '+14155557777' });
    await post('/internal/conversations', start);
    await post(`/internal/conversations/${start.callSid}/tickets/callback`, {
      phone: '+14155558888',
      timezone: 'UTC',
      reason: 'r',
    });
    await post(`/internal/conversations/${start.callSid}/tickets/callback`, {
      phone: 'bad',
      timezone: 'UTC',
      reason: 'r',
    });
    expect(h.logs.lines.length).toBeGreaterThan(0);
    expect(h.logs.text).not.toContain('5557777');
    expect(h.logs.text).not.toContain('5558888');
    expect(h.logs.text).not.toContain(h.serviceHeaders.authorization!.slice(7));
  });
});

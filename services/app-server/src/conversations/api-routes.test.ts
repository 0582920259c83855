import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  brandKey,
  type Harness,
  msg,
  seedCall,
  staffCookie,
  startBody,
  startHarness,
} from '../testing/harness.ts';

describe('staff JSON API', () => {
  let h: Harness;
  let cookie: string;
  beforeEach(async () => {
    h = await startHarness();
    cookie = await staffCookie(h, 'acme');
  });
  afterEach(async () => {
    await h.close();
  });

  const get = (url: string, headers: Record<string, string> = { cookie }) =>
    h.app.inject({ method: 'GET', url, headers });

  it('needs a session or a brand key', async () => {
    const res = await get('/api/conversations', {});
    expect(res.statusCode).toBe(401);
    expect(res.json().error.code).toBe('UNAUTHORIZED');
    expect((await get('/api/conversations', { cookie: 'sb_session=forged.value' })).statusCode).toBe(401);
    expect((await get('/api/conversations', { authorization: 'Bearer sbk_nope' })).statusCode).toBe(401);
    const key = await brandKey(h, 'acme');
    expect((await get('/api/conversations', { authorization: key })).statusCode).toBe(200);
    expect((await get('/api/me')).json()).toMatchObject({
      kind: 'staff',
      brandId: 'acme',
      name: 'staff@acme.test',
    });
  });

  it('lists newest first and searches by date range, caller, status and text', async () => {
    const a = startBody({ callerNumber: '+14155550001', startedAt: '2026-11-19T09:00:00Z' });
    const b = startBody({ callerNumber: '+14155550002', startedAt: '2026-11-20T09:00:00Z' });
    const c = startBody({ callerNumber: '+4930123456', startedAt: '2026-11-21T09:00:00Z' });
    const idA = await seedCall(h, a, [msg(1, { text: 'My router is blinking red' })]);
    const idB = await seedCall(h, b, [
      msg(1, { text: 'Where is my parcel?' }),
      msg(2, { text: 'Let me check.' }),
    ]);
    const idC = await seedCall(h, c, [msg(1, { text: 'The ROUTER again' })]);
    await h.app.inject({
      method: 'POST',
      url: `/internal/conversations/${b.callSid}/end`,
      headers: h.serviceHeaders,
      payload: { endReason: 'caller_hangup', endedAt: '2026-11-20T09:03:00Z', durationSec: 180 },
    });
    await seedCall(h, startBody({ brandId: 'other', startedAt: '2026-11-21T10:00:00Z' }));

    const ids = async (q: string) =>
      (await get(`/api/conversations${q}`)).json().items.map((i: { id: string }) => i.id);
    expect(await ids('')).toEqual([idC, idB, idA]);
    expect(await ids('?from=2026-11-20&to=2026-11-20')).toEqual([idB]);
    expect(await ids('?from=2026-11-20T00:00:00Z')).toEqual([idC, idB]);
    expect(await ids('?caller=555000')).toEqual([idB, idA]);
    expect(await ids('?status=ended')).toEqual([idB]);
    expect(await ids('?status=active')).toEqual([idC, idA]);
    expect(await ids('?q=router')).toEqual([idC, idA]);
    expect(await ids('?q=router&caller=%2B1415')).toEqual([idA]);
    expect(await ids('?q=100%25')).toEqual([]);

    const first = (await get('/api/conversations?limit=2')).json();
    expect(first.items.map((i: { id: string }) => i.id)).toEqual([idC, idB]);
    const second = (await get(`/api/conversations?limit=2&cursor=${first.nextCursor}`)).json();
    expect(second.items.map((i: { id: string }) => i.id)).toEqual([idA]);
    expect(second.nextCursor).toBeNull();

    const item = (await get('/api/conversations?status=ended')).json().items[0];
    expect(item).toMatchObject({
      messageCount: 2,
      openTicketCount: 0,
      durationSec: 180,
      endReason: 'caller_hangup',
    });
  });

  it('answers 400 naming the query field', async () => {
    for (const [q, field] of [
      ['status=sleeping', 'querystring.status'],
      ['from=last-week', 'querystring.from'],
      ['limit=0', 'querystring.limit'],
      ['limit=abc', 'querystring.limit'],
      ['cursor=zzz', 'querystring.cursor'],
    ]) {
      const res = await get(`/api/conversations?${q}`);
      expect(res.statusCode, q).toBe(400);
      expect(res.json().error.message).toContain(field);
    }
  });

  it('shows one conversation with its messages in order and its tickets', async () => {
    const start = startBody();
    const id = await seedCall(h, start, [
      msg(2, { text: 'second' }),
      msg(1, { text: 'first', latency: { responseMs: 300 } }),
    ]);
    await h.app.inject({
      method: 'POST',
      url: `/internal/conversations/${start.callSid}/tickets/handoff`,
      headers: h.serviceHeaders,
      payload: { summary: 'Wants a human', transcriptExcerpt: 'x', knowledgeChunkIds: ['k1'] },
    });
    const res = await get(`/api/conversations/${id}`);
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.conversation).toMatchObject({
      id,
      callSid: start.callSid,
      status: 'active',
      channel: 'PHONE',
    });
    expect(body.messages.map((m: { text: string }) => m.text)).toEqual(['first', 'second']);
    expect(body.messages[0].latency).toEqual({ responseMs: 300, firstAudioMs: null, firstFrameMs: null });
    expect(body.tickets).toHaveLength(1);
    expect(body.tickets[0]).toMatchObject({
      kind: 'handoff',
      status: 'open',
      knowledgeChunkIds: ['k1'],
      callback: null,
    });
    expect((await get('/api/conversations/no-such-id')).statusCode).toBe(404);
  });

  it('changes ticket and callback status; a callback and its ticket move together', async () => {
    const start = startBody();
    await seedCall(h, start);
    const made = (
      await h.app.inject({
        method: 'POST',
        url: `/internal/conversations/${start.callSid}/tickets/callback`,
        headers: h.serviceHeaders,
        payload: { phone: '+14155550123', timezone: 'UTC', reason: 'Invoice question' },
      })
    ).json();
    const patch = (url: string, payload: unknown) =>
      h.app.inject({ method: 'PATCH', url, headers: { cookie }, payload: payload as object });

    const open = (await get('/api/callbacks?status=scheduled')).json();
    expect(open.items.map((c: { id: string }) => c.id)).toEqual([made.callbackId]);

    const done = await patch(`/api/callbacks/${made.callbackId}`, { status: 'done' });
    expect(done.statusCode).toBe(200);
    expect(done.json()).toMatchObject({ status: 'done', ticket: { id: made.ticketId, status: 'resolved' } });
    expect((await get('/api/callbacks?status=scheduled')).json().items).toEqual([]);

    const reopened = await patch(`/api/tickets/${made.ticketId}`, {
      status: 'in_progress',
      assignee: 'sam@acme.test',
    });
    expect(reopened.json()).toMatchObject({
      status: 'in_progress',
      assignee: 'sam@acme.test',
      callback: { status: 'scheduled' },
    });
    const unassigned = await patch(`/api/tickets/${made.ticketId}`, { assignee: null, priority: 'urgent' });
    expect(unassigned.json()).toMatchObject({ status: 'in_progress', assignee: null, priority: 'urgent' });
    const closed = await patch(`/api/tickets/${made.ticketId}`, { status: 'closed' });
    expect(closed.json().callback.status).toBe('cancelled');

    expect((await get(`/api/tickets/${made.ticketId}`)).json().status).toBe('closed');
    expect((await get('/api/tickets?kind=callback&status=closed')).json().items).toHaveLength(1);
    expect((await get('/api/tickets?kind=handoff')).json().items).toHaveLength(0);

    for (const [url, body, field] of [
      [`/api/tickets/${made.ticketId}`, { status: 'finished' }, 'body.status'],
      [`/api/tickets/${made.ticketId}`, {}, 'body'],
      [`/api/tickets/${made.ticketId}`, { colour: 'red' }, 'body.colour'],
      [`/api/callbacks/${made.callbackId}`, {}, 'body.status'],
      [`/api/callbacks/${made.callbackId}`, { status: 'later' }, 'body.status'],
    ] as const) {
      const res = await patch(url, body);
      expect(res.statusCode, JSON.stringify(body)).toBe(400);
      expect(res.json().error.message).toContain(field);
    }
    expect((await patch('/api/tickets/nope', { status: 'open' })).statusCode).toBe(404);
    expect((await patch('/api/callbacks/nope', { status: 'done' })).statusCode).toBe(404);
  });

  it('signs in only with the right brand, email and password, and signs out', async () => {
    const signIn = (payload: unknown) =>
      h.app.inject({ method: 'POST', url: '/api/session', payload: payload as object });
    expect(
      (await signIn({ brandId: 'acme', email: 'staff@acme.test', password: 'wrong password' })).statusCode,
    ).toBe(401);
    expect(
      (await signIn({ brandId: 'other', email: 'staff@acme.test', password: 'correct horse battery' }))
        .statusCode,
    ).toBe(401);
    const ok = await signIn({ brandId: 'acme', email: 'STAFF@acme.test', password: 'correct horse battery' });
    expect(ok.statusCode).toBe(200);
    const [session, device] = ok.headers['set-cookie'] as string[];
    expect(session).toMatch(/^sb_session=[^;]+; Path=\/; HttpOnly; SameSite=Lax; Max-Age=43200$/);
    expect(device).toMatch(/^sb_device=[^;]+; Path=\/; HttpOnly; SameSite=Lax; Max-Age=31536000$/);
    expect((await signIn({ brandId: 'acme', email: 'staff@acme.test' })).json().error.message).toContain(
      'body.password',
    );
    const out = await h.app.inject({ method: 'DELETE', url: '/api/session', headers: { cookie } });
    expect(out.statusCode).toBe(204);
    expect(String(out.headers['set-cookie'])).toContain('Max-Age=0');
  });

  it('refuses sign-ins after repeated failures for the account', async () => {
    const signIn = (password: string) =>
      h.app.inject({
        method: 'POST',
        url: '/api/session',
        payload: { brandId: 'acme', email: 'staff@acme.test', password },
      });
    for (let i = 0; i < 5; i++) expect((await signIn('nope nope nope')).statusCode).toBe(401);
    const res = await signIn('correct horse battery');
    expect(res.statusCode).toBe(429);
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  brandKey,
  type Harness,
  msg,
  seedCall,
  staffCookie,
  startBody,
  startHarness,
} from './testing/harness.ts';

/**
 * One brand's staff and keys against another brand's data, route by route. The table must name every
 * route the app registers, so a new route cannot slip past this test.
 */
describe('brand isolation on every route', () => {
  let h: Harness;
  let other: { cookie: Record<string, string>; key: Record<string, string> };
  let acme: { conversationId: string; callSid: string; ticketId: string; callbackId: string };
  let orphanId: string;
  let acmeCookie: Record<string, string>;

  beforeAll(async () => {
    h = await startHarness({ store: 'prisma' });
    const start = startBody({ brandId: 'acme' });
    const conversationId = await seedCall(h, start, [
      msg(1, { text: 'acme secret words' }),
      // A knowledge search served by a lane whose name only acme's staff may see.
      msg(2, {
        role: 'tool',
        source: 'tool',
        text: null,
        toolName: 'get_knowledge',
        toolResult: { lane: 'acme secret words' },
      }),
    ]);
    const cb = (
      await h.app.inject({
        method: 'POST',
        url: `/internal/conversations/${start.callSid}/tickets/callback`,
        headers: h.serviceHeaders,
        payload: { phone: '+14155550123', timezone: 'UTC', reason: 'acme callback reason' },
      })
    ).json();
    acme = { conversationId, callSid: start.callSid, ticketId: cb.ticketId, callbackId: cb.callbackId };
    await h.store.analyses().saveResult(conversationId, {
      fields: {
        summary: 'acme secret words',
        sentiment: 'neutral',
        intent: 'acme secret words',
        resolution: 'resolved',
        leadScore: 5,
      },
      result: {},
      model: 'm',
      promptVersion: 'p',
      schemaVersion: 's',
    });
    acmeCookie = { cookie: await staffCookie(h, 'acme') };
    other = {
      cookie: { cookie: await staffCookie(h, 'globex') },
      key: { authorization: await brandKey(h, 'globex') },
    };
    orphanId = await seedCall(h, startBody({ brandId: undefined, botProfileKey: 'nobody-knows' }), [
      msg(1, { text: 'orphan words' }),
    ]);
  });
  afterAll(async () => {
    await h.close();
  });

  type Expect = 'not-found' | 'forbidden' | 'listed-without' | 'public';
  interface Case {
    method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';
    url: () => string;
    body?: () => object;
    form?: () => Record<string, string>;
    expect: Expect;
  }

  const cases: Record<string, Case> = {
    'POST /internal/conversations': {
      method: 'POST',
      url: () => '/internal/conversations',
      body: () => startBody(),
      expect: 'forbidden',
    },
    'POST /internal/conversations/:callSid/messages': {
      method: 'POST',
      url: () => `/internal/conversations/${acme.callSid}/messages`,
      body: () => ({ messages: [msg(9)] }),
      expect: 'forbidden',
    },
    'POST /internal/conversations/:callSid/end': {
      method: 'POST',
      url: () => `/internal/conversations/${acme.callSid}/end`,
      body: () => ({ endReason: 'x', endedAt: '2026-11-21T10:00:00Z', durationSec: 1 }),
      expect: 'forbidden',
    },
    'POST /internal/conversations/:callSid/levels': {
      method: 'POST',
      url: () => `/internal/conversations/${acme.callSid}/levels`,
      body: () => ({ windowMs: 250, caller: [0.5], agent: [0] }),
      expect: 'forbidden',
    },
    'POST /internal/conversations/:callSid/tickets/handoff': {
      method: 'POST',
      url: () => `/internal/conversations/${acme.callSid}/tickets/handoff`,
      body: () => ({ summary: 's', transcriptExcerpt: '', knowledgeChunkIds: [] }),
      expect: 'forbidden',
    },
    'POST /internal/conversations/:callSid/tickets/callback': {
      method: 'POST',
      url: () => `/internal/conversations/${acme.callSid}/tickets/callback`,
      body: () => ({ phone: '+14155550123', timezone: 'UTC', reason: 'r' }),
      expect: 'forbidden',
    },
    'POST /internal/conversations/:callSid/recording': {
      method: 'POST',
      url: () => `/internal/conversations/${acme.callSid}/recording`,
      body: () => ({
        recordingSid: `RE${'1'.repeat(32)}`,
        accountSid: `AC${'1'.repeat(32)}`,
        status: 'completed',
        durationSec: 3,
        channels: 2,
      }),
      expect: 'forbidden',
    },
    // Another brand's staff hear nothing (recordings/recordings.test.ts plays the brand's own).
    'GET /api/conversations/:id/recording': {
      method: 'GET',
      url: () => `/api/conversations/${acme.conversationId}/recording`,
      expect: 'not-found',
    },
    'DELETE /api/conversations/:id/recording': {
      method: 'DELETE',
      url: () => `/api/conversations/${acme.conversationId}/recording`,
      expect: 'not-found',
    },
    'POST /conversations/:id/recording/delete': {
      method: 'POST',
      url: () => `/conversations/${acme.conversationId}/recording/delete`,
      form: () => ({}),
      expect: 'not-found',
    },
    'POST /admin/staff': {
      method: 'POST',
      url: () => '/admin/staff',
      body: () => ({ brandId: 'acme', email: 'intruder@globex.test', password: 'long enough password' }),
      expect: 'forbidden',
    },
    'POST /admin/staff/:id/disable': {
      method: 'POST',
      url: () => '/admin/staff/00000000-0000-4000-8000-000000000000/disable',
      expect: 'forbidden',
    },
    'POST /admin/api-keys': {
      method: 'POST',
      url: () => '/admin/api-keys',
      body: () => ({ brandId: 'acme', label: 'x' }),
      expect: 'forbidden',
    },
    'PUT /admin/brands/:brandId': {
      method: 'PUT',
      url: () => '/admin/brands/acme',
      body: () => ({ slug: 'acme-taken' }),
      expect: 'forbidden',
    },
    'PUT /admin/conversations/:callSid/brand': {
      method: 'PUT',
      url: () => `/admin/conversations/${acme.callSid}/brand`,
      body: () => ({ brandId: 'globex' }),
      expect: 'forbidden',
    },
    'POST /api/session': {
      method: 'POST',
      url: () => '/api/session',
      body: () => ({ brandId: 'acme', email: 'staff@acme.test', password: 'x' }),
      expect: 'public',
    },
    'DELETE /api/session': { method: 'DELETE', url: () => '/api/session', expect: 'public' },
    // Both act on the caller's own account only.
    'DELETE /api/sessions': { method: 'DELETE', url: () => '/api/sessions', expect: 'public' },
    'POST /api/me/password': { method: 'POST', url: () => '/api/me/password', expect: 'public' },
    'GET /api/me': { method: 'GET', url: () => '/api/me', expect: 'public' },
    'GET /api/me/phone': { method: 'GET', url: () => '/api/me/phone', expect: 'public' },
    'PUT /api/me/phone': { method: 'PUT', url: () => '/api/me/phone', expect: 'public' },
    'GET /api/conversations': { method: 'GET', url: () => '/api/conversations', expect: 'listed-without' },
    'GET /api/conversations/:id': {
      method: 'GET',
      url: () => `/api/conversations/${acme.conversationId}`,
      expect: 'not-found',
    },
    'GET /api/conversations/:id/events': {
      method: 'GET',
      url: () => `/api/conversations/${acme.conversationId}/events`,
      expect: 'not-found',
    },
    // A stream of the caller's own brand; the live test shows another brand's events never reach it.
    'GET /api/events': { method: 'GET', url: () => '/api/events', expect: 'public' },
    'GET /api/tickets': { method: 'GET', url: () => '/api/tickets', expect: 'listed-without' },
    'GET /api/tickets/:id': {
      method: 'GET',
      url: () => `/api/tickets/${acme.ticketId}`,
      expect: 'not-found',
    },
    'PATCH /api/tickets/:id': {
      method: 'PATCH',
      url: () => `/api/tickets/${acme.ticketId}`,
      body: () => ({ status: 'closed' }),
      expect: 'not-found',
    },
    'GET /api/callbacks': { method: 'GET', url: () => '/api/callbacks', expect: 'listed-without' },
    'GET /api/callbacks/:id': {
      method: 'GET',
      url: () => `/api/callbacks/${acme.callbackId}`,
      expect: 'not-found',
    },
    'PATCH /api/callbacks/:id': {
      method: 'PATCH',
      url: () => `/api/callbacks/${acme.callbackId}`,
      body: () => ({ status: 'done' }),
      expect: 'not-found',
    },
    'GET /api/conversations/:id/analysis': {
      method: 'GET',
      url: () => `/api/conversations/${acme.conversationId}/analysis`,
      expect: 'not-found',
    },
    'POST /api/conversations/:id/analysis': {
      method: 'POST',
      url: () => `/api/conversations/${acme.conversationId}/analysis`,
      expect: 'not-found',
    },
    'GET /api/analyses': { method: 'GET', url: () => '/api/analyses', expect: 'listed-without' },
    'GET /api/analyses/aggregates': {
      method: 'GET',
      url: () => '/api/analyses/aggregates',
      expect: 'listed-without',
    },
    'GET /api/analyses/lanes': { method: 'GET', url: () => '/api/analyses/lanes', expect: 'listed-without' },
    'GET /analytics': { method: 'GET', url: () => '/analytics', expect: 'listed-without' },
    'GET /analytics.csv': { method: 'GET', url: () => '/analytics.csv', expect: 'listed-without' },
    // "Try your bot": the chooser offers the reader's own brand's profiles only (checked below).
    'GET /try': { method: 'GET', url: () => '/try', expect: 'listed-without' },
    // A token is minted for the reader's own brand; voice-server refuses it for another brand's
    // profile (web-call-route.test.ts), and an API key gets none (try-route.test.ts).
    'POST /try/token': {
      method: 'POST',
      url: () => '/try/token',
      body: () => ({ profileKey: 'acme-support' }),
      expect: 'public',
    },
    'POST /conversations/:id/analysis': {
      method: 'POST',
      url: () => `/conversations/${acme.conversationId}/analysis`,
      form: () => ({}),
      expect: 'not-found',
    },
    'GET /assets/:name': { method: 'GET', url: () => '/assets/app.css', expect: 'public' },
    'GET /health-check/live': { method: 'GET', url: () => '/health-check/live', expect: 'public' },
    'GET /health-check/ready': { method: 'GET', url: () => '/health-check/ready', expect: 'public' },
    'GET /metrics': { method: 'GET', url: () => '/metrics', expect: 'public' },
    'GET /': { method: 'GET', url: () => '/', expect: 'public' },
    'GET /login': { method: 'GET', url: () => '/login', expect: 'public' },
    'POST /login': {
      method: 'POST',
      url: () => '/login',
      form: () => ({ brandId: 'acme', email: 'staff@acme.test', password: 'x' }),
      expect: 'public',
    },
    'POST /logout': { method: 'POST', url: () => '/logout', expect: 'public' },
    'GET /conversations': { method: 'GET', url: () => '/conversations', expect: 'listed-without' },
    'GET /conversations/:id': {
      method: 'GET',
      url: () => `/conversations/${acme.conversationId}`,
      expect: 'not-found',
    },
    // An outbound call's link: another brand's staff are told there is no such conversation.
    'GET /conversations/by-call/:callSid': {
      method: 'GET',
      url: () => `/conversations/by-call/${acme.callSid}`,
      expect: 'not-found',
    },
    'GET /conversations/:id/live': {
      method: 'GET',
      url: () => `/conversations/${acme.conversationId}/live`,
      expect: 'not-found',
    },
    // The live monitor: acme's call is live, so acme's own list shows it (the control below).
    'GET /live': { method: 'GET', url: () => '/live', expect: 'listed-without' },
    // A stream of the reader's own brand; monitor-routes.test.ts and the e2e show another brand's calls never reach it.
    'GET /live/stream': { method: 'GET', url: () => '/live/stream', expect: 'public' },
    'POST /conversations/:id/end-call': {
      method: 'POST',
      url: () => `/conversations/${acme.conversationId}/end-call`,
      form: () => ({}),
      expect: 'not-found',
    },
    'POST /conversations/:id/transfer': {
      method: 'POST',
      url: () => `/conversations/${acme.conversationId}/transfer`,
      form: () => ({ to: '+14155550100' }),
      expect: 'not-found',
    },
    'GET /tickets': { method: 'GET', url: () => '/tickets', expect: 'listed-without' },
    'POST /tickets/:id/status': {
      method: 'POST',
      url: () => `/tickets/${acme.ticketId}/status`,
      form: () => ({ status: 'closed' }),
      expect: 'not-found',
    },
    'POST /tickets/:id/assign': {
      method: 'POST',
      url: () => `/tickets/${acme.ticketId}/assign`,
      form: () => ({}),
      expect: 'not-found',
    },
    'POST /callbacks/:id/status': {
      method: 'POST',
      url: () => `/callbacks/${acme.callbackId}/status`,
      form: () => ({ status: 'done' }),
      expect: 'not-found',
    },
  };

  it('has a case for every registered route', () => {
    expect([...h.routes].sort()).toEqual(Object.keys(cases).sort());
  });

  for (const who of ['cookie', 'key'] as const) {
    for (const [route, c] of Object.entries(cases)) {
      if (c.expect === 'public') continue;
      it(`${route} with another brand's ${who === 'cookie' ? 'staff session' : 'API key'}`, async () => {
        const res = await h.app.inject({
          method: c.method,
          url: c.url(),
          headers: {
            ...other[who],
            ...(c.form ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
          },
          ...(c.body ? { payload: c.body() } : {}),
          ...(c.form ? { payload: new URLSearchParams(c.form()).toString() } : {}),
        });
        if (c.expect === 'forbidden') expect(res.statusCode).toBe(403);
        else if (c.expect === 'not-found') expect(res.statusCode).toBe(404);
        else {
          expect(res.statusCode).toBe(200);
          expect(res.body).not.toContain(acme.conversationId);
          expect(res.body).not.toContain('acme secret words');
          expect(res.body).not.toContain('acme callback reason');
          expect(res.body).not.toContain(orphanId);
        }
        expect(res.body).not.toContain('acme secret words');
      });
    }
  }

  // The control: the same reads with acme's own session find the data, so the 404s above are about brand.
  for (const [route, c] of Object.entries(cases)) {
    if (
      c.method !== 'GET' ||
      c.expect === 'public' ||
      route.endsWith('/events') ||
      route.endsWith('/live') ||
      route.endsWith('/recording') ||
      route.includes('/by-call/') ||
      route === 'GET /try'
    )
      continue;
    it(`${route} with the owning brand's session finds the data`, async () => {
      const res = await h.app.inject({ method: 'GET', url: c.url(), headers: acmeCookie });
      expect(res.statusCode).toBe(200);
      const found = ['acme secret words', 'acme callback reason', acme.conversationId].some((t) =>
        res.body.includes(t),
      );
      expect(found).toBe(true);
    });
  }

  it("sends the owning brand's staff from an outbound call's link to its conversation", async () => {
    const res = await h.app.inject({
      method: 'GET',
      url: `/conversations/by-call/${acme.callSid}`,
      headers: acmeCookie,
    });
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe(`/conversations/${acme.conversationId}`);
  });

  it("left acme's data as it was", async () => {
    const c = await h.store.getConversation('acme', acme.conversationId);
    expect(c).toMatchObject({ brandId: 'acme', status: 'active' });
    expect((await h.store.listMessages(acme.conversationId)).map((m) => m.sequence)).toEqual([1, 2]);
    const t = await h.store.getTicket('acme', acme.ticketId);
    expect(t).toMatchObject({ status: 'open', assignee: null, callback: { status: 'scheduled' } });
    expect(await h.store.findStaffByEmail('acme', 'intruder@globex.test')).toBeNull();
  });

  it('shows a conversation without a brand to nobody', async () => {
    for (const brand of ['acme', 'globex']) {
      const page = await h.store.listConversations(brand, { limit: 50 });
      expect(page.items.map((i) => i.id)).not.toContain(orphanId);
    }
    const res = await h.app.inject({
      method: 'GET',
      url: `/api/conversations/${orphanId}`,
      headers: other.cookie,
    });
    expect(res.statusCode).toBe(404);
  });
});

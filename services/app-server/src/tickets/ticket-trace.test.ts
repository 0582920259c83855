// A ticket carries the call's Opik trace id from voice-server to staff: stored with the ticket (both
// stores), in the staff JSON API (tickets and callbacks), and as a link on every UI view of a ticket.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, staffCookie, startBody, startHarness } from '../testing/harness.ts';

const OPIK_UI = 'https://opik.example.com/acme/projects/p1/traces';
const TRACE = '0193a5c2-7d1e-7b3f-9a40-5c2d1e0f7a11';
const LINK = `href="${OPIK_UI}?trace=${TRACE}"`;

const handoff = (over: Record<string, unknown> = {}) => ({
  summary: 'Caller wants a refund',
  transcriptExcerpt: 'caller: my money back please',
  knowledgeChunkIds: [],
  transferTarget: '+14155550999',
  ...over,
});
const callback = (over: Record<string, unknown> = {}) => ({
  phone: '+14155550123',
  timezone: 'Europe/Berlin',
  reason: 'Call back about the invoice',
  ...over,
});

describe.each(['memory', 'prisma'] as const)('the trace id on tickets, %s store', (kind) => {
  let h: Harness;
  let cookie: string;
  beforeAll(async () => {
    h = await startHarness({ store: kind, opikUiUrl: OPIK_UI });
    cookie = await staffCookie(h, 'acme');
  });
  afterAll(async () => {
    await h.close();
  });

  const post = (url: string, payload: unknown) =>
    h.app.inject({ method: 'POST', url, headers: h.serviceHeaders, payload: payload as object });
  const staffGet = (url: string) => h.app.inject({ method: 'GET', url, headers: { cookie } });

  async function call(): Promise<string> {
    const start = startBody();
    expect((await post('/internal/conversations', start)).statusCode).toBe(201);
    return start.callSid;
  }

  it('keeps the trace id of hand-off and callback tickets and shows it in the staff API', async () => {
    const sid = await call();
    const h1 = await post(`/internal/conversations/${sid}/tickets/handoff`, handoff({ opikTraceId: TRACE }));
    expect(h1.statusCode).toBe(201);
    const c1 = await post(
      `/internal/conversations/${sid}/tickets/callback`,
      callback({ opikTraceId: TRACE }),
    );
    expect(c1.statusCode).toBe(201);

    const ticket = (await staffGet(`/api/tickets/${h1.json().ticketId}`)).json();
    expect(ticket).toMatchObject({ kind: 'handoff', opikTraceId: TRACE });
    const list = (await staffGet('/api/tickets?limit=100')).json();
    expect(list.items.find((t: { id: string }) => t.id === c1.json().ticketId)).toMatchObject({
      kind: 'callback',
      opikTraceId: TRACE,
    });
    const cb = (await staffGet(`/api/callbacks/${c1.json().callbackId}`)).json();
    expect(cb.ticket.opikTraceId).toBe(TRACE);
  });

  it('a ticket sent without a trace (tracing off) has null, and a repeat keeps the first one', async () => {
    const sid = await call();
    const first = await post(
      `/internal/conversations/${sid}/tickets/handoff`,
      handoff({ idempotencyKey: 'k1', opikTraceId: TRACE }),
    );
    const again = await post(
      `/internal/conversations/${sid}/tickets/handoff`,
      handoff({ idempotencyKey: 'k1', opikTraceId: 'another-trace' }),
    );
    expect(again.json().ticketId).toBe(first.json().ticketId);
    expect((await staffGet(`/api/tickets/${first.json().ticketId}`)).json().opikTraceId).toBe(TRACE);
    const none = await post(`/internal/conversations/${sid}/tickets/callback`, callback());
    expect((await staffGet(`/api/tickets/${none.json().ticketId}`)).json().opikTraceId).toBeNull();
  });

  it('links each ticket to its trace on the tickets page and the conversation page', async () => {
    const sid = await call();
    const made = await post(
      `/internal/conversations/${sid}/tickets/callback`,
      callback({ opikTraceId: TRACE, reason: 'Traced callback' }),
    );
    const page = (await staffGet('/tickets')).body;
    const card = page.slice(page.indexOf(`data-ticket-id="${made.json().ticketId}"`));
    expect(card.slice(0, card.indexOf('</article>'))).toContain(LINK);

    const conversation = await h.store.findConversationByCallSid(sid);
    const view = (await staffGet(`/conversations/${conversation!.id}`)).body;
    const panel = view.slice(view.indexOf('id="tickets-panel"'));
    expect(panel).toContain(LINK);
    expect(panel).toContain('rel="noopener noreferrer"');
  });

  it('refuses a bad trace id with a 400 naming it, never a 5xx (fast-check)', async () => {
    const sid = await call();
    // (Numbers and booleans are coerced to strings by Fastify's validator, as for every string field.)
    const bad = fc.oneof(
      fc.constant(''),
      fc.string({ minLength: 201, maxLength: 260 }),
      fc.constant(null),
      fc.dictionary(fc.string(), fc.string()),
      fc.array(fc.string(), { minLength: 2, maxLength: 4 }),
    );
    await fc.assert(
      fc.asyncProperty(bad, fc.boolean(), async (opikTraceId, isHandoff) => {
        const res = isHandoff
          ? await post(`/internal/conversations/${sid}/tickets/handoff`, handoff({ opikTraceId }))
          : await post(`/internal/conversations/${sid}/tickets/callback`, callback({ opikTraceId }));
        expect(res.statusCode).toBe(400);
        expect(res.json().error.message).toContain('opikTraceId');
      }),
      { numRuns: 30 },
    );
    // Any string the schema admits is stored as sent or refused with a 4xx (text Postgres cannot hold).
    await fc.assert(
      fc.asyncProperty(fc.string({ minLength: 1, maxLength: 200, unit: 'binary' }), async (opikTraceId) => {
        const res = await post(`/internal/conversations/${sid}/tickets/handoff`, handoff({ opikTraceId }));
        expect(res.statusCode).toBeLessThan(500);
        if (res.statusCode === 201) {
          const stored = (await staffGet(`/api/tickets/${res.json().ticketId}`)).json();
          expect(stored.opikTraceId).toBe(opikTraceId);
        }
      }),
      { numRuns: 30 },
    );
  });
});

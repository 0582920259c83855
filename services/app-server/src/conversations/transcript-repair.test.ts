// A transcript message app-server cannot store as sent is stored repaired with a note, never dropped,
// and never fails the rest of its batch.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, msg, seedCall, staffCookie, startBody, startHarness } from '../testing/harness.ts';

const deep = (n: number) => `${'{"a":'.repeat(n)}1${'}'.repeat(n)}`;

for (const store of ['memory', 'prisma'] as const) {
  describe(`transcript sync keeps every message (${store} store)`, () => {
    let h: Harness;
    let cookie: string;
    beforeAll(async () => {
      h = await startHarness({ store });
      cookie = await staffCookie(h, 'acme');
    });
    afterAll(async () => {
      await h.close();
    });

    it('stores NUL, lone surrogates, 10k-deep tool results, huge text and year-0000 times repaired, with notes', async () => {
      const start = startBody();
      const id = await seedCall(h, start);
      const messages = [
        msg(1, { text: 'fine' }),
        msg(2, { role: 'tool', source: 'tool', toolName: 'order_status', text: null }),
        msg(3, { text: 'caller said \u0000 and \uD800' }),
        msg(4, { text: 'x'.repeat(150_000) }),
        msg(5, { startedAt: '0000-01-01T00:00:00Z' }),
        msg(6, { text: 'after the bad ones' }),
      ];
      const body = JSON.stringify({ messages }).replace(
        '"toolName":"order_status"',
        `"toolName":"order_status","toolResult":${deep(10_000)},"toolArguments":{"id":"a\\u0000b"}`,
      );
      const res = await h.app.inject({
        method: 'POST',
        url: `/internal/conversations/${start.callSid}/messages`,
        headers: { ...h.serviceHeaders, 'content-type': 'application/json' },
        payload: body,
      });
      expect(res.statusCode, res.body).toBe(200);
      expect(res.json()).toEqual({ stored: 6 });

      const view = (await h.app.inject({ url: `/api/conversations/${id}`, headers: { cookie } })).json();
      const bySeq = new Map(view.messages.map((m: { sequence: number }) => [m.sequence, m]));
      expect(view.messages).toHaveLength(6);
      expect(bySeq.get(1)).toMatchObject({ text: 'fine', sanitized: [] });
      expect(bySeq.get(2)).toMatchObject({
        toolResult: { sanitized: 'nested deeper than 32 levels; not kept' },
        toolArguments: { id: 'ab' },
        sanitized: expect.arrayContaining([
          'toolArguments: 1 NUL character(s) removed',
          'toolResult: nested deeper than 32 levels; not kept',
        ]),
      });
      expect(bySeq.get(3)).toMatchObject({
        text: 'caller said  and \uFFFD',
        sanitized: ['text: 1 NUL character(s) removed, 1 unpaired surrogate(s) replaced'],
      });
      expect((bySeq.get(4) as { text: string }).text).toHaveLength(100_000);
      expect((bySeq.get(4) as { sanitized: string[] }).sanitized).toEqual([
        'text: 150000 characters; the first 100000 kept',
      ]);
      expect(bySeq.get(5)).toMatchObject({
        sanitized: ['startedAt: out of range; the time it arrived is used'],
      });
      expect(bySeq.get(6)).toMatchObject({ text: 'after the bad ones', sanitized: [] });
    });
  });
}

describe('dates, numbers and cursors are range-checked, never trusted', () => {
  let h: Harness;
  let cookie: string;
  beforeAll(async () => {
    h = await startHarness({ store: 'prisma' });
    cookie = await staffCookie(h, 'acme');
  });
  afterAll(async () => {
    await h.close();
  });

  it('answers 400 naming the field for year-0000 dates, huge limits and forged cursors', async () => {
    const forged = (raw: string) => Buffer.from(raw).toString('base64url');
    for (const [query, field] of [
      ['from=0000-01-01', 'querystring.from'],
      ['to=0000-01-01T00:00:00Z', 'querystring.to'],
      ['limit=Infinity', 'querystring.limit'],
      ['limit=1e400', 'querystring.limit'],
      [`cursor=${forged('-271821-04-20T00:00:00.000Z|x')}`, 'querystring.cursor'],
      [`cursor=${forged('2026-01-01T00:00:00.000Z|\u0000')}`, 'querystring.cursor'],
      ['cursor=%00', 'querystring.cursor'],
    ] as const) {
      for (const path of ['/api/conversations', '/api/tickets', '/api/callbacks']) {
        if (path !== '/api/conversations' && field !== 'querystring.limit' && field !== 'querystring.cursor')
          continue;
        const res = await h.app.inject({ url: `${path}?${query}`, headers: { cookie } });
        expect(res.statusCode, `${path}?${query}`).toBe(400);
        expect(res.json().error.message.startsWith(field), res.body).toBe(true);
      }
    }
  });

  it('refuses year-0000 date-times in the internal write bodies, naming the field', async () => {
    const start = startBody({ startedAt: '0000-01-01T00:00:00Z' });
    const res = await h.app.inject({
      method: 'POST',
      url: '/internal/conversations',
      headers: h.serviceHeaders,
      payload: start,
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.message).toMatch(/^body\.startedAt /);
    const ok = startBody();
    await seedCall(h, ok);
    for (const [url, payload, field] of [
      [
        `/internal/conversations/${ok.callSid}/end`,
        { endReason: 'x', endedAt: '0000-01-01T00:00:00Z', durationSec: 1 },
        'body.endedAt',
      ],
      [
        `/internal/conversations/${ok.callSid}/tickets/callback`,
        { phone: '+14155550123', timezone: 'UTC', reason: 'r', windowStart: '0000-01-01T00:00:00Z' },
        'body.windowStart',
      ],
    ] as const) {
      const r = await h.app.inject({ method: 'POST', url, headers: h.serviceHeaders, payload });
      expect(r.statusCode, url).toBe(400);
      expect(r.json().error.message.startsWith(field)).toBe(true);
    }
  });
});

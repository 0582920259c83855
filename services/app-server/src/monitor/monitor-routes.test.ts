import type { StaffActor } from '@switchboard/service-kit/clients/app-server';
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  brandKey,
  type Harness,
  seedCall,
  staffCookie,
  startBody,
  startHarness,
} from '../testing/harness.ts';
import { SseReader } from '../testing/sse-reader.ts';
import { type CallControl, type ControlOutcome, httpCallControl } from './call-control.ts';
import { e164 } from './routes.ts';

const FORM = { 'content-type': 'application/x-www-form-urlencoded' };
const CONTROL_URL = 'http://10.0.3.7:8080';

/** A voice-server stand-in: records what it was asked, answers `outcome`. */
function fakeControl() {
  const asked: Array<{ action: string; url: string; callSid: string; to?: string; staff: StaffActor }> = [];
  let outcome: ControlOutcome = { ok: true };
  const control: CallControl = {
    async end(url, callSid, staff) {
      asked.push({ action: 'end', url, callSid, staff });
      return outcome;
    },
    async transfer(url, callSid, to, staff) {
      asked.push({ action: 'transfer', url, callSid, to, staff });
      return outcome;
    },
  };
  return {
    control,
    asked,
    answer(next: ControlOutcome) {
      outcome = next;
    },
  };
}

describe('live monitor routes', () => {
  let h: Harness;
  let fake: ReturnType<typeof fakeControl>;
  let acme: string;
  let globex: string;

  beforeEach(async () => {
    fake = fakeControl();
    h = await startHarness({ callControl: fake.control });
    acme = await staffCookie(h, 'acme', 'dana@acme.test');
    globex = await staffCookie(h, 'globex', 'gus@globex.test');
  });
  afterEach(async () => {
    await h.close();
  });

  const liveCall = async (over: Parameters<typeof startBody>[0] = {}) => {
    const start = startBody({ controlUrl: CONTROL_URL, startedAt: new Date().toISOString(), ...over });
    return { start, id: await seedCall(h, start) };
  };
  const post = (url: string, cookie: string, body = '', headers: Record<string, string> = {}) =>
    h.app.inject({ method: 'POST', url, headers: { cookie, ...FORM, ...headers }, payload: body });

  it("lists the brand's live calls, number masked, and none of another brand's", async () => {
    const { id } = await liveCall({ callerNumber: '+14155550142', direction: 'outbound' });
    const ended = await liveCall({ callerNumber: '+14155550999' });
    await h.app.inject({
      method: 'POST',
      url: `/internal/conversations/${ended.start.callSid}/end`,
      headers: h.serviceHeaders,
      payload: { endReason: 'caller_hangup', endedAt: new Date().toISOString(), durationSec: 3 },
    });
    const page = await h.app.inject({ method: 'GET', url: '/live', headers: { cookie: acme } });
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain(`id="live-${id}"`);
    expect(page.body).toContain('+1******0142');
    expect(page.body).not.toContain('+14155550142');
    expect(page.body).toContain('Outbound');
    expect(page.body).not.toContain(ended.id);

    const other = await h.app.inject({ method: 'GET', url: '/live', headers: { cookie: globex } });
    expect(other.body).not.toContain(id);
    expect(other.body).toContain('No calls in progress.');
  });

  it('ends a live call through the voice-server holding it, logging the staff id (not the email)', async () => {
    const { start, id } = await liveCall();
    const page = await h.app.inject({
      method: 'GET',
      url: `/conversations/${id}`,
      headers: { cookie: acme },
    });
    expect(page.body).toContain(`action="/conversations/${id}/end-call"`);

    const res = await post(`/conversations/${id}/end-call`, acme);
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe(`/conversations/${id}?monitor=ending`);
    expect(fake.asked).toEqual([
      {
        action: 'end',
        url: CONTROL_URL,
        callSid: start.callSid,
        staff: { staffId: expect.any(String), staffName: 'Staff of acme' },
      },
    ]);
    const line = h.logs.lines.map((l) => JSON.parse(l)).find((l) => l.action === 'end_call');
    expect(line).toMatchObject({ staffId: fake.asked[0]!.staff.staffId, outcome: 'ending' });
    expect(h.logs.text).not.toContain('dana@acme.test');
    const after = await h.app.inject({
      method: 'GET',
      url: res.headers.location!,
      headers: { cookie: acme },
    });
    expect(after.body).toContain('Ending the call: the agent is saying goodbye.');
  });

  it("refuses another brand's staff: no page, no stream, no action", async () => {
    const { id } = await liveCall();
    for (const [method, url] of [
      ['GET', `/conversations/${id}`],
      ['GET', `/conversations/${id}/live`],
      ['POST', `/conversations/${id}/end-call`],
      ['POST', `/conversations/${id}/transfer`],
    ] as const) {
      const res = await h.app.inject({
        method,
        url,
        headers: { cookie: globex, ...FORM },
        payload: method === 'POST' ? 'to=%2B14155550100' : undefined,
      });
      expect(res.statusCode, `${method} ${url}`).toBe(404);
    }
    expect(fake.asked).toEqual([]);
  });

  it('refuses a cross-site form post and a visitor without a session', async () => {
    const { id } = await liveCall();
    const foreign = await post(`/conversations/${id}/end-call`, acme, '', { origin: 'https://evil.example' });
    expect(foreign.statusCode).toBe(403);
    const anonymous = await h.app.inject({
      method: 'POST',
      url: `/conversations/${id}/end-call`,
      headers: FORM,
    });
    expect(anonymous.statusCode).toBe(401);
    // The brand's own API key is not a staff member: no action in anyone's name.
    const key = await brandKey(h, 'acme');
    const byKey = await h.app.inject({
      method: 'POST',
      url: `/conversations/${id}/end-call`,
      headers: { authorization: key, ...FORM },
    });
    expect([401, 403]).toContain(byKey.statusCode);
    expect(fake.asked).toEqual([]);
  });

  it('says the call has ended when it is over, or when its voice-server no longer holds it', async () => {
    const { start, id } = await liveCall();
    fake.answer({ ok: false, reason: 'gone' });
    const gone = await post(`/conversations/${id}/end-call`, acme);
    expect(gone.headers.location).toBe(`/conversations/${id}?monitor=gone`);
    await h.app.inject({
      method: 'POST',
      url: `/internal/conversations/${start.callSid}/end`,
      headers: h.serviceHeaders,
      payload: { endReason: 'caller_hangup', endedAt: new Date().toISOString(), durationSec: 3 },
    });
    const over = await post(`/conversations/${id}/end-call`, acme);
    expect(over.headers.location).toBe(`/conversations/${id}?monitor=gone`);
    expect(fake.asked).toHaveLength(1); // the ended call was not sent on
  });

  it('transfers only to a number that is E.164 once spaces and dashes are taken out', async () => {
    const { id } = await liveCall();
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.string({ maxLength: 30 }),
          fc.stringMatching(/^\+[0-9 ()-]{0,20}$/),
          fc.stringMatching(/^\+[1-9][0-9]{6,14}$/),
        ),
        async (to) => {
          const before = fake.asked.length;
          const res = await post(
            `/conversations/${id}/transfer`,
            acme,
            new URLSearchParams({ to }).toString(),
          );
          const number = e164(to);
          if (number === undefined) {
            expect(res.statusCode).toBe(400);
            expect(fake.asked.length).toBe(before);
          } else {
            expect(number).toMatch(/^\+[1-9]\d{6,14}$/);
            expect(res.statusCode).toBe(303);
            expect(fake.asked.at(-1)).toMatchObject({ action: 'transfer', to: number });
          }
        },
      ),
      { numRuns: 80 },
    );
  });

  it('never fails on whatever form body an action gets', async () => {
    const { id } = await liveCall();
    await fc.assert(
      fc.asyncProperty(
        fc.dictionary(fc.string({ maxLength: 10 }), fc.string({ maxLength: 60 }), { maxKeys: 4 }),
        fc.constantFrom('end-call', 'transfer'),
        async (fields, action) => {
          const res = await post(
            `/conversations/${id}/${action}`,
            acme,
            new URLSearchParams(fields).toString(),
          );
          expect([303, 400]).toContain(res.statusCode);
        },
      ),
      { numRuns: 60 },
    );
  });

  it('maps a refused transfer to what staff can do about it', async () => {
    const { id } = await liveCall();
    fake.answer({ ok: false, reason: 'failed', status: 409, message: 'no caller ID' });
    const res = await post(`/conversations/${id}/transfer`, acme, 'to=%2B44%2020%207123%204567');
    expect(res.headers.location).toBe(`/conversations/${id}?monitor=no-caller-id`);
    expect(fake.asked.at(-1)).toMatchObject({ to: '+442071234567' });
    const page = await h.app.inject({ method: 'GET', url: res.headers.location!, headers: { cookie: acme } });
    expect(page.body).toContain('no caller ID to show');
  });

  it('passes a live call’s audio levels to its stream, and refuses malformed ones', async () => {
    const { start, id } = await liveCall();
    const base = await h.app.listen({ host: '127.0.0.1', port: 0 });
    const reader = await SseReader.open(`${base}/conversations/${id}/live`, { cookie: acme });
    await reader.next((e) => e.event === 'ready');
    const levels = { windowMs: 250, caller: [0.1, 0.4, 0, 0.2], agent: [0, 0, 0.3, 0.5] };
    const sent = await h.app.inject({
      method: 'POST',
      url: `/internal/conversations/${start.callSid}/levels`,
      headers: h.serviceHeaders,
      payload: levels,
    });
    expect(sent.json()).toEqual({ live: true });
    expect((await reader.next((e) => e.event === 'levels')).data).toEqual(levels);
    reader.close();

    await fc.assert(
      fc.asyncProperty(
        fc.record({
          windowMs: fc.oneof(fc.integer(), fc.string()),
          caller: fc.array(fc.oneof(fc.double(), fc.string()), { maxLength: 50 }),
          agent: fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 4 }),
        }),
        async (body) => {
          const valid =
            typeof body.windowMs === 'number' &&
            body.windowMs >= 20 &&
            body.windowMs <= 5000 &&
            body.caller.length <= 40 &&
            body.caller.every((x) => typeof x === 'number' && x >= 0 && x <= 1);
          const res = await h.app.inject({
            method: 'POST',
            url: `/internal/conversations/${start.callSid}/levels`,
            headers: h.serviceHeaders,
            payload: body,
          });
          expect(res.statusCode).toBe(valid ? 200 : 400);
        },
      ),
      { numRuns: 60 },
    );
  });

  it('refuses a control URL that is not http(s)', async () => {
    for (const controlUrl of ['javascript:alert(1)', 'file:///etc/passwd', 'http://', 'ftp://x']) {
      const res = await h.app.inject({
        method: 'POST',
        url: '/internal/conversations',
        headers: h.serviceHeaders,
        payload: startBody({ controlUrl }),
      });
      expect(res.statusCode, controlUrl).toBe(400);
    }
  });
});

describe('httpCallControl', () => {
  const answering = (status: number, body: unknown) => {
    const seen: Array<{ url: string; auth: string | null; body: unknown }> = [];
    const fetchImpl = (async (url: URL, init: RequestInit) => {
      seen.push({
        url: String(url),
        auth: new Headers(init.headers).get('authorization'),
        body: JSON.parse(String(init.body)),
      });
      return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
    }) as unknown as typeof fetch;
    return { seen, control: httpCallControl({ serviceToken: 'svc', fetch: fetchImpl }) };
  };
  const staff = { staffId: 's-1', staffName: 'Dana' };

  it('posts to the instance with the service token, and reads 404 as "the call is gone"', async () => {
    const ok = answering(202, { status: 'ending' });
    expect(await ok.control.end('http://10.0.0.9:8080/', 'CA1', staff)).toEqual({ ok: true });
    expect(ok.seen).toEqual([
      { url: 'http://10.0.0.9:8080/internal/calls/CA1/end', auth: 'Bearer svc', body: staff },
    ]);
    const gone = answering(404, { error: { code: 'NOT_FOUND', message: 'no such call' } });
    expect(await gone.control.transfer('http://10.0.0.9:8080', 'CA1', '+14155550100', staff)).toEqual({
      ok: false,
      reason: 'gone',
    });
    expect(gone.seen[0]!.body).toEqual({ ...staff, to: '+14155550100' });
    const refused = answering(409, { error: { code: 'CONFLICT', message: 'no caller ID' } });
    expect(await refused.control.transfer('http://x', 'CA1', '+14155550100', staff)).toMatchObject({
      ok: false,
      reason: 'failed',
      status: 409,
    });
  });
});

import fc from 'fast-check';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { brand, profileBody, service, startTestApp, type TestApp } from '../testing/test-app.ts';
import type { PlaceCallRequest, PlaceCallResult } from './dialer.ts';

/** A Monday, 12:00 in New York. */
const NOW = new Date('2026-12-07T17:00:00Z');
const CALLER_ID = '+18005550100';
const CALLEE = '+14155550199';
const OUTCOME_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  required: ['price', 'currency'],
  properties: { price: { type: 'number' }, currency: { type: 'string' }, availableFrom: { type: 'string' } },
};

let t: TestApp;
let key: string;
let brandId: string;
let otherKey: string;
const placed: PlaceCallRequest[] = [];
let nextResult: () => PlaceCallResult;
let sidCounter = 0;
const newSid = () => `CA${String(++sidCounter).padStart(32, '0')}`;
const MAX_CONCURRENT = 2;

beforeAll(async () => {
  t = await startTestApp({
    now: () => NOW,
    outbound: {
      dialer: {
        async place(req) {
          placed.push(req);
          return nextResult();
        },
      },
      maxConcurrentPerBrand: MAX_CONCURRENT,
      retryPollMs: 100,
      conversationsUrl: 'https://app.example.com',
    },
  });
  ({ apiKey: key, brandId } = await t.createBrand('Painters'));
  ({ apiKey: otherKey } = await t.createBrand('Other'));
  const res = await t.app.inject({
    method: 'POST',
    url: '/admin/profiles',
    headers: brand(key),
    payload: profileBody('quotes', { outboundCallerId: CALLER_ID, voicemailMessage: 'Please call us back.' }),
  });
  expect(res.statusCode).toBe(201);
  await t.app.inject({
    method: 'POST',
    url: '/admin/profiles',
    headers: brand(key),
    payload: profileBody('no-caller-id'),
  });
  const retrying = await t.app.inject({
    method: 'POST',
    url: '/admin/profiles',
    headers: brand(key),
    payload: profileBody('retrying', {
      outboundCallerId: CALLER_ID,
      outboundRetry: { attempts: 2, backoffSec: 1 },
    }),
  });
  expect(retrying.statusCode).toBe(201);
}, 60_000);
afterAll(() => t?.close());
beforeEach(async () => {
  placed.length = 0;
  // Each test starts with no call under way.
  await t.db.prisma.outboundCall.updateMany({ data: { status: 'completed' } });
  nextResult = () => ({ ok: true, callSid: newSid(), status: 'queued' });
});

let keyCounter = 0;
const body = (overrides: Record<string, unknown> = {}) => ({
  to: CALLEE,
  profileKey: 'quotes',
  task: 'Ask for a quote to repaint a two-bedroom flat.',
  context: { flatSize: '2 bedrooms', city: 'Leeds' },
  outcomeSchema: OUTCOME_SCHEMA,
  idempotencyKey: `k-${++keyCounter}`,
  ...overrides,
});
const post = (payload: unknown, apiKey = key) =>
  t.app.inject({
    method: 'POST',
    url: '/admin/outbound-calls',
    headers: brand(apiKey),
    payload: payload as object,
  });
const get = (id: string, apiKey = key) =>
  t.app.inject({ method: 'GET', url: `/admin/outbound-calls/${id}`, headers: brand(apiKey) });
const event = (id: string, payload: Record<string, unknown>) =>
  t.app.inject({ method: 'POST', url: `/internal/outbound-calls/${id}/events`, headers: service, payload });

describe('POST /admin/outbound-calls', () => {
  it('places the call from the profile caller ID and answers at once with its id', async () => {
    const res = await post(body());
    expect(res.statusCode).toBe(201);
    const call = res.json();
    expect(call).toMatchObject({ status: 'queued', to: CALLEE, from: CALLER_ID, profileKey: 'quotes' });
    expect(call.callSid).toMatch(/^CA/);
    expect(call.conversation.url).toBe(`https://app.example.com/conversations/by-call/${call.callSid}`);
    expect(placed).toEqual([
      {
        outboundCallId: call.id,
        to: CALLEE,
        from: CALLER_ID,
        // The profile has a voicemail message: AMD waits for the greeting's end.
        machineDetection: 'DetectMessageEnd',
        timeoutSec: 30,
      },
    ]);
    expect((await get(call.id)).json()).toMatchObject({ id: call.id, status: 'queued' });
    expect((await get(call.id, otherKey)).statusCode).toBe(404);
  });

  it('answers a repeated idempotency key with the same call, placed once', async () => {
    const b = body();
    const first = await post(b);
    const again = await post(b);
    expect(again.statusCode).toBe(200);
    expect(again.json().id).toBe(first.json().id);
    expect(placed).toHaveLength(1);
    const reused = await post({ ...b, task: 'Something else' });
    expect(reused.statusCode).toBe(409);
    expect(reused.json().error.code).toBe('IDEMPOTENCY_KEY_REUSED');
  });

  it('refuses each rule with a 4xx naming it', async () => {
    const cases: Array<[Record<string, unknown>, number, string, RegExp]> = [
      [{ to: '0114155550199' }, 400, 'BAD_REQUEST', /to/],
      [{ profileKey: 'no-caller-id' }, 422, 'NO_CALLER_ID', /outboundCallerId/],
      [{ calleeTimezone: 'Asia/Tokyo' }, 422, 'OUTSIDE_CALLING_HOURS', /calling hours: it is 02:00/],
      [{ to: '+81312345678' }, 422, 'OUTSIDE_CALLING_HOURS', /Asia\/Tokyo, from the number/],
      [{ outcomeSchema: { type: 'array' } }, 400, 'INVALID_OUTBOUND_CALL', /outcomeSchema/],
      [{ calleeTimezone: 'Mars/Olympus' }, 400, 'INVALID_OUTBOUND_CALL', /calleeTimezone/],
      [{ profileKey: 'missing' }, 404, 'PROFILE_NOT_FOUND', /missing/],
    ];
    for (const [overrides, status, code, message] of cases) {
      const res = await post(body(overrides));
      expect([res.statusCode, res.json().error.code], JSON.stringify(overrides)).toEqual([status, code]);
      expect(res.json().error.message).toMatch(message);
    }
    expect(placed).toEqual([]);
  });

  it('never calls a number on the brand’s do-not-call list', async () => {
    const dnc = (method: 'GET' | 'POST' | 'DELETE', url: string, payload?: object, apiKey = key) =>
      t.app.inject({ method, url, headers: brand(apiKey), ...(payload ? { payload } : {}) });
    expect((await dnc('POST', '/admin/do-not-call', { numbers: [CALLEE, CALLEE] })).json()).toEqual({
      added: 1,
    });
    const refused = await post(body());
    expect(refused.statusCode).toBe(422);
    expect(refused.json().error).toMatchObject({
      code: 'DO_NOT_CALL',
      message: expect.stringMatching(/do-not-call list/),
    });
    // Another brand's list is its own.
    expect((await dnc('GET', '/admin/do-not-call', undefined, otherKey)).json()).toEqual({ numbers: [] });
    expect((await dnc('DELETE', `/admin/do-not-call/${encodeURIComponent(CALLEE)}`)).statusCode).toBe(204);
    expect((await dnc('DELETE', `/admin/do-not-call/${encodeURIComponent(CALLEE)}`)).statusCode).toBe(404);
    expect((await post(body())).statusCode).toBe(201);
    expect(placed).toHaveLength(1);
  });

  it('holds a brand to its concurrency limit', async () => {
    expect((await post(body())).statusCode).toBe(201);
    expect((await post(body())).statusCode).toBe(201);
    const refused = await post(body());
    expect(refused.statusCode).toBe(429);
    expect(refused.json().error.message).toMatch(/concurrency limit: 2 outbound calls/);
    expect(placed).toHaveLength(2);
  });

  it('passes Twilio’s refusal on with its code, and keeps the call as failed', async () => {
    nextResult = () => ({
      ok: false,
      refused: true,
      twilioCode: 21211,
      message: "Invalid 'To' Phone Number",
    });
    const res = await post(body({ to: '+12005550100' }));
    expect(res.statusCode).toBe(400);
    expect(res.json().error).toMatchObject({ code: 'TWILIO_REFUSED', details: { twilioCode: 21211 } });
    const view = (await get(res.json().error.details.outboundCallId)).json();
    expect(view).toMatchObject({ status: 'failed', error: { twilioCode: 21211 } });
  });

  it('never answers a 5xx to a hostile body (property)', async () => {
    nextResult = () => ({ ok: false, refused: true, twilioCode: 21211, message: 'no' });
    await fc.assert(
      fc.asyncProperty(
        fc.record(
          {
            to: fc.oneof(fc.string(), fc.constant(CALLEE), fc.integer()),
            profileKey: fc.oneof(fc.string(), fc.constant('quotes')),
            task: fc.oneof(fc.string(), fc.constant('\u0000')),
            idempotencyKey: fc.string(),
            context: fc.oneof(fc.object(), fc.dictionary(fc.string(), fc.string())),
            outcomeSchema: fc.oneof(
              fc.object(),
              fc.constant({ type: 'object', properties: { a: { type: 'nope' } } }),
            ),
            calleeTimezone: fc.string(),
          },
          { requiredKeys: [] },
        ),
        async (payload) => {
          const res = await post(payload);
          expect(res.statusCode).toBeLessThan(500);
        },
      ),
      { numRuns: 80 },
    );
  });
});

describe('voice-server reports and the call path', () => {
  it('moves the status forward only, keeps the final one, and answers the voicemail message', async () => {
    const call = (await post(body())).json();
    const sid = call.callSid as string;
    expect((await event(call.id, { callSid: sid, status: 'ringing' })).json()).toMatchObject({
      status: 'ringing',
      voicemailMessage: 'Please call us back.',
    });
    await event(call.id, { callSid: sid, status: 'in-progress', answeredBy: 'human' });
    await event(call.id, { callSid: sid, status: 'ringing' });
    expect((await get(call.id)).json()).toMatchObject({ status: 'in-progress', answeredBy: 'human' });
    await event(call.id, { callSid: sid, status: 'completed', durationSec: 42 });
    await event(call.id, { callSid: sid, status: 'failed' });
    expect((await get(call.id)).json()).toMatchObject({ status: 'completed', durationSec: 42 });
    const other = await event(call.id, { callSid: `CA${'f'.repeat(32)}`, status: 'busy' });
    expect(other.statusCode).toBe(409);
  });

  it('tries a busy call again after the profile’s back-off, then keeps the last try’s status', async () => {
    const call = (await post(body({ profileKey: 'retrying' }))).json();
    const first = call.callSid as string;
    await event(call.id, { callSid: first, status: 'ringing' });
    await event(call.id, { callSid: first, status: 'busy' });
    const waiting = (await get(call.id)).json();
    expect(waiting).toMatchObject({ status: 'queued', attempt: 2, callSid: null });
    expect(Date.parse(waiting.nextAttemptAt) - Date.now()).toBeGreaterThan(0);
    const deadline = Date.now() + 10_000;
    let again = waiting;
    while (!again.callSid && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
      again = (await get(call.id)).json();
    }
    expect(again.callSid).toMatch(/^CA/);
    expect(again.callSid).not.toBe(first);
    expect(placed).toHaveLength(2);
    // A late callback of the first try changes nothing.
    expect((await event(call.id, { callSid: first, status: 'completed' })).statusCode).toBe(200);
    expect((await get(call.id)).json()).toMatchObject({ status: 'queued', callSid: again.callSid });
    await event(call.id, { callSid: again.callSid, status: 'no-answer' });
    const final = (await get(call.id)).json();
    expect(final).toMatchObject({ status: 'no-answer', attempt: 2, nextAttemptAt: null });
    expect(final.previousAttempts).toEqual([{ callSid: first, status: 'busy', endedAt: expect.any(String) }]);
    expect(placed).toHaveLength(2);
  });

  it('gives the call its task, context and outcome tool, and stores a valid outcome', async () => {
    const call = (await post(body())).json();
    const sid = call.callSid as string;
    const prompt = await t.app.inject({
      method: 'POST',
      url: `/internal/profiles/${encodeURIComponent('quotes')}/system-prompt`,
      headers: service,
      payload: { callerNumber: CALLEE, isSip: false, callSid: sid },
    });
    const p = prompt.json();
    expect(p.instructions).toContain('Ask for a quote to repaint a two-bedroom flat.');
    expect(p.instructions).toContain('- city: Leeds');
    expect(p.outbound).toMatchObject({ outboundCallId: call.id, tools: [{ name: 'record_call_outcome' }] });
    expect(p.outbound.tools[0].parameters).toEqual(OUTCOME_SCHEMA);

    const run = (args: unknown) =>
      t.app.inject({
        method: 'POST',
        url: '/voiceagent/execute_tool/',
        headers: service,
        payload: { profileKey: 'quotes', name: 'record_call_outcome', arguments: args, callSid: sid },
      });
    const bad = (await run({ price: 'four hundred' })).json();
    expect(bad).toMatchObject({ ok: false, error: { code: 'INVALID_ARGUMENTS' } });
    expect(bad.error.message).toMatch(/currency is required|price must be number/);
    expect((await get(call.id)).json().outcome).toBeNull();
    const good = (
      await run(JSON.stringify({ price: 450, currency: 'GBP', availableFrom: '2027-01-04' }))
    ).json();
    expect(good).toMatchObject({ ok: true, result: { recorded: true } });
    expect((await get(call.id)).json().outcome).toEqual({
      price: 450,
      currency: 'GBP',
      availableFrom: '2027-01-04',
    });
  });

  it('leaves an inbound call’s prompt alone', async () => {
    const prompt = await t.app.inject({
      method: 'POST',
      url: '/internal/profiles/quotes/system-prompt',
      headers: service,
      payload: { callerNumber: CALLEE, isSip: false, callSid: `CA${'e'.repeat(32)}` },
    });
    expect(prompt.json().outbound).toBeUndefined();
    expect(prompt.json().instructions).not.toContain('# This call');
  });

  it('never answers a 5xx to a hostile report (property)', async () => {
    const call = (await post(body())).json();
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(fc.constant(call.id as string), fc.uuid()),
        fc.record(
          {
            callSid: fc.oneof(fc.string(), fc.constant(call.callSid as string)),
            status: fc.oneof(fc.string(), fc.constantFrom('ringing', 'completed', 'busy')),
            answeredBy: fc.string(),
            durationSec: fc.oneof(fc.integer(), fc.double()),
            voicemail: fc.string(),
          },
          { requiredKeys: [] },
        ),
        async (id, payload) => {
          expect((await event(id, payload)).statusCode).toBeLessThan(500);
        },
      ),
      { numRuns: 80 },
    );
  });
});

describe('POST /internal/outbound-calls (booked callbacks)', () => {
  const internal = (payload: Record<string, unknown>, headers: Record<string, string> = service) =>
    t.app.inject({ method: 'POST', url: '/internal/outbound-calls', headers, payload });

  it('admits the service token only: a brand key or no token is refused before the call is placed', async () => {
    const b = { ...body(), brandId };
    expect((await internal(b, brand(key))).statusCode).toBe(401);
    expect((await internal(b, {})).statusCode).toBe(401);
    expect(placed).toHaveLength(0);
  });

  it("places the call for the named brand, once per idempotency key, visible on the brand's own route", async () => {
    const b = { ...body({ idempotencyKey: 'callback:cb-1', task: 'Call back about: a leak' }), brandId };
    const first = await internal(b);
    expect(first.statusCode).toBe(201);
    const again = await internal(b);
    expect(again.statusCode).toBe(200);
    expect(again.json().id).toBe(first.json().id);
    expect(placed).toHaveLength(1);
    expect((await get(first.json().id)).json()).toMatchObject({ profileKey: 'quotes', to: CALLEE });
    expect((await get(first.json().id, otherKey)).statusCode).toBe(404);
  });

  it("applies the brand's rules: a do-not-call number is refused with its code", async () => {
    const number = '+14155550142';
    const dnc = await t.app.inject({
      method: 'POST',
      url: '/admin/do-not-call',
      headers: brand(key),
      payload: { numbers: [number] },
    });
    expect(dnc.statusCode).toBeLessThan(300);
    const res = await internal({ ...body({ to: number }), brandId });
    expect(res.statusCode).toBe(422);
    expect(res.json().error.code).toBe('DO_NOT_CALL');
    expect(placed).toHaveLength(0);
  });

  it('refuses a body without a brand id', async () => {
    const res = await internal(body());
    expect(res.statusCode).toBe(400);
  });
});

// The outcome webhook: the brand's configuration routes, the signed event a receiver can verify, tries
// that back off and stop, the delivery state on the call; and the calls-per-minute limit.
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import fc from 'fast-check';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Prisma } from '../../generated/prisma/client.ts';
import { brand, profileBody, service, startTestApp, type TestApp } from '../testing/test-app.ts';
import type { OutcomeEvent } from './webhook-deliveries.ts';
import { EVENT_ID_HEADER, SIGNATURE_HEADER, signWebhook, verifyWebhook } from './webhook-signature.ts';

/** A Monday, 12:00 in New York. */
const NOW = new Date('2026-12-07T17:00:00Z');
const CALLER_ID = '+18005550100';
const CALLEE = '+14155550199';
const PER_MINUTE = 4;

interface Received {
  headers: IncomingHttpHeaders;
  body: string;
}

let t: TestApp;
let key: string;
let receiver: Server;
let receiverUrl: string;
const received: Received[] = [];
/** The receiver's answers (a status, or a status and headers), in turn; then 200. */
let answers: (number | { status: number; headers: Record<string, string> })[] = [];
let sidCounter = 0;
const newSid = () => `CA${String(++sidCounter).padStart(32, 'a')}`;

beforeAll(async () => {
  receiver = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => {
      body += c.toString('utf8');
    });
    req.on('end', () => {
      received.push({ headers: req.headers, body });
      const answer = answers.shift() ?? 200;
      if (typeof answer === 'number') res.statusCode = answer;
      else res.writeHead(answer.status, answer.headers);
      res.end('{}');
    });
  });
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
  receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks/calls`;
  t = await startTestApp({
    now: () => NOW,
    // Every name is a public host here (no DNS in tests); literal addresses are checked as they are.
    resolveHost: async () => ['93.184.216.34'],
    outbound: {
      dialer: { place: async () => ({ ok: true, callSid: newSid(), status: 'queued' }) },
      maxConcurrentPerBrand: 50,
      maxCallsPerMinute: PER_MINUTE,
      conversationsUrl: 'https://app.example.com',
      webhookDelivery: { backoffMs: 40, pollMs: 30, settleMs: 10, maxAttempts: 3, timeoutMs: 2000 },
    },
  });
  ({ apiKey: key } = await t.createBrand('Painters'));
  const res = await t.app.inject({
    method: 'POST',
    url: '/admin/profiles',
    headers: brand(key),
    payload: profileBody('quotes', { outboundCallerId: CALLER_ID }),
  });
  expect(res.statusCode).toBe(201);
}, 60_000);
afterAll(async () => {
  await t?.close();
  await new Promise((r) => receiver?.close(r));
});
beforeEach(async () => {
  received.length = 0;
  answers = [];
  // Each test starts inside the per-minute limit.
  await t.db.prisma.outboundCall.updateMany({ data: { createdAt: new Date(Date.now() - 3600_000) } });
});

const putHook = (payload: unknown, apiKey = key) =>
  t.app.inject({
    method: 'PUT',
    url: '/admin/outbound-webhook',
    headers: brand(apiKey),
    payload: payload as object,
  });
const getHook = (apiKey = key) =>
  t.app.inject({ method: 'GET', url: '/admin/outbound-webhook', headers: brand(apiKey) });

let keyN = 0;
async function placeAndEnd(outcome?: Record<string, unknown>) {
  const placed = await t.app.inject({
    method: 'POST',
    url: '/admin/outbound-calls',
    headers: brand(key),
    payload: { to: CALLEE, profileKey: 'quotes', task: 'Ask for a quote.', idempotencyKey: `w-${++keyN}` },
  });
  expect(placed.statusCode).toBe(201);
  const call = placed.json() as { id: string; callSid: string };
  const event = (payload: Record<string, unknown>) =>
    t.app.inject({
      method: 'POST',
      url: `/internal/outbound-calls/${call.id}/events`,
      headers: service,
      payload: { callSid: call.callSid, ...payload },
    });
  expect((await event({ status: 'in-progress', answeredBy: 'human' })).statusCode).toBe(200);
  if (outcome)
    await t.db.prisma.outboundCall.update({
      where: { id: call.id },
      data: { outcome: outcome as Prisma.InputJsonValue, outcomeAt: new Date() },
    });
  expect((await event({ status: 'completed', durationSec: 42 })).statusCode).toBe(200);
  // A repeated final report makes no second event.
  expect((await event({ status: 'completed', durationSec: 42 })).statusCode).toBe(200);
  return call;
}

async function deliveryOf(id: string, done: (w: Record<string, unknown> | null) => boolean) {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const view = (
      await t.app.inject({ method: 'GET', url: `/admin/outbound-calls/${id}`, headers: brand(key) })
    ).json() as { webhook: Record<string, unknown> | null };
    if (done(view.webhook)) return view.webhook;
    if (Date.now() > deadline) throw new Error(`delivery never got there: ${JSON.stringify(view.webhook)}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe('the outbound webhook configuration', () => {
  it('shows the signing secret once, at creation, and never again', async () => {
    const { apiKey } = await t.createBrand('Secretive');
    expect((await getHook(apiKey)).statusCode).toBe(404);
    const created = await putHook({ url: 'https://hooks.example.com/calls' }, apiKey);
    expect(created.statusCode).toBe(201);
    const { secret } = created.json() as { secret: string };
    expect(secret).toMatch(/^whsec_[A-Za-z0-9_-]{43}$/);
    const read = await getHook(apiKey);
    expect(read.json()).toEqual({
      url: 'https://hooks.example.com/calls',
      createdAt: expect.any(String),
      updatedAt: expect.any(String),
    });
    const moved = await putHook({ url: 'https://hooks.example.com/v2' }, apiKey);
    expect(moved.statusCode).toBe(200);
    expect(moved.json()).not.toHaveProperty('secret');
    const rotated = await putHook({ url: 'https://hooks.example.com/v2', rotateSecret: true }, apiKey);
    expect(rotated.json().secret).toMatch(/^whsec_/);
    expect(rotated.json().secret).not.toBe(secret);
    // Neither secret reached the logs.
    const logText = JSON.stringify(t.logs);
    expect(logText).not.toContain(secret);
    expect(logText).not.toContain(rotated.json().secret);
    const del = () =>
      t.app.inject({ method: 'DELETE', url: '/admin/outbound-webhook', headers: brand(apiKey) });
    expect((await del()).statusCode).toBe(204);
    expect((await del()).statusCode).toBe(404);
    expect((await getHook(apiKey)).statusCode).toBe(404);
  });

  it('refuses a URL the dynamic tools could not call, naming the field', async () => {
    const { apiKey } = await t.createBrand('Refused');
    for (const url of [
      'http://hooks.example.com/calls',
      'https://10.0.0.7/calls',
      'http://169.254.169.254/latest/meta-data',
      'https://user:pw@hooks.example.com/',
      'ftp://hooks.example.com/',
      'not a url',
    ]) {
      const res = await putHook({ url }, apiKey);
      expect(res.statusCode, url).toBe(400);
      expect(res.json().error).toMatchObject({
        code: 'INVALID_WEBHOOK',
        message: expect.stringMatching(/^body\.url /),
      });
    }
    expect((await getHook(apiKey)).statusCode).toBe(404);
  });

  it('answers any body with a 2xx or a 400 naming the field, never a 5xx', async () => {
    const { apiKey } = await t.createBrand('Fuzzed');
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.anything(),
          fc.record(
            {
              url: fc.oneof(fc.webUrl(), fc.string(), fc.integer(), fc.constant('https://a.example.com/x')),
              rotateSecret: fc.oneof(fc.boolean(), fc.string()),
              extra: fc.anything(),
            },
            { requiredKeys: [] },
          ),
        ),
        async (payload) => {
          const res = await t.app.inject({
            method: 'PUT',
            url: '/admin/outbound-webhook',
            headers: { ...brand(apiKey), 'content-type': 'application/json' },
            payload: JSON.stringify(payload ?? null),
          });
          if (res.statusCode === 200 || res.statusCode === 201) return;
          expect(res.statusCode).toBe(400);
          expect(res.json().error.message).toMatch(/body/);
        },
      ),
      { numRuns: 60 },
    );
  });
});

describe('the outcome event', () => {
  let secret: string;
  beforeAll(async () => {
    const res = await putHook({ url: receiverUrl });
    expect([200, 201]).toContain(res.statusCode);
    secret = res.json().secret;
  });

  it('reaches the receiver signed over timestamp.body, once per call, with the outcome', async () => {
    const call = await placeAndEnd({ price: 450, currency: 'GBP' });
    const webhook = await deliveryOf(call.id, (w) => w?.state === 'delivered');
    expect(webhook).toMatchObject({
      state: 'delivered',
      attempts: 1,
      lastStatus: 200,
      deliveredAt: expect.any(String),
    });
    expect(received).toHaveLength(1);
    const [got] = received;
    const header = got!.headers[SIGNATURE_HEADER] as string;
    expect(verifyWebhook(secret, header, got!.body)).toMatchObject({ ok: true });
    // What a receiver must refuse: another body, another secret, a replay past the window.
    expect(verifyWebhook(secret, header, got!.body.replace('450', '451'))).toEqual({
      ok: false,
      reason: 'bad_signature',
    });
    expect(verifyWebhook('whsec_other', header, got!.body)).toEqual({ ok: false, reason: 'bad_signature' });
    expect(verifyWebhook(secret, header, got!.body, { nowSec: Math.floor(Date.now() / 1000) + 301 })).toEqual(
      { ok: false, reason: 'too_old' },
    );
    const event = JSON.parse(got!.body) as OutcomeEvent;
    expect(got!.headers[EVENT_ID_HEADER]).toBe(event.id);
    expect(event.id).toBe(webhook!.eventId);
    expect(event).toMatchObject({
      type: 'outbound_call.ended',
      call: {
        id: call.id,
        status: 'completed',
        attempt: 1,
        answeredBy: 'human',
        voicemail: null,
        outcome: { price: 450, currency: 'GBP' },
        durationSec: 42,
        conversation: {
          callSid: call.callSid,
          url: `https://app.example.com/conversations/by-call/${call.callSid}`,
        },
        endedAt: expect.any(String),
      },
    });
  });

  it('tries again after a 500, with the same event id and body, until a 2xx', async () => {
    answers = [500, 503];
    const call = await placeAndEnd();
    const webhook = await deliveryOf(call.id, (w) => w?.state === 'delivered');
    expect(webhook).toMatchObject({ attempts: 3, lastStatus: 200, lastError: null });
    expect(received).toHaveLength(3);
    expect(new Set(received.map((r) => r.headers[EVENT_ID_HEADER])).size).toBe(1);
    expect(new Set(received.map((r) => r.body)).size).toBe(1);
    for (const r of received)
      expect(verifyWebhook(secret, r.headers[SIGNATURE_HEADER] as string, r.body).ok).toBe(true);
  });

  it('stops at a 410, recorded, and gives up after the last try on 5xx', async () => {
    answers = [410];
    const gone = await placeAndEnd();
    const stopped = await deliveryOf(gone.id, (w) => w?.state === 'stopped');
    expect(stopped).toMatchObject({ attempts: 1, lastStatus: 410, nextAttemptAt: null });
    await new Promise((r) => setTimeout(r, 200));
    expect(received).toHaveLength(1);

    received.length = 0;
    answers = [500, 500, 500, 500];
    const failing = await placeAndEnd();
    const failed = await deliveryOf(failing.id, (w) => w?.state === 'failed');
    expect(failed).toMatchObject({ attempts: 3, lastStatus: 500, lastError: 'the receiver answered 500' });
    expect(received).toHaveLength(3);
  });

  it('tries a 429 and a 408 again (the receiver is busy, not refusing)', async () => {
    answers = [429, 408];
    const call = await placeAndEnd();
    expect(await deliveryOf(call.id, (w) => w?.state === 'delivered')).toMatchObject({ attempts: 3 });
  });

  it('waits what a 429 or 503 asks in Retry-After (seconds or a date), capped, not the back-off', async () => {
    const pending = (w: Record<string, unknown> | null) => w?.state === 'pending' && w.attempts === 1;
    const waitOf = (w: Record<string, unknown> | null) => Date.parse(String(w?.nextAttemptAt)) - Date.now();

    answers = [{ status: 429, headers: { 'retry-after': '120' } }];
    expect(waitOf(await deliveryOf((await placeAndEnd()).id, pending))).toBeGreaterThan(100_000);

    const date = new Date(Date.now() + 300_000).toUTCString();
    answers = [{ status: 503, headers: { 'retry-after': date } }];
    const dated = waitOf(await deliveryOf((await placeAndEnd()).id, pending));
    expect(dated).toBeGreaterThan(250_000);
    expect(dated).toBeLessThanOrEqual(300_000);

    answers = [{ status: 429, headers: { 'retry-after': '999999999' } }];
    const capped = waitOf(await deliveryOf((await placeAndEnd()).id, pending));
    expect(capped).toBeGreaterThan(5 * 3600_000);
    expect(capped).toBeLessThanOrEqual(6 * 3600_000);
  });

  it('stops at a 3xx, its status recorded: the redirect is not followed', async () => {
    answers = [{ status: 307, headers: { location: `${receiverUrl}/elsewhere` } }];
    const call = await placeAndEnd();
    const stopped = await deliveryOf(call.id, (w) => w?.state === 'stopped');
    expect(stopped).toMatchObject({ attempts: 1, lastStatus: 307, lastError: 'the receiver answered 307' });
    await new Promise((r) => setTimeout(r, 200));
    expect(received).toHaveLength(1);
  });
});

describe('the signature scheme', () => {
  it('verifies what it signs and nothing else', () => {
    fc.assert(
      fc.property(
        fc.string(),
        fc.string({ minLength: 1 }),
        fc.integer({ min: 1, max: 4e9 }),
        (body, secret, ts) => {
          const header = signWebhook(secret, ts, body);
          expect(verifyWebhook(secret, header, body, { nowSec: ts })).toEqual({ ok: true, timestampSec: ts });
          expect(verifyWebhook(secret, header, `${body} `, { nowSec: ts }).ok).toBe(false);
          expect(
            verifyWebhook(secret, header.replace(`t=${ts}`, `t=${ts + 1}`), body, { nowSec: ts }).ok,
          ).toBe(false);
        },
      ),
    );
    for (const header of [undefined, '', 't=1', 'v1=ab', 't=x,v1=00', 't=,v1=00'])
      expect(verifyWebhook('s', header, 'b', { nowSec: 1 })).toEqual({ ok: false, reason: 'malformed' });
    expect(verifyWebhook('s', 't=1,v1=zz', 'b', { nowSec: 1 })).toEqual({
      ok: false,
      reason: 'bad_signature',
    });
  });
});

describe('the calls-per-minute limit', () => {
  const place = () =>
    t.app.inject({
      method: 'POST',
      url: '/admin/outbound-calls',
      headers: brand(key),
      payload: { to: CALLEE, profileKey: 'quotes', task: 'Ask for a quote.', idempotencyKey: `r-${++keyN}` },
    });

  it('refuses the call over the limit with a 429 naming the rule and a Retry-After', async () => {
    for (let i = 0; i < PER_MINUTE; i++) expect((await place()).statusCode).toBe(201);
    const refused = await place();
    expect(refused.statusCode).toBe(429);
    expect(refused.json().error).toMatchObject({
      code: 'OUTBOUND_RATE_LIMIT',
      message: expect.stringMatching(/^rate limit: .*at most 4 a minute/),
    });
    const retryAfter = Number(refused.headers['retry-after']);
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect(refused.json().error.details.retryAfterSec).toBe(retryAfter);
  });

  it('counts calls any replica placed (the database, not this process)', async () => {
    const row = await t.db.prisma.outboundCall.findFirstOrThrow({ where: { idempotencyKey: 'w-1' } });
    // Calls another replica placed this minute: rows in the shared database, not this process's memory.
    for (let i = 0; i < PER_MINUTE; i++)
      await t.db.prisma.outboundCall.create({
        data: {
          brandId: row.brandId,
          profileId: row.profileId,
          idempotencyKey: `other-replica-${i}`,
          requestHash: 'x',
          toNumber: CALLEE,
          fromNumber: CALLER_ID,
          task: 'x',
          status: 'completed',
        },
      });
    expect((await place()).statusCode).toBe(429);
    // A minute later they are out of the window.
    await t.db.prisma.outboundCall.updateMany({ data: { createdAt: new Date(Date.now() - 61_000) } });
    expect((await place()).statusCode).toBe(201);
  });
});

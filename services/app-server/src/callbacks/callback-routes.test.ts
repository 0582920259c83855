/**
 * A brand opts in to booked callbacks through `PUT /admin/brands/:id`; the staff API shows what became
 * of a callback app-server placed (the outbound call, its conversation link, or the refusal).
 */
import { createLogger } from '@switchboard/service-kit';
import { afterEach, describe, expect, it } from 'vitest';
import {
  brandKey,
  type Harness,
  seedCall,
  staffCookie,
  startBody,
  startHarness,
} from '../testing/harness.ts';
import type { OutboundCallAnswer } from './ai-outbound.ts';
import { CallbackPlacer } from './callback-placer.ts';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const NOW = new Date('2026-12-07T15:00:00Z');
const CALL_SID = `CA${'7'.repeat(32)}`;

async function bookedCallback(harness: Harness): Promise<string> {
  const start = startBody({ brandId: 'acme' });
  await seedCall(harness, start);
  const res = await harness.app.inject({
    method: 'POST',
    url: `/internal/conversations/${start.callSid}/tickets/callback`,
    headers: harness.serviceHeaders,
    payload: {
      phone: '+14155550123',
      windowStart: '2026-12-07T14:00:00.000Z',
      windowEnd: '2026-12-07T17:00:00.000Z',
      timezone: 'America/New_York',
      reason: 'the delivery date',
      idempotencyKey: 'cb-1',
    },
  });
  expect(res.statusCode).toBe(201);
  return res.json().callbackId;
}

const sweepWith = (harness: Harness, answer: OutboundCallAnswer, now = NOW) =>
  new CallbackPlacer({
    store: harness.store.callbackPlacements(),
    ai: { place: async () => answer },
    logger: createLogger({ name: 'test', level: 'silent' }),
    now: () => now,
  }).sweep();

describe('booked callbacks in the API', () => {
  it('opts a brand in and out with PUT /admin/brands/:id, and answers the setting', async () => {
    h = await startHarness();
    const put = (payload: object) =>
      h!.app.inject({ method: 'PUT', url: '/admin/brands/acme', headers: h!.serviceHeaders, payload });
    const on = await put({ autoPlaceCallbacks: true });
    expect(on.statusCode).toBe(200);
    expect(on.json().brand).toMatchObject({ id: 'acme', autoPlaceCallbacks: true });
    // Another setting leaves it as it was.
    expect((await put({ name: 'Acme' })).json().brand.autoPlaceCallbacks).toBe(true);
    expect((await put({ autoPlaceCallbacks: false })).json().brand.autoPlaceCallbacks).toBe(false);
    expect((await put({ autoPlaceCallbacks: 'yes' })).statusCode).toBe(400);
  });

  it('shows the placed outbound call and its conversation link on GET /api/callbacks/:id', async () => {
    h = await startHarness();
    const callbackId = await bookedCallback(h);
    const auth = { authorization: await brandKey(h, 'acme') };
    const before = await h.app.inject({ url: `/api/callbacks/${callbackId}`, headers: auth });
    expect(before.json().placement).toBeNull();
    // Not opted in: the sweep leaves it to staff.
    await sweepWith(h, {
      ok: true,
      id: '0193a5c2-7d1e-7b3f-9a40-5c2d1e0f7a11',
      callSid: CALL_SID,
      status: 'queued',
    });
    expect(
      (await h.app.inject({ url: `/api/callbacks/${callbackId}`, headers: auth })).json().placement,
    ).toBeNull();

    await h.app.inject({
      method: 'PUT',
      url: '/admin/brands/acme',
      headers: h.serviceHeaders,
      payload: { autoPlaceCallbacks: true },
    });
    await sweepWith(h, {
      ok: true,
      id: '0193a5c2-7d1e-7b3f-9a40-5c2d1e0f7a11',
      callSid: CALL_SID,
      status: 'queued',
    });
    const after = await h.app.inject({ url: `/api/callbacks/${callbackId}`, headers: auth });
    expect(after.statusCode).toBe(200);
    expect(after.json()).toMatchObject({
      id: callbackId,
      status: 'scheduled',
      placement: {
        state: 'placed',
        outboundCallId: '0193a5c2-7d1e-7b3f-9a40-5c2d1e0f7a11',
        outboundStatus: 'queued',
        conversationUrl: `/conversations/by-call/${CALL_SID}`,
      },
    });
    // The tickets page shows it on the callback's card, with the outbound call's conversation.
    const page = await h.app.inject({
      url: '/tickets?kind=callback',
      headers: { cookie: await staffCookie(h, 'acme') },
    });
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('Called back');
    expect(page.body).toContain(`href="/conversations/by-call/${CALL_SID}"`);
    // Another brand's key sees nothing of it.
    const other = { authorization: await brandKey(h, 'other') };
    expect((await h.app.inject({ url: `/api/callbacks/${callbackId}`, headers: other })).statusCode).toBe(
      404,
    );
  });

  it('shows a refusal with the rule that refused it', async () => {
    h = await startHarness();
    const callbackId = await bookedCallback(h);
    await h.store.callbackPlacements().setAutoPlace('acme', true);
    await sweepWith(h, {
      ok: false,
      httpStatus: 422,
      code: 'NO_CALLER_ID',
      message: 'profile front-desk has no outboundCallerId to call from',
      retryAfterSec: null,
    });
    const res = await h.app.inject({
      url: `/api/callbacks/${callbackId}`,
      headers: { authorization: await brandKey(h, 'acme') },
    });
    expect(res.json().placement).toMatchObject({
      state: 'refused',
      refusalCode: 'NO_CALLER_ID',
      outboundCallId: null,
      conversationUrl: null,
    });
  });

  it('lists each callback with its placement on GET /api/callbacks', async () => {
    h = await startHarness();
    const callbackId = await bookedCallback(h);
    const auth = { authorization: await brandKey(h, 'acme') };
    const list = async () =>
      (await h!.app.inject({ url: '/api/callbacks', headers: auth })).json().items as {
        id: string;
        placement: unknown;
      }[];
    expect((await list()).find((c) => c.id === callbackId)?.placement).toBeNull();
    await h.store.callbackPlacements().setAutoPlace('acme', true);
    await sweepWith(h, {
      ok: true,
      id: '0193a5c2-7d1e-7b3f-9a40-5c2d1e0f7a11',
      callSid: CALL_SID,
      status: 'queued',
    });
    expect((await list()).find((c) => c.id === callbackId)?.placement).toMatchObject({
      state: 'placed',
      attempts: 1,
      outboundCallId: '0193a5c2-7d1e-7b3f-9a40-5c2d1e0f7a11',
      callSid: CALL_SID,
      outboundStatus: 'queued',
      conversationUrl: `/conversations/by-call/${CALL_SID}`,
    });
  });

  it('shows a callback whose window closed unplaced as missed, with the reason, to staff', async () => {
    h = await startHarness();
    const callbackId = await bookedCallback(h);
    await h.store.callbackPlacements().setAutoPlace('acme', true);
    const refusal: OutboundCallAnswer = {
      ok: false,
      httpStatus: 503,
      code: 'OUTBOUND_UNAVAILABLE',
      message: 'outbound calls are not available',
      retryAfterSec: null,
    };
    await sweepWith(h, refusal);
    await sweepWith(h, refusal, new Date('2026-12-07T17:00:00Z'));
    const auth = { authorization: await brandKey(h, 'acme') };
    const one = await h.app.inject({ url: `/api/callbacks/${callbackId}`, headers: auth });
    expect(one.json()).toMatchObject({
      status: 'missed',
      placement: { state: 'expired', refusalCode: 'WINDOW_CLOSED' },
    });
    expect(one.json().placement.refusalMessage).toMatch(/window closed at 2026-12-07T17:00:00.000Z/);
    const missed = await h.app.inject({ url: '/api/callbacks?status=missed', headers: auth });
    expect(missed.json().items.map((c: { id: string }) => c.id)).toEqual([callbackId]);
    const page = await h.app.inject({
      url: '/tickets?kind=callback',
      headers: { cookie: await staffCookie(h, 'acme') },
    });
    expect(page.body).toContain('Missed');
    expect(page.body).toContain('WINDOW_CLOSED');
  });
});

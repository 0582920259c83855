/**
 * A staff member's own phone: set when the account is made or by the staff member, validated as E.164,
 * and offered in the live monitor as "transfer to my phone", which transfers the call there.
 */
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { CallControl } from '../monitor/call-control.ts';
import {
  brandKey,
  type Harness,
  seedCall,
  staffCookie,
  startBody,
  startHarness,
} from '../testing/harness.ts';

const MY_PHONE = '+447700900177';
const FORM = { 'content-type': 'application/x-www-form-urlencoded' };

describe.each(['memory', 'prisma'] as const)('staff phone and "transfer to my phone" (%s store)', (kind) => {
  let h: Harness;
  let cookie: string;
  const transfers: Array<{ callSid: string; to: string; staffId: string }> = [];

  beforeEach(async () => {
    transfers.length = 0;
    const control: CallControl = {
      end: async () => ({ ok: true }),
      async transfer(_url, callSid, to, staff) {
        transfers.push({ callSid, to, staffId: staff.staffId });
        return { ok: true };
      },
    };
    h = await startHarness({ callControl: control, store: kind });
    cookie = await staffCookie(h, 'acme', 'dana@acme.test');
  });
  afterEach(async () => {
    await h.close();
  });

  const putPhone = (phone: unknown, headers: Record<string, string> = { cookie }) =>
    h.app.inject({ method: 'PUT', url: '/api/me/phone', headers, payload: { phone } });

  it('lets staff set, read and clear their own phone; only E.164 is taken', async () => {
    expect((await h.app.inject({ url: '/api/me/phone', headers: { cookie } })).json()).toEqual({
      phone: null,
    });
    const set = await putPhone(MY_PHONE);
    expect(set.statusCode).toBe(200);
    expect(set.json()).toEqual({ phone: MY_PHONE });
    for (const bad of ['07700900177', '+0447700900177', '+44 7700 900177', '+1234', '', 'tel:+447700900177'])
      expect((await putPhone(bad)).statusCode, bad).toBe(400);
    expect((await h.app.inject({ url: '/api/me/phone', headers: { cookie } })).json()).toEqual({
      phone: MY_PHONE,
    });
    expect((await putPhone(null)).json()).toEqual({ phone: null });
    // A brand API key is not a person: it has no phone.
    expect((await putPhone(MY_PHONE, { authorization: await brandKey(h, 'acme') })).statusCode).toBe(403);
  });

  it('refuses every string that is not + and 7 to 15 digits (the first not 0)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.string({ maxLength: 20 }).filter((s) => !/^\+[1-9][0-9]{6,14}$/.test(s)),
        async (s) => {
          expect((await putPhone(s)).statusCode).toBe(400);
        },
      ),
      { numRuns: 40 },
    );
  });

  it('takes a phone on POST /admin/staff and refuses a malformed one', async () => {
    const make = (phone: string) =>
      h.app.inject({
        method: 'POST',
        url: '/admin/staff',
        headers: h.serviceHeaders,
        payload: {
          brandId: 'acme',
          email: `p${phone.length}@acme.test`,
          password: 'correct horse battery',
          phone,
        },
      });
    const made = await make('+14155550100');
    expect(made.statusCode).toBe(201);
    expect(made.json().staff).toMatchObject({ brandId: 'acme', phone: '+14155550100' });
    expect((await make('4155550100')).statusCode).toBe(400);
  });

  it('offers "transfer to my phone" on a live call once the phone is set, and transfers there', async () => {
    const start = startBody({ controlUrl: 'http://10.0.3.7:8080', startedAt: new Date().toISOString() });
    const id = await seedCall(h, start);
    const page = () => h.app.inject({ url: `/conversations/${id}`, headers: { cookie } });
    expect((await page()).body).not.toContain('Transfer to my phone');
    await putPhone(MY_PHONE);
    const body = (await page()).body;
    expect(body).toContain('Transfer to my phone (…0177)');
    expect(body).toContain(`name="to" value="${MY_PHONE}"`);
    const res = await h.app.inject({
      method: 'POST',
      url: `/conversations/${id}/transfer`,
      headers: { cookie, ...FORM },
      payload: `to=${encodeURIComponent(MY_PHONE)}`,
    });
    expect(res.statusCode).toBe(303);
    expect(transfers).toEqual([{ callSid: start.callSid, to: MY_PHONE, staffId: expect.any(String) }]);
  });
});

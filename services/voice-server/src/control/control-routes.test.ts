import { buildBaseApp, createLogger } from '@switchboard/service-kit';
import type { StaffActor } from '@switchboard/service-kit/clients/app-server';
import fc from 'fast-check';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NoCallerIdError, type TwilioSessionManager } from '../session/session-manager.ts';
import { SessionRegistry } from '../session/session-registry.ts';
import { controlRoutes } from './control-routes.ts';

const TOKEN = 'control-test-token';
const SID = 'CA0123456789abcdef0123456789abcdef';

/** A held call that records what staff asked of it. */
function fakeSession(opts: { transfer?: () => Promise<boolean> } = {}) {
  const asked: Array<{ action: string; to?: string; staff: StaffActor }> = [];
  const session = {
    call: { callSid: SID },
    isEnded: false,
    endByStaff(staff: StaffActor) {
      asked.push({ action: 'end', staff });
      return asked.filter((a) => a.action === 'end').length === 1;
    },
    async transferByStaff(to: string, staff: StaffActor) {
      asked.push({ action: 'transfer', to, staff });
      return opts.transfer ? opts.transfer() : true;
    },
  };
  return { session: session as unknown as TwilioSessionManager, asked };
}

describe('call control routes (the live monitor’s actions)', () => {
  let app: FastifyInstance;
  const sessions = new SessionRegistry();
  const held = fakeSession();
  sessions.add(held.session);
  const post = (path: string, body: unknown, token = TOKEN) =>
    app.inject({
      method: 'POST',
      url: path,
      headers: { authorization: `Bearer ${token}` },
      payload: body as object,
    });
  const staff = { staffId: 'staff-1', staffName: 'Dana Reyes' };

  beforeAll(async () => {
    app = buildBaseApp({ logger: createLogger({ name: 't', level: 'silent' }), serviceName: 'voice-server' });
    await app.register(controlRoutes, { sessions, serviceToken: TOKEN });
    await app.ready();
  });
  afterAll(() => app.close());

  it('refuses a request without the service token', async () => {
    const res = await post(`/internal/calls/${SID}/end`, staff, 'wrong');
    expect(res.statusCode).toBe(401);
    expect(held.asked).toEqual([]);
  });

  it('answers 404 for a call this instance does not hold', async () => {
    const res = await post('/internal/calls/CAffffffffffffffffffffffffffffffff/end', staff);
    expect(res.statusCode).toBe(404);
    expect(res.json().error.code).toBe('NOT_FOUND');
  });

  it('ends a held call politely once, with who asked', async () => {
    const first = await post(`/internal/calls/${SID}/end`, staff);
    expect(first.statusCode).toBe(202);
    expect(first.json()).toEqual({ status: 'ending' });
    const again = await post(`/internal/calls/${SID}/end`, staff);
    expect(again.json()).toEqual({ status: 'already_ending' });
    expect(held.asked[0]).toEqual({ action: 'end', staff });
  });

  it('transfers only to an E.164 number', async () => {
    const before = held.asked.length;
    await fc.assert(
      fc.asyncProperty(fc.string({ maxLength: 20 }), async (to) => {
        fc.pre(!/^\+[1-9][0-9]{6,14}$/.test(to));
        const res = await post(`/internal/calls/${SID}/transfer`, { ...staff, to });
        expect(res.statusCode).toBe(400);
      }),
      { numRuns: 60 },
    );
    expect(held.asked.length).toBe(before);
    const ok = await post(`/internal/calls/${SID}/transfer`, { ...staff, to: '+442071234567' });
    expect(ok.statusCode).toBe(202);
    expect(held.asked.at(-1)).toEqual({ action: 'transfer', to: '+442071234567', staff });
  });

  it('says why a transfer could not happen: no caller ID (409), Twilio refused (502), call gone (404)', async () => {
    const cases: Array<[() => Promise<boolean>, number]> = [
      [() => Promise.reject(new NoCallerIdError()), 409],
      [() => Promise.reject(Object.assign(new Error('refused'), { code: 21211 })), 502],
      [() => Promise.resolve(false), 404],
    ];
    for (const [transfer, status] of cases) {
      const reg = new SessionRegistry();
      reg.add(fakeSession({ transfer }).session);
      const one = buildBaseApp({
        logger: createLogger({ name: 't', level: 'silent' }),
        serviceName: 'voice-server',
      });
      await one.register(controlRoutes, { sessions: reg, serviceToken: TOKEN });
      const res = await one.inject({
        method: 'POST',
        url: `/internal/calls/${SID}/transfer`,
        headers: { authorization: `Bearer ${TOKEN}` },
        payload: { ...staff, to: '+14155550100' },
      });
      expect(res.statusCode).toBe(status);
      await one.close();
    }
  });
});

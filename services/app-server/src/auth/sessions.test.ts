// Staff sessions end when they should: sign-out, "end all sessions", a disabled account and a password
// change are enforced on the server, live streams close with their session, and guessing is limited
// before the password is checked, however many requests run at once.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  type Harness,
  PASSWORD,
  seedCall,
  staffCookie,
  startBody,
  startHarness,
} from '../testing/harness.ts';
import { SseReader } from '../testing/sse-reader.ts';

let h: Harness;
let clock = Date.now();
beforeEach(async () => {
  clock = Date.now();
  h = await startHarness({ store: 'prisma', now: () => clock });
});
afterEach(async () => {
  await h.close();
});

const signIn = (email: string, password: string, ip = '203.0.113.1', cookie?: string) =>
  h.app.inject({
    method: 'POST',
    url: '/api/session',
    remoteAddress: ip,
    headers: cookie ? { cookie } : {},
    payload: { brandId: 'acme', email, password },
  });
const cookieOf = (res: { headers: Record<string, unknown> }, name = 'sb_session') =>
  (res.headers['set-cookie'] as string[]).find((c) => c.startsWith(`${name}=`))!.split(';')[0]!;
const me = (cookie: string) => h.app.inject({ url: '/api/me', headers: { cookie } });

describe('password guessing', () => {
  it('100 parallel guesses on one account are held to the limit of 5 checked', async () => {
    await staffCookie(h, 'acme', 'dana@acme.test');
    const guesses = Array.from({ length: 100 }, (_, i) =>
      signIn('dana@acme.test', i === 50 ? PASSWORD : `wrong guess ${i}`),
    );
    const statuses = (await Promise.all(guesses)).map((r) => r.statusCode);
    const checked = statuses.filter((s) => s === 401 || s === 200).length;
    expect(checked).toBeLessThanOrEqual(5);
    expect(statuses.filter((s) => s === 429).length).toBeGreaterThanOrEqual(95);
  });

  it('one client spraying many accounts is refused after 20 failures', async () => {
    for (let i = 0; i < 8; i++) await staffCookie(h, 'acme', `s${i}@acme.test`);
    const statuses: number[] = [];
    for (let round = 0; round < 4; round++)
      for (let i = 0; i < 8; i++)
        statuses.push((await signIn(`s${i}@acme.test`, 'nope nope nope')).statusCode);
    expect(statuses.filter((s) => s === 401)).toHaveLength(20);
    expect(statuses.slice(20).every((s) => s === 429)).toBe(true);
    // Another client is not held back by it.
    expect((await signIn('s0@acme.test', PASSWORD, '198.51.100.7')).statusCode).toBe(200);
  });

  it("an outsider can't lock a staff member out of a browser they signed in from before", async () => {
    await staffCookie(h, 'acme', 'dana@acme.test');
    const mine = await signIn('dana@acme.test', PASSWORD, '192.0.2.10');
    const device = cookieOf(mine, 'sb_device');
    // Attackers from many addresses exhaust the account-wide budget.
    for (let i = 0; i < 30; i++) await signIn('dana@acme.test', 'nope nope nope', `203.0.113.${i + 20}`);
    expect((await signIn('dana@acme.test', PASSWORD, '192.0.2.99')).statusCode).toBe(429);
    // Dana's own browser still signs in.
    expect((await signIn('dana@acme.test', PASSWORD, '192.0.2.10', device)).statusCode).toBe(200);
    // And the limits are a window, not a life sentence.
    clock += 16 * 60_000;
    expect((await signIn('dana@acme.test', PASSWORD, '192.0.2.99')).statusCode).toBe(200);
  });
});

describe('sessions end on the server', () => {
  it('a signed-out cookie is refused afterwards', async () => {
    const cookie = await staffCookie(h, 'acme', 'dana@acme.test');
    expect((await me(cookie)).statusCode).toBe(200);
    await h.app.inject({ method: 'DELETE', url: '/api/session', headers: { cookie } });
    expect((await me(cookie)).statusCode).toBe(401);
    expect((await h.app.inject({ url: '/conversations', headers: { cookie } })).statusCode).toBe(303);
  });

  it('ending all sessions, disabling the account and changing the password end the others', async () => {
    const first = await staffCookie(h, 'acme', 'dana@acme.test');
    const second = cookieOf(await signIn('dana@acme.test', PASSWORD));
    const third = cookieOf(await signIn('dana@acme.test', PASSWORD));
    // A password change keeps this session and ends the others.
    const changed = await h.app.inject({
      method: 'POST',
      url: '/api/me/password',
      headers: { cookie: third },
      payload: { currentPassword: PASSWORD, newPassword: 'a brand new passphrase' },
    });
    expect(changed.statusCode).toBe(204);
    expect((await me(first)).statusCode).toBe(401);
    expect((await me(second)).statusCode).toBe(401);
    expect((await me(third)).statusCode).toBe(200);
    expect((await signIn('dana@acme.test', PASSWORD)).statusCode).toBe(401);
    const fourth = cookieOf(await signIn('dana@acme.test', 'a brand new passphrase'));
    // "Sign out everywhere" ends all of them, this one included.
    expect(
      (await h.app.inject({ method: 'DELETE', url: '/api/sessions', headers: { cookie: fourth } }))
        .statusCode,
    ).toBe(204);
    expect((await me(third)).statusCode).toBe(401);
    expect((await me(fourth)).statusCode).toBe(401);
    // An admin disables the account: its newest session ends and it can't sign in again.
    const fifth = cookieOf(await signIn('dana@acme.test', 'a brand new passphrase'));
    const id = (await me(fifth)).json().id;
    const disabled = await h.app.inject({
      method: 'POST',
      url: `/admin/staff/${id}/disable`,
      headers: h.serviceHeaders,
    });
    expect(disabled.statusCode).toBe(200);
    expect((await me(fifth)).statusCode).toBe(401);
    expect((await signIn('dana@acme.test', 'a brand new passphrase')).statusCode).toBe(401);
  });

  it('a live stream closes at sign-out, and one whose session expired closes at the next re-check', async () => {
    const base = await h.app.listen({ host: '127.0.0.1', port: 0 });
    const cookie = await staffCookie(h, 'acme', 'dana@acme.test');
    const id = await seedCall(h, startBody());
    const streams = [
      await SseReader.open(`${base}/api/events`, { cookie }),
      await SseReader.open(`${base}/api/conversations/${id}/events`, { cookie }),
      await SseReader.open(`${base}/conversations/${id}/live`, { cookie }),
    ];
    expect(streams.map((s) => s.status)).toEqual([200, 200, 200]);
    await h.app.inject({ method: 'DELETE', url: '/api/session', headers: { cookie } });
    await Promise.all(streams.map((s) => s.ended));

    const later = await staffCookie(h, 'acme', 'sam@acme.test');
    const stream = await SseReader.open(`${base}/api/events`, { cookie: later });
    expect(stream.status).toBe(200);
    clock += 13 * 3_600_000; // past the 12-hour session
    await h.app.inject({
      method: 'POST',
      url: '/logout',
      headers: { cookie: await staffCookie(h, 'acme', 'x@acme.test') },
    });
    await stream.ended;
  });
});

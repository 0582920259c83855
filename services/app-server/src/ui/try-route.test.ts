// "Try your bot" in app-server: the page offers the brand's own profiles and lets the browser reach
// voice-server (CSP), and the token route mints a short-lived single-use grant for the signed-in staff
// member's brand only; whatever body arrives, it answers below 500.
import { newWebCallSid, WebCallTokens } from '@switchboard/service-kit';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import {
  brandKey,
  type Harness,
  seedCall,
  staffCookie,
  startBody,
  startHarness,
  WEB_CALL_TEST_SECRET,
  WEB_CALL_TEST_URL,
} from '../testing/harness.ts';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const token = (cookie: string, body: unknown, headers: Record<string, string> = {}) =>
  h!.app.inject({
    method: 'POST',
    url: '/try/token',
    headers: { cookie, ...headers },
    payload: body as object,
  });

describe('the "Try your bot" page', () => {
  it("offers the brand's own profiles and lets the page reach voice-server's origin", async () => {
    h = await startHarness();
    await seedCall(h, startBody({ brandId: 'acme', botProfileKey: 'acme-support' }));
    await seedCall(h, startBody({ brandId: 'globex', botProfileKey: 'globex-sales' }));
    const cookie = await staffCookie(h, 'acme');
    const res = await h.app.inject({ url: '/try', headers: { cookie } });
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('<option value="acme-support">');
    expect(res.body).not.toContain('globex-sales');
    expect(res.body).toContain('src="/assets/try.js"');
    expect(res.headers['content-security-policy']).toContain("connect-src 'self' ws://voice.test:8080;");
    // Other pages keep the narrow policy.
    const other = await h.app.inject({ url: '/conversations', headers: { cookie } });
    expect(other.headers['content-security-policy']).toContain("connect-src 'self';");
  });

  it('says so when browser test calls are not set up, and mints no token', async () => {
    h = await startHarness({ noWebCalls: true });
    const cookie = await staffCookie(h, 'acme');
    const res = await h.app.inject({ url: '/try', headers: { cookie } });
    expect(res.body).toContain('not set up');
    expect(res.body).not.toContain('try.js');
    expect((await token(cookie, { profileKey: 'acme-support' })).statusCode).toBe(404);
  });
});

describe('POST /try/token', () => {
  it("grants one call to the profile in the staff member's brand, checked by voice-server's secret", async () => {
    h = await startHarness();
    const res = await token(await staffCookie(h, 'acme'), { profileKey: 'acme-support' });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.url).toBe(WEB_CALL_TEST_URL);
    expect(body.callSid).toMatch(/^WC[0-9a-f]{32}$/);
    const verdict = new WebCallTokens(WEB_CALL_TEST_SECRET).verify(body.token);
    expect(verdict).toEqual({
      ok: true,
      grant: {
        brandId: 'acme',
        profileKey: 'acme-support',
        staffId: expect.any(String),
        callSid: body.callSid,
      },
    });
  });

  it('refuses API keys, other sites and visitors without a session', async () => {
    h = await startHarness();
    const key = await h.app.inject({
      method: 'POST',
      url: '/try/token',
      headers: { authorization: await brandKey(h, 'acme') },
      payload: { profileKey: 'acme-support' },
    });
    expect(key.statusCode).toBe(403);
    const cookie = await staffCookie(h, 'acme');
    expect((await token(cookie, { profileKey: 'x' }, { origin: 'https://evil.example' })).statusCode).toBe(
      403,
    );
    expect((await token('', { profileKey: 'x' })).statusCode).toBe(401);
  });

  it('answers any body below 500, and mints only for a well-formed profile key', async () => {
    h = await startHarness();
    const cookie = await staffCookie(h, 'acme');
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(fc.jsonValue(), fc.record({ profileKey: fc.string({ maxLength: 200 }) })),
        async (body) => {
          const res = await token(cookie, JSON.stringify(body), { 'content-type': 'application/json' });
          expect(res.statusCode).toBeLessThan(500);
          if (res.statusCode === 200) expect(res.json().token).toMatch(/^v1\./);
        },
      ),
      { numRuns: 60 },
    );
  });

  it('lets the by-call link find a web call', async () => {
    h = await startHarness();
    const callSid = newWebCallSid();
    const id = await seedCall(
      h,
      startBody({ brandId: 'acme', callSid, direction: 'web', callerNumber: 'browser' }),
    );
    const cookie = await staffCookie(h, 'acme');
    const res = await h.app.inject({ url: `/conversations/by-call/${callSid}`, headers: { cookie } });
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe(`/conversations/${id}`);
    const page = await h.app.inject({ url: `/conversations/${id}`, headers: { cookie } });
    expect(page.body).toContain('Web call');
  });
});

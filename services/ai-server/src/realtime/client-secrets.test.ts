// Realtime client secrets for apps: minted through the openai SDK against the Realtime simulator (its
// POST /v1/realtime/client_secrets follows the SDK's documented shapes), bound to the profile, usable
// on the WebSocket until the profile's TTL runs out; end-user tokens; the per-brand limit; no secret
// in any log line; hostile requests never answered with a 5xx.
import {
  connectRealtimeSdk,
  type RealtimeSimulator,
  realtimeSdkTarget,
  startRealtimeSimulator,
} from '@switchboard/simulators/openai-realtime';
import fc from 'fast-check';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { brand, profileBody, startTestApp, type TestApp } from '../testing/test-app.ts';
import { openAiClientSecretMinter } from './client-secret-minter.ts';
import { MAX_TOKEN_LIFETIME_SEC, mintEndUserToken } from './end-user-token.ts';

let sim: RealtimeSimulator;
let nowMs = Date.now();
const clock = {
  now: () => nowMs,
  setTimeout: (fn: () => void, ms: number) => setTimeout(fn, ms),
  clearTimeout: (h: unknown) => clearTimeout(h as NodeJS.Timeout),
};
let t: TestApp;
let apiKey: string;
let brandId: string;

const post = (auth: string | undefined, payload?: unknown) =>
  t.app.inject({
    method: 'POST',
    url: '/v1/realtime/client-secrets',
    headers: auth ? { authorization: `Bearer ${auth}` } : {},
    ...(payload === undefined ? {} : { payload: payload as Record<string, unknown> }),
  });

/** Opens a Realtime session with `key` through the openai SDK, as an app would; its bound config, or the refusal. */
async function openWith(key: string): Promise<{ status: number; config?: unknown }> {
  try {
    const rt = await connectRealtimeSdk(sim, { apiKey: key, model: 'gpt-realtime' });
    rt.close();
    return { status: 101, config: sim.sessions.at(-1)!.config };
  } catch (err) {
    return { status: Number(/\b(4\d\d)\b/.exec(String(err))?.[1] ?? 0) };
  }
}

beforeAll(async () => {
  sim = await startRealtimeSimulator({ apiKey: 'sk-platform', clock, pacing: 'burst' });
  t = await startTestApp({
    realtime: {
      minter: openAiClientSecretMinter({
        apiKey: 'sk-platform',
        baseURL: realtimeSdkTarget(sim.url).baseURL,
      }),
      model: 'gpt-realtime',
      perMinute: 1000,
    },
  });
  ({ apiKey, brandId } = await t.createBrand('Acme'));
  const created = await t.app.inject({
    method: 'POST',
    url: '/admin/profiles',
    headers: brand(apiKey),
    payload: profileBody('concierge', {
      voice: { provider: 'openai', voiceId: 'cedar' },
      clientSecretTtlSec: 30,
    }),
  });
  expect(created.statusCode, created.body).toBe(201);
  const tool = await t.app.inject({
    method: 'POST',
    url: '/admin/profiles/concierge/tools',
    headers: brand(apiKey),
    payload: {
      name: 'order_status',
      description: 'Looks up an order',
      parameters: { type: 'object', properties: { orderId: { type: 'string' } } },
      endpointUrl: 'http://127.0.0.1:9/orders',
    },
  });
  expect(tool.statusCode, tool.body).toBe(201);
});
afterAll(async () => {
  await t.close();
  await sim.close();
});

describe('POST /v1/realtime/client-secrets', () => {
  it("mints through OpenAI's client-secrets API a secret bound to the profile, good for its TTL", async () => {
    const res = await post(apiKey, { profile: 'concierge' });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.headers['cache-control']).toBe('no-store');
    const body = res.json();
    expect(body).toEqual({
      value: expect.stringMatching(/^ek_/),
      expiresAt: Math.floor(nowMs / 1000) + 30,
      model: 'gpt-realtime',
      profile: 'concierge',
      ttlSec: 30,
    });
    const opened = await openWith(body.value);
    expect(opened.config).toMatchObject({
      model: 'gpt-realtime',
      instructions: expect.stringContaining('We sell bicycles.'),
      audio: { output: { voice: 'cedar' } },
      tools: [{ type: 'function', name: 'order_status', description: 'Looks up an order' }],
    });
    nowMs += 30_000;
    expect((await openWith(body.value)).status).toBe(401);
  });

  it("answers an end-user token signed with the brand's secret, and refuses forged, expired and stale ones", async () => {
    const rotated = await t.app.inject({
      method: 'POST',
      url: '/admin/client-token-secret',
      headers: brand(apiKey),
    });
    expect(rotated.statusCode).toBe(201);
    const secret = rotated.json().secret as string;
    const exp = Math.floor(Date.now() / 1000) + 300;
    const claims = { brand: brandId, profile: 'concierge', sub: 'user-42', exp };
    const token = mintEndUserToken(secret, claims);
    const ok = await post(token, {});
    expect(ok.statusCode, ok.body).toBe(200);
    expect(ok.json().profile).toBe('concierge');
    expect((await post(token, { profile: 'concierge' })).statusCode).toBe(200);
    const refusals = [
      await post(token, { profile: 'other' }),
      await post(mintEndUserToken('sbts_wrong', claims), {}),
      await post(mintEndUserToken(secret, { ...claims, exp: Math.floor(Date.now() / 1000) - 1 }), {}),
      await post(
        mintEndUserToken(secret, {
          ...claims,
          exp: Math.floor(Date.now() / 1000) + MAX_TOKEN_LIFETIME_SEC + 60,
        }),
        {},
      ),
      await post(`${token.slice(0, -2)}xx`, {}),
    ];
    for (const r of refusals)
      expect([r.statusCode, r.json().error.code]).toEqual([401, 'INVALID_CLIENT_TOKEN']);
    // Rotating the secret retires every token signed with the old one.
    await t.app.inject({ method: 'POST', url: '/admin/client-token-secret', headers: brand(apiKey) });
    expect((await post(token, {})).statusCode).toBe(401);
    // A brand key needs the profile named.
    expect((await post(apiKey, {})).statusCode).toBe(400);
  });

  it('accepts the token the example backend signs (examples/webrtc-client/token.mjs)', async () => {
    const secret = (
      await t.app.inject({ method: 'POST', url: '/admin/client-token-secret', headers: brand(apiKey) })
    ).json().secret as string;
    const example = new URL('../../../../examples/webrtc-client/token.mjs', import.meta.url).href;
    const { endUserToken } = (await import(example)) as {
      endUserToken(o: { secret: string; brandId: string; profile: string; userId: string }): string;
    };
    const token = endUserToken({ secret, brandId, profile: 'concierge', userId: 'demo-user' });
    const res = await post(token, {});
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().value).toMatch(/^ek_/);
  });

  it('refuses a profile with an ElevenLabs voice (a direct connection speaks with OpenAI voices)', async () => {
    await t.app.inject({
      method: 'POST',
      url: '/admin/profiles',
      headers: brand(apiKey),
      payload: profileBody('eleven', { voice: { provider: 'elevenlabs', voiceId: 'abcDEF123' } }),
    });
    const res = await post(apiKey, { profile: 'eleven' });
    expect([res.statusCode, res.json().error.code]).toEqual([422, 'VOICE_NOT_REALTIME']);
  });

  it('keeps the TTL within what the API accepts (10–7200 s)', async () => {
    for (const ttl of [9, 7201, 1.5]) {
      const res = await t.app.inject({
        method: 'PATCH',
        url: '/admin/profiles/concierge',
        headers: brand(apiKey),
        payload: { clientSecretTtlSec: ttl },
      });
      expect(res.statusCode, String(ttl)).toBe(400);
      expect(res.body).toContain('clientSecretTtlSec');
    }
  });

  it('never writes a secret or a token to the log', async () => {
    const secret = (
      await t.app.inject({ method: 'POST', url: '/admin/client-token-secret', headers: brand(apiKey) })
    ).json().secret as string;
    const token = mintEndUserToken(secret, {
      brand: brandId,
      profile: 'concierge',
      sub: 'user-private-7',
      exp: Math.floor(Date.now() / 1000) + 60,
    });
    const minted = [
      (await post(apiKey, { profile: 'concierge' })).json().value,
      (await post(token, {})).json().value,
    ];
    const logged = JSON.stringify(t.logs);
    expect(logged).toContain('realtime client secret minted');
    for (const s of [...minted, secret, token, apiKey, 'user-private-7']) expect(logged).not.toContain(s);
  });

  it('answers hostile requests below 500 and mints nothing without a valid credential', async () => {
    const credentials = fc.oneof(
      fc.constant(undefined),
      fc.string(),
      fc.constant(apiKey),
      fc.string().map((s) => `sbk_${s.replace(/\s/g, '')}`),
      fc
        .tuple(fc.base64String(), fc.base64String(), fc.base64String())
        .map((parts) => parts.map((p) => p.replace(/[+/=]/g, '')).join('.')),
    );
    const bodies = fc.oneof(
      fc.anything(),
      fc.record({ profile: fc.oneof(fc.string(), fc.constant('concierge')) }),
    );
    await fc.assert(
      fc.asyncProperty(credentials, bodies, async (credential, payload) => {
        const auth = credential?.replace(/[\r\n]/g, '');
        const res = await t.app.inject({
          method: 'POST',
          url: '/v1/realtime/client-secrets',
          headers: {
            ...(auth !== undefined ? { authorization: `Bearer ${auth}` } : {}),
            'content-type': 'application/json',
          },
          payload: JSON.stringify(payload ?? null),
        });
        expect(res.statusCode, res.body).toBeLessThan(500);
        if (res.statusCode === 200) expect(auth).toBe(apiKey);
      }),
      { numRuns: 150 },
    );
  });
});

describe('the per-brand limit', () => {
  let limited: TestApp;
  afterEach(async () => {
    await limited?.close();
  });

  it('answers 429 with Retry-After past the limit, for that brand only', async () => {
    limited = await startTestApp({ realtime: { perMinute: 2 } });
    const a = await limited.createBrand('A');
    const b = await limited.createBrand('B');
    for (const k of [a.apiKey, b.apiKey])
      await limited.app.inject({
        method: 'POST',
        url: '/admin/profiles',
        headers: brand(k),
        payload: profileBody('pp'),
      });
    const ask = (key: string) =>
      limited.app.inject({
        method: 'POST',
        url: '/v1/realtime/client-secrets',
        headers: brand(key),
        payload: { profile: 'pp' },
      });
    expect((await ask(a.apiKey)).statusCode).toBe(200);
    expect((await ask(a.apiKey)).statusCode).toBe(200);
    const refused = await ask(a.apiKey);
    expect([refused.statusCode, refused.json().error.code]).toEqual([429, 'CLIENT_SECRET_RATE_LIMIT']);
    const retryAfter = Number(refused.headers['retry-after']);
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect((await ask(b.apiKey)).statusCode).toBe(200);
  });
});

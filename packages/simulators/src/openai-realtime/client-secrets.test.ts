/**
 * `POST /v1/realtime/client_secrets` through the official `openai` SDK
 * (`client.realtime.clientSecrets.create`, whose types document the request: `expires_after.seconds`
 * 10–7200, default 600, anchored at `created_at`; the answer `{ value, expires_at, session }`), and the
 * minted `ek_…` key on the Realtime WebSocket: the bound session until expiry, refused after.
 */
import OpenAI from 'openai';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { connectRealtimeSdk, realtimeSdkTarget } from './sdk.ts';
import { type RealtimeSimulator, startRealtimeSimulator } from './server.ts';

let sim: RealtimeSimulator | undefined;
let nowMs = Date.UTC(2026, 11, 6, 12, 0, 0);
const clock = {
  now: () => nowMs,
  setTimeout: (fn: () => void, ms: number) => setTimeout(fn, ms),
  clearTimeout: (h: unknown) => clearTimeout(h as NodeJS.Timeout),
};

afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

async function start(): Promise<OpenAI> {
  sim = await startRealtimeSimulator({ apiKey: 'sk-brand', clock, pacing: 'burst' });
  return new OpenAI({ apiKey: 'sk-brand', baseURL: realtimeSdkTarget(sim.url).baseURL, maxRetries: 0 });
}

const tool = {
  type: 'function' as const,
  name: 'order_status',
  description: 'Looks up an order.',
  parameters: { type: 'object', properties: { id: { type: 'string' } }, required: ['id'] },
};

/** The upgrade's status, or the first server event once open. */
function open(url: string, key: string): Promise<{ status: number; body?: unknown; first?: unknown }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers: { Authorization: `Bearer ${key}` } });
    ws.once('unexpected-response', (_req, res) => {
      let text = '';
      res.on('data', (c: Buffer) => {
        text += c.toString();
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) }));
    });
    ws.once('message', (data) => {
      resolve({ status: 101, first: JSON.parse(String(data)) });
      ws.terminate();
    });
    ws.once('error', (err) => {
      if (!String(err.message).includes('Unexpected server response')) reject(err);
    });
  });
}

describe('client secrets', () => {
  it('mints an ek_ key bound to the session asked for, expiring after the seconds asked for', async () => {
    const client = await start();
    const secret = await client.realtime.clientSecrets.create({
      expires_after: { anchor: 'created_at', seconds: 120 },
      session: {
        type: 'realtime',
        model: 'gpt-realtime',
        instructions: 'You are the Acme concierge.',
        audio: { output: { voice: 'cedar' } },
        tools: [tool],
      },
    });
    expect(secret.value).toMatch(/^ek_[0-9a-f]{32}$/);
    expect(secret.expires_at).toBe(Math.floor(nowMs / 1000) + 120);
    expect(secret.session).toMatchObject({
      type: 'realtime',
      model: 'gpt-realtime',
      instructions: 'You are the Acme concierge.',
      tools: [tool],
    });
    // Defaults: 600 s, the realtime session.
    const plain = await client.realtime.clientSecrets.create({});
    expect(plain.expires_at).toBe(Math.floor(nowMs / 1000) + 600);
    expect(plain.session.type).toBe('realtime');
  });

  it('opens sessions with the bound configuration until expiry, and refuses the key after', async () => {
    const client = await start();
    const secret = await client.realtime.clientSecrets.create({
      expires_after: { anchor: 'created_at', seconds: 30 },
      session: { type: 'realtime', model: 'gpt-realtime', instructions: 'Bound.', tools: [tool] },
    });
    // The SDK connects with the secret as its key, as a browser or app would.
    const rt = await connectRealtimeSdk(sim!, { apiKey: secret.value, model: 'gpt-realtime' });
    rt.close();
    const first = await open(sim!.url, secret.value);
    expect(first.first).toMatchObject({
      type: 'session.created',
      session: { model: 'gpt-realtime', instructions: 'Bound.', tools: [tool] },
    });
    // Each session is its own.
    expect(sim!.sessions[0]!.id).not.toBe(sim!.sessions[1]!.id);
    // Another model than the secret's is refused; the same one is fine.
    expect((await open(`${sim!.url}?model=gpt-realtime-mini`, secret.value)).status).toBe(400);
    nowMs += 29_999;
    expect((await open(`${sim!.url}?model=gpt-realtime`, secret.value)).status).toBe(101);
    nowMs += 1;
    const refused = await open(sim!.url, secret.value);
    expect(refused).toMatchObject({
      status: 401,
      body: { error: { type: 'invalid_request_error', code: 'invalid_api_key' } },
    });
    expect((await open(sim!.url, 'ek_0000')).status).toBe(401);
  });

  it('refuses what the API refuses, with its error shape', async () => {
    const client = await start();
    const rejected = async (body: Record<string, unknown>) => {
      const err = await client.realtime.clientSecrets.create(body as never).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(OpenAI.APIError);
      const e = err as InstanceType<typeof OpenAI.APIError>;
      return { status: e.status, param: e.param, code: e.code, type: e.type };
    };
    expect(await rejected({ expires_after: { seconds: 9 } })).toEqual({
      status: 400,
      param: 'expires_after.seconds',
      code: 'integer_below_min_value',
      type: 'invalid_request_error',
    });
    expect(await rejected({ expires_after: { seconds: 7201 } })).toMatchObject({
      param: 'expires_after.seconds',
      code: 'integer_above_max_value',
    });
    expect(await rejected({ expires_after: { anchor: 'now' } })).toMatchObject({
      param: 'expires_after.anchor',
    });
    expect(await rejected({ ttl: 5 })).toMatchObject({ status: 400, code: 'unknown_parameter' });
    expect(await rejected({ session: { type: 'realtime', voice: 'x' } })).toMatchObject({
      status: 400,
      param: 'session.voice',
    });
    // A key must be a real API key: neither a wrong one nor an ephemeral one mints.
    const base = realtimeSdkTarget(sim!.url).baseURL;
    const wrong = new OpenAI({ apiKey: 'sk-wrong', baseURL: base, maxRetries: 0 });
    await expect(wrong.realtime.clientSecrets.create({})).rejects.toMatchObject({ status: 401 });
    const { value } = await client.realtime.clientSecrets.create({});
    const ephemeral = new OpenAI({ apiKey: value, baseURL: base, maxRetries: 0 });
    await expect(ephemeral.realtime.clientSecrets.create({})).rejects.toMatchObject({ status: 401 });
  });
});

import { scriptedConnector } from '@switchboard/realtime/testing';
import { createLogger } from '@switchboard/service-kit';
import {
  encodeTwilioConnected,
  encodeTwilioStart,
  encodeTwilioStop,
  signTwilioRequest,
} from '@switchboard/telephony';
import { afterEach, describe, expect, it } from 'vitest';
import type { WebSocket } from 'ws';
import { buildVoiceServer, type VoiceServer } from './app.ts';
import { InMemoryAppServer } from './ports/in-memory-app-server.ts';
import { FakeAiServer, FakeTwilioRest, until } from './testing/session-harness.ts';

const AUTH_TOKEN = 'test-auth-token-0123456789abcdef';
const PUBLIC = 'https://voice.example.com';
const STREAM_URL = 'wss://voice.example.com/twilio-stream';
const SIDS = {
  call: 'CA11111111111111111111111111111111',
  account: 'AC22222222222222222222222222222222',
  stream: 'MZ33333333333333333333333333333333',
};

class LookupAi extends FakeAiServer {
  readonly lookups: unknown[] = [];
  readonly answers: Record<string, string> = {
    sipDomain: 'acme.sip.twilio.com',
    to: '+18005550100',
    applicationSid: 'AP1',
  };
  down = false;
  override async lookupBotProfile(q: { sipDomain?: string; to?: string; applicationSid?: string }) {
    this.lookups.push(q);
    if (this.down) throw new Error('ECONNREFUSED');
    const [field, value] = Object.entries(q)[0]!;
    return this.answers[field] === value ? { key: `profile-by-${field}` } : null;
  }
}

let server: VoiceServer | undefined;
let lines: string[] = [];

async function build(opts: { startTimeoutMs?: number } = {}) {
  lines = [];
  const ai = new LookupAi();
  const connector = scriptedConnector();
  server = await buildVoiceServer({
    config: {
      PUBLIC_BASE_URL: PUBLIC,
      TWILIO_AUTH_TOKEN: AUTH_TOKEN,
      STREAM_START_TIMEOUT_MS: opts.startTimeoutMs ?? 5000,
      MAX_FRAME_BYTES: 65536,
    },
    logger: createLogger({ name: 'test', destination: { write: (l: string) => lines.push(l) } }),
    aiServer: ai,
    appServer: new InMemoryAppServer(),
    twilioRest: new FakeTwilioRest(),
    connectRealtime: connector,
  });
  await server.app.ready();
  return { server, ai, connector, app: server.app };
}

afterEach(async () => {
  await server?.app.close();
  server = undefined;
});

function form(params: Record<string, string>): string {
  return new URLSearchParams(params).toString();
}

function pstnCall(extra: Record<string, string> = {}): Record<string, string> {
  return {
    CallSid: SIDS.call,
    AccountSid: SIDS.account,
    From: '+14155550123',
    To: '+18005550100',
    CallStatus: 'ringing',
    Direction: 'inbound',
    ...extra,
  };
}

async function postWebhook(app: VoiceServer['app'], params: Record<string, string>, signature?: string) {
  return app.inject({
    method: 'POST',
    url: '/twilio-voice-webhook',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      host: 'internal-pod:8080',
      ...(signature !== undefined ? { 'x-twilio-signature': signature } : {}),
    },
    payload: form(params),
  });
}

describe('POST /twilio-voice-webhook', () => {
  it('refuses a request without a signature with 403 and no TwiML', async () => {
    const { app } = await build();
    const res = await postWebhook(app, pstnCall());
    expect(res.statusCode).toBe(403);
    expect(res.body).not.toContain('<Response');
    expect(lines.join('')).toContain('missing X-Twilio-Signature');
  });

  it('refuses a forged signature', async () => {
    const { app } = await build();
    const params = pstnCall();
    const sig = signTwilioRequest('another-token', `${PUBLIC}/twilio-voice-webhook`, params);
    const res = await postWebhook(app, params, sig);
    expect(res.statusCode).toBe(403);
    expect(lines.join('')).toContain('signature does not match');
  });

  it('refuses a signature over tampered parameters', async () => {
    const { app } = await build();
    const sig = signTwilioRequest(AUTH_TOKEN, `${PUBLIC}/twilio-voice-webhook`, pstnCall());
    const res = await postWebhook(app, pstnCall({ To: '+19005550199' }), sig);
    expect(res.statusCode).toBe(403);
  });

  it('validates over PUBLIC_BASE_URL, not the Host header, and answers Connect/Stream TwiML', async () => {
    const { app, ai } = await build();
    const params = pstnCall({ FreshcallerCallId: 'fc-42' });
    const res = await postWebhook(
      app,
      params,
      signTwilioRequest(AUTH_TOKEN, `${PUBLIC}/twilio-voice-webhook`, params),
    );
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toContain('text/xml');
    expect(res.body).toContain(`<Connect><Stream url="${STREAM_URL}">`);
    expect(res.body).toContain('<Parameter name="bot_profile_key" value="profile-by-to"/>');
    expect(res.body).toContain('<Parameter name="is_sip_call" value="false"/>');
    expect(res.body).toContain('<Parameter name="original_caller_number" value="+14155550123"/>');
    expect(res.body).toContain('<Parameter name="freshcaller_call_id" value="fc-42"/>');
    expect(ai.lookups).toEqual([{ to: '+18005550100' }]);
    expect(lines.join('')).not.toContain('4155550123');
  });

  it('finds SIP calls by SipDomain first', async () => {
    const { app, ai } = await build();
    const params = pstnCall({
      From: 'sip:+14155550123@carrier.example',
      To: 'sip:support@acme.sip.twilio.com',
      SipDomain: 'acme.sip.twilio.com',
    });
    const res = await postWebhook(
      app,
      params,
      signTwilioRequest(AUTH_TOKEN, `${PUBLIC}/twilio-voice-webhook`, params),
    );
    expect(res.body).toContain('value="profile-by-sipDomain"');
    expect(res.body).toContain('<Parameter name="is_sip_call" value="true"/>');
    expect(ai.lookups).toEqual([{ sipDomain: 'acme.sip.twilio.com' }]);
  });

  it('falls back from To to ApplicationSid', async () => {
    const { app, ai } = await build();
    const params = pstnCall({ To: '+18005550999', ApplicationSid: 'AP1' });
    const res = await postWebhook(
      app,
      params,
      signTwilioRequest(AUTH_TOKEN, `${PUBLIC}/twilio-voice-webhook`, params),
    );
    expect(res.body).toContain('value="profile-by-applicationSid"');
    expect(ai.lookups).toEqual([{ to: '+18005550999' }, { applicationSid: 'AP1' }]);
  });

  it('answers an unknown number with an apology and a hang-up', async () => {
    const { app } = await build();
    const params = pstnCall({ To: '+18005550999' });
    const res = await postWebhook(
      app,
      params,
      signTwilioRequest(AUTH_TOKEN, `${PUBLIC}/twilio-voice-webhook`, params),
    );
    expect(res.statusCode).toBe(200);
    expect(res.body).toMatch(/<Say>Sorry[^<]*<\/Say><Hangup\/>/);
    expect(res.body).not.toContain('<Stream');
  });

  it('apologizes when ai-server cannot be reached', async () => {
    const { app, ai } = await build();
    ai.down = true;
    const params = pstnCall();
    const res = await postWebhook(
      app,
      params,
      signTwilioRequest(AUTH_TOKEN, `${PUBLIC}/twilio-voice-webhook`, params),
    );
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('<Hangup/>');
  });
});

function startFrame(params: Record<string, string> = { bot_profile_key: 'acme-support' }) {
  return encodeTwilioStart({
    sequenceNumber: 1,
    streamSid: SIDS.stream,
    accountSid: SIDS.account,
    callSid: SIDS.call,
    customParameters: params,
  });
}

function closed(ws: WebSocket): Promise<number> {
  return new Promise((resolve) => ws.once('close', (code) => resolve(code)));
}

describe('GET /twilio-stream', () => {
  it('refuses an upgrade without a valid signature', async () => {
    const { app } = await build();
    await expect(app.injectWS('/twilio-stream')).rejects.toThrow(/403/);
    await expect(
      app.injectWS('/twilio-stream', {
        headers: { 'x-twilio-signature': signTwilioRequest('x', STREAM_URL) },
      }),
    ).rejects.toThrow(/403/);
    expect(server!.metrics.streamsRefused).toBe(2);
  });

  it('runs a session for a signed stream and frees it when the caller hangs up', async () => {
    const { app, connector } = await build();
    const ws = await app.injectWS('/twilio-stream', {
      headers: { 'x-twilio-signature': signTwilioRequest(AUTH_TOKEN, STREAM_URL) },
    });
    ws.send(encodeTwilioConnected());
    ws.send(
      startFrame({ bot_profile_key: 'acme-support', is_sip_call: 'false', original_caller_number: '+1415' }),
    );
    await until(() => connector.connections.length === 1, 'realtime connection');
    expect(server!.sessions.size).toBe(1);
    const session = [...server!.sessions][0]!;
    expect(session.call).toMatchObject({ callSid: SIDS.call, botProfileKey: 'acme-support', isSip: false });
    const done = closed(ws);
    ws.send(
      encodeTwilioStop({
        sequenceNumber: 2,
        streamSid: SIDS.stream,
        accountSid: SIDS.account,
        callSid: SIDS.call,
      }),
    );
    expect(await done).toBe(1000);
    await until(() => server!.sessions.size === 0, 'session freed');
    expect(session.reason).toBe('caller_hangup');
    expect(connector.connections[0]!.closedNow).toBe(true);
  });

  it('closes a stream that sends no start message in time', async () => {
    const { app, connector } = await build({ startTimeoutMs: 150 });
    const ws = await app.injectWS('/twilio-stream', {
      headers: { 'x-twilio-signature': signTwilioRequest(AUTH_TOKEN, STREAM_URL) },
    });
    const done = closed(ws);
    ws.send(encodeTwilioConnected());
    ws.send('{"event":"media"'); // malformed, ignored
    expect(await done).toBe(1008);
    expect(connector.connections).toHaveLength(0);
  });

  it('closes with 1009 on a frame over 64 KiB', async () => {
    const { app } = await build();
    const ws = await app.injectWS('/twilio-stream', {
      headers: { 'x-twilio-signature': signTwilioRequest(AUTH_TOKEN, STREAM_URL) },
    });
    const done = closed(ws);
    ws.send('x'.repeat(70 * 1024));
    expect(await done).toBe(1009);
  });

  it('refuses new streams with 503 while draining', async () => {
    const { app } = await build();
    server!.startDraining();
    await expect(
      app.injectWS('/twilio-stream', {
        headers: { 'x-twilio-signature': signTwilioRequest(AUTH_TOKEN, STREAM_URL) },
      }),
    ).rejects.toThrow(/503/);
    const ready = await app.inject({ url: '/health-check/ready' });
    expect(ready.statusCode).toBe(503);
    const live = await app.inject({ url: '/health-check/live' });
    expect(live.statusCode).toBe(200);
  });
});

describe('GET /metrics', () => {
  it('exposes Prometheus counters', async () => {
    const { app } = await build();
    const res = await app.inject({ url: '/metrics' });
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('# TYPE voice_active_calls gauge');
    expect(res.body).toContain('voice_active_calls 0');
  });
});

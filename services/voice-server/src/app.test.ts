import {
  encodeTwilioConnected,
  encodeTwilioInboundMedia,
  encodeTwilioStop,
  signTwilioRequest,
} from '@switchboard/telephony';
import { afterEach, describe, expect, it } from 'vitest';
import {
  AUTH_TOKEN,
  build,
  closeApp,
  closed,
  currentServer,
  logLines,
  PUBLIC,
  postWebhook,
  pstnCall,
  SIDS,
  STREAM_URL,
  startFrame,
} from './testing/app-harness.ts';
import { until } from './testing/session-harness.ts';

afterEach(closeApp);

describe('POST /twilio-voice-webhook', () => {
  it('refuses a request without a signature with 403 and no TwiML', async () => {
    const { app } = await build();
    const res = await postWebhook(app, pstnCall());
    expect(res.statusCode).toBe(403);
    expect(res.body).not.toContain('<Response');
    expect(logLines().join('')).toContain('missing X-Twilio-Signature');
  });

  it('refuses a forged signature', async () => {
    const { app } = await build();
    const params = pstnCall();
    const sig = signTwilioRequest('another-token', `${PUBLIC}/twilio-voice-webhook`, params);
    const res = await postWebhook(app, params, sig);
    expect(res.statusCode).toBe(403);
    expect(logLines().join('')).toContain('signature does not match');
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
    expect(logLines().join('')).not.toContain('4155550123');
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

describe('GET /twilio-stream', () => {
  it('refuses an upgrade without a valid signature', async () => {
    const { app } = await build();
    await expect(app.injectWS('/twilio-stream')).rejects.toThrow(/403/);
    await expect(
      app.injectWS('/twilio-stream', {
        headers: { 'x-twilio-signature': signTwilioRequest('x', STREAM_URL) },
      }),
    ).rejects.toThrow(/403/);
    expect(currentServer()!.metrics.streamsRefused).toBe(2);
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
    expect(currentServer()!.sessions.size).toBe(1);
    const session = [...currentServer()!.sessions][0]!;
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
    await until(() => currentServer()!.sessions.size === 0, 'session freed');
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
    await until(() => currentServer()!.metrics.oversizedFrames === 1);
    const logged = logLines().map(
      (l) => JSON.parse(l) as { level: number; msg: string; err?: { stack?: string } },
    );
    expect(logged.find((l) => l.msg.includes('too large'))?.level).toBe(40);
    expect(logged.some((l) => l.level >= 50 || l.err?.stack)).toBe(false);
  });

  it('counts media sent before start and goes on to the call', async () => {
    const { app, connector } = await build();
    const ws = await app.injectWS('/twilio-stream', {
      headers: { 'x-twilio-signature': signTwilioRequest(AUTH_TOKEN, STREAM_URL) },
    });
    ws.send(encodeTwilioConnected());
    ws.send(
      encodeTwilioInboundMedia({
        sequenceNumber: 1,
        streamSid: SIDS.stream,
        chunk: 1,
        timestamp: 0,
        payload: 'AAAA',
      }),
    );
    ws.send(startFrame());
    await until(() => connector.connections.length === 1);
    expect(currentServer()!.metrics.framesBeforeStart).toBe(1);
    ws.terminate();
  });

  it('refuses new streams with 503 while draining', async () => {
    const { app } = await build();
    currentServer()!.startDraining();
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

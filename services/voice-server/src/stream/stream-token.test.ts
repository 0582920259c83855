// Each stream proves its call (issue 24): the upgrade's X-Twilio-Signature covers only the stream URL,
// the same for every call (Twilio: "Webhooks security", WebSocket requests are signed over the URL
// with an empty parameter set), so the `start` must carry a token our webhook minted for that call.
import {
  encodeTwilioConnected,
  encodeTwilioStart,
  parseTwiml,
  signTwilioRequest,
  type TwimlVerb,
} from '@switchboard/telephony';
import fc from 'fast-check';
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
} from '../testing/app-harness.ts';
import { until } from '../testing/session-harness.ts';
import { STREAM_TOKEN_PARAM, StreamTokens } from './stream-token.ts';

afterEach(closeApp);

const PARAMS = {
  bot_profile_key: 'acme-support',
  is_sip_call: 'false',
  original_caller_number: '+14155550123',
};

describe('StreamTokens', () => {
  it('accepts its own token once, for that call and those parameters, before it expires', () => {
    let now = 1_800_000_000_000;
    const tokens = new StreamTokens('secret', () => now);
    const t = tokens.issue('CA1', PARAMS);
    const withToken = { ...PARAMS, [STREAM_TOKEN_PARAM]: t };
    expect(tokens.verify('CA2', withToken)).toBe('forged');
    expect(tokens.verify('CA1', { ...withToken, original_caller_number: '+15550000000' })).toBe('forged');
    expect(tokens.verify('CA1', { ...withToken, extra: 'x' })).toBe('forged');
    expect(new StreamTokens('other', () => now).verify('CA1', withToken)).toBe('forged');
    expect(tokens.verify('CA1', withToken)).toBe('ok');
    expect(tokens.verify('CA1', withToken)).toBe('replayed');
    const late = tokens.issue('CA3', PARAMS);
    now += 121_000;
    expect(tokens.verify('CA3', { ...PARAMS, [STREAM_TOKEN_PARAM]: late })).toBe('expired');
    expect(tokens.verify('CA3', PARAMS)).toBe('missing');
  });

  it('never accepts a token it did not mint (fast-check)', () => {
    const tokens = new StreamTokens('secret');
    fc.assert(
      fc.property(fc.string({ maxLength: 80 }), fc.string({ maxLength: 40 }), (token, callSid) => {
        expect(tokens.verify(callSid, { ...PARAMS, [STREAM_TOKEN_PARAM]: token })).not.toBe('ok');
      }),
    );
  });
});

describe('a stream start', () => {
  async function webhookTwimlParams(app: Awaited<ReturnType<typeof build>>['app']) {
    const sig = signTwilioRequest(AUTH_TOKEN, `${PUBLIC}/twilio-voice-webhook`, pstnCall());
    const res = await postWebhook(app, pstnCall(), sig);
    const verb = parseTwiml(res.body)[0] as Extract<TwimlVerb, { verb: 'Connect' }>;
    return verb.stream.parameters;
  }

  async function openStream(app: Awaited<ReturnType<typeof build>>['app']) {
    const ws = await app.injectWS('/twilio-stream', {
      headers: { 'x-twilio-signature': signTwilioRequest(AUTH_TOKEN, STREAM_URL) },
    });
    ws.send(encodeTwilioConnected());
    return ws;
  }

  const start = (parameters: Record<string, string>, callSid = SIDS.call) =>
    encodeTwilioStart({
      sequenceNumber: 1,
      streamSid: SIDS.stream,
      accountSid: SIDS.account,
      callSid,
      customParameters: parameters,
    });

  it('with the TwiML parameters of its own call is accepted; the same start replayed is refused and logged', async () => {
    const { app, connector } = await build();
    const parameters = await webhookTwimlParams(app);
    expect(parameters[STREAM_TOKEN_PARAM]).toMatch(/^\d+\.[A-Za-z0-9_-]{43}$/);
    const first = await openStream(app);
    first.send(start(parameters));
    await until(() => connector.connections.length === 1);

    // A captured upgrade and start, replayed: same signature, same token.
    const replay = await openStream(app);
    const code = closed(replay);
    replay.send(start(parameters));
    expect(await code).toBe(1008);
    expect(connector.connections).toHaveLength(1);
    expect(currentServer()!.metrics.streamsRefused).toBe(1);
    expect(logLines().some((l) => l.includes('unusable token') && l.includes('replayed'))).toBe(true);
    first.terminate();
  });

  it('altered (another call SID, another caller number) or without a token is refused', async () => {
    const { app, connector } = await build();
    const parameters = await webhookTwimlParams(app);
    for (const frame of [
      start(parameters, `CA${'9'.repeat(32)}`),
      start({ ...parameters, original_caller_number: '+15550000000' }),
      startFrame(PARAMS, { token: null }),
    ]) {
      const ws = await openStream(app);
      const code = closed(ws);
      ws.send(frame);
      expect(await code).toBe(1008);
    }
    expect(connector.connections).toHaveLength(0);
  });
});

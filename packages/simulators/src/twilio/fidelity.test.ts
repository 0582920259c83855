import { createTwilioRestClient, dialTwiml, sayAndHangupTwiml } from '@switchboard/telephony';
import twilio from 'twilio';
import { afterEach, describe, expect, it } from 'vitest';
import { createManualTicker, type ManualFrameTicker } from './frame-ticker.ts';
import { startTwilioRestFake, type TwilioRestFake } from './rest-fake.ts';
import { placeCall, type SimulatedCall } from './simulated-call.ts';
import { startTestVoiceServer, type TestVoiceServer } from './test-voice-server.ts';

const AUTH_TOKEN = 'fidelity-auth-token-00112233445566';
const ACCOUNT_SID = `AC${'a'.repeat(32)}`;
const PUBLIC_BASE_URL = 'https://voice.example.com';

let server: TestVoiceServer | undefined;
let fake: TwilioRestFake | undefined;
const calls: SimulatedCall[] = [];

afterEach(async () => {
  await Promise.all(calls.splice(0).map((c) => c.hangup()));
  await server?.close();
  await fake?.close();
  server = undefined;
  fake = undefined;
});

let ticker: ManualFrameTicker;

async function placeTestCall(extra: { restFake?: TwilioRestFake } = {}) {
  ticker = createManualTicker();
  server ??= await startTestVoiceServer({
    authToken: AUTH_TOKEN,
    publicBaseUrl: PUBLIC_BASE_URL,
    twiml: (form, streamUrl) =>
      form.CallStatus === 'in-progress'
        ? sayAndHangupTwiml('Fetched from Url.')
        : `<?xml version="1.0" encoding="UTF-8"?><Response><Connect><Stream url="${streamUrl}"><Parameter name="bot_profile_key" value="acme"/></Stream></Connect></Response>`,
  });
  const call = await placeCall({
    voiceServerUrl: server.url,
    publicBaseUrl: PUBLIC_BASE_URL,
    authToken: AUTH_TOKEN,
    accountSid: ACCOUNT_SID,
    from: '+447700900123',
    to: '+15005550006',
    ticker,
    ...extra,
  });
  calls.push(call);
  return call;
}

describe('signatures, checked by the twilio SDK', () => {
  it('validateRequest accepts the webhook signature and rejects tampering', async () => {
    const call = await placeTestCall();
    const { signature, signedUrl, params } = call.webhook;
    expect(twilio.validateRequest(AUTH_TOKEN, signature, signedUrl, params)).toBe(true);
    expect(
      twilio.validateRequest(AUTH_TOKEN, signature, signedUrl, { ...params, From: '+15550000000' }),
    ).toBe(false);
    expect(twilio.validateRequest('another-token', signature, signedUrl, params)).toBe(false);
    const flipped = (signature[0] === 'A' ? 'B' : 'A') + signature.slice(1);
    expect(twilio.validateRequest(AUTH_TOKEN, flipped, signedUrl, params)).toBe(false);
  });

  it('validateRequest accepts the stream signature over the Stream url as written in the TwiML', async () => {
    await placeTestCall();
    const stream = await server!.stream();
    expect(stream.url).toBe('wss://voice.example.com/twilio-stream');
    expect(twilio.validateRequest(AUTH_TOKEN, stream.signature, stream.url, {})).toBe(true);
    expect(twilio.validateRequest(AUTH_TOKEN, stream.signature, `${stream.url}/other`, {})).toBe(false);
  });
});

describe('Calls API fake, driven by the twilio SDK', () => {
  it('records calls(sid).update({ twiml }) and update({ status: "completed" })', async () => {
    fake = await startTwilioRestFake({ accountSid: ACCOUNT_SID, authToken: AUTH_TOKEN });
    const client = createTwilioRestClient({
      accountSid: ACCOUNT_SID,
      authToken: AUTH_TOKEN,
      apiBaseUrl: fake.baseUrl,
    });
    const callSid = `CA${'b'.repeat(32)}`;
    const twiml = sayAndHangupTwiml('One moment.');
    const updated = await client.calls(callSid).update({ twiml });
    expect(updated.sid).toBe(callSid);
    expect(updated.accountSid).toBe(ACCOUNT_SID);
    expect(updated.status).toBe('in-progress');
    const hungUp = await client.calls(callSid).update({ status: 'completed' });
    expect(hungUp.status).toBe('completed');
    expect(hungUp.endTime).toBeInstanceOf(Date);

    expect(fake.requests.map((r) => [r.method, r.path, r.status, r.authorized])).toEqual([
      ['POST', `/2010-04-01/Accounts/${ACCOUNT_SID}/Calls/${callSid}.json`, 200, true],
      ['POST', `/2010-04-01/Accounts/${ACCOUNT_SID}/Calls/${callSid}.json`, 200, true],
    ]);
    expect(fake.requests[0]!.form).toEqual({ Twiml: twiml });
    expect(fake.requests[1]!.form).toEqual({ Status: 'completed' });
    expect(fake.updates.map((u) => [u.callSid, u.twiml, u.status])).toEqual([
      [callSid, twiml, undefined],
      [callSid, undefined, 'completed'],
    ]);
    // A completed call cannot be redirected: Twilio's 21220.
    await expect(client.calls(callSid).update({ twiml })).rejects.toMatchObject({ status: 400, code: 21220 });
  });

  it('answers bad credentials with 401 / 20003, surfaced by the SDK as a RestException', async () => {
    fake = await startTwilioRestFake({ accountSid: ACCOUNT_SID, authToken: AUTH_TOKEN });
    const client = createTwilioRestClient({
      accountSid: ACCOUNT_SID,
      authToken: 'wrong',
      apiBaseUrl: fake.baseUrl,
    });
    const err = await client
      .calls(`CA${'c'.repeat(32)}`)
      .update({ status: 'completed' })
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(err).toBeInstanceOf(twilio.RestException);
    expect(err).toMatchObject({
      status: 401,
      code: 20003,
      moreInfo: 'https://www.twilio.com/docs/errors/20003',
    });
    expect(fake.requests[0]).toMatchObject({ status: 401, authorized: false });
    expect(fake.updates).toHaveLength(0);
  });

  it('fetches a registered call and answers 20404 for unknown ones when asked to', async () => {
    fake = await startTwilioRestFake({
      accountSid: ACCOUNT_SID,
      authToken: AUTH_TOKEN,
      unknownCalls: 'not_found',
    });
    const client = createTwilioRestClient({
      accountSid: ACCOUNT_SID,
      authToken: AUTH_TOKEN,
      apiBaseUrl: fake.baseUrl,
    });
    fake.registerCall(`CA${'d'.repeat(32)}`, { from: '+15551112222', to: '+15553334444' });
    const fetched = await client.calls(`CA${'d'.repeat(32)}`).fetch();
    expect(fetched).toMatchObject({
      from: '+15551112222',
      to: '+15553334444',
      status: 'in-progress',
      direction: 'inbound',
    });
    await expect(client.calls(`CA${'e'.repeat(32)}`).fetch()).rejects.toMatchObject({
      status: 404,
      code: 20404,
    });
  });

  it('rejects an invalid Status with a Twilio error', async () => {
    fake = await startTwilioRestFake({ accountSid: ACCOUNT_SID, authToken: AUTH_TOKEN });
    const client = createTwilioRestClient({
      accountSid: ACCOUNT_SID,
      authToken: AUTH_TOKEN,
      apiBaseUrl: fake.baseUrl,
    });
    await expect(
      client.calls(`CA${'f'.repeat(32)}`).update({ status: 'ringing' as 'completed' }),
    ).rejects.toMatchObject({ status: 400, code: 20001 });
  });
});

describe('REST updates reaching a simulated call', () => {
  async function withFake() {
    fake = await startTwilioRestFake({ accountSid: ACCOUNT_SID, authToken: AUTH_TOKEN });
    const client = createTwilioRestClient({
      accountSid: ACCOUNT_SID,
      authToken: AUTH_TOKEN,
      apiBaseUrl: fake.baseUrl,
    });
    const call = await placeTestCall({ restFake: fake });
    const stream = await server!.stream();
    return { client, call, stream };
  }

  it('new TwiML stops the stream (stop, then close) and runs: Say + Hangup', async () => {
    const { client, call, stream } = await withFake();
    const twiml = sayAndHangupTwiml('We are having trouble. Please call back later.');
    await client.calls(call.callSid).update({ twiml });
    const end = await ticker.runUntil(call.ended);
    expect(end.reason).toBe('twiml_hangup');
    expect(call.redirects).toEqual([
      expect.objectContaining({
        via: 'rest_twiml',
        twiml,
        verbs: [expect.objectContaining({ verb: 'Say' }), { verb: 'Hangup' }],
      }),
    ]);
    expect(call.said).toEqual(['We are having trouble. Please call back later.']);
    await stream.closed;
    expect(stream.frames.at(-1)?.event).toBe('stop');
    const fetched = await client.calls(call.callSid).fetch();
    expect(fetched.status).toBe('completed');
    expect(fetched.from).toBe('+447700900123');
  });

  it('a <Dial> transfer ends the stream and records the dial', async () => {
    const { client, call, stream } = await withFake();
    await client.calls(call.callSid).update({
      twiml: dialTwiml({ number: '+15557654321', callerId: '+15005550006', say: 'Transferring you now.' }),
    });
    expect((await ticker.runUntil(call.ended)).reason).toBe('dialed');
    expect(call.said).toEqual(['Transferring you now.']);
    expect(call.dialed).toEqual([
      expect.objectContaining({ number: '+15557654321', callerId: '+15005550006' }),
    ]);
    await stream.closed;
  });

  it('Status=completed hangs the call up server-side', async () => {
    const { client, call, stream } = await withFake();
    await client.calls(call.callSid).update({ status: 'completed' });
    expect((await call.ended).reason).toBe('completed_via_api');
    await stream.closed;
    expect(stream.frames.at(-1)?.event).toBe('stop');
  });

  it('a Url update fetches signed TwiML from the voice server', async () => {
    const { client, call } = await withFake();
    await client.calls(call.callSid).update({ url: `${PUBLIC_BASE_URL}/next-step`, method: 'POST' });
    expect((await ticker.runUntil(call.ended)).reason).toBe('twiml_hangup');
    expect(call.said).toEqual(['Fetched from Url.']);
    const hit = server!.webhooks.at(-1)!;
    expect(hit.signatureValid).toBe(true);
    expect(hit.form.CallStatus).toBe('in-progress');
    expect(call.redirects[0]).toMatchObject({ via: 'rest_url', url: `${PUBLIC_BASE_URL}/next-step` });
  });

  it('a caller hang-up marks the call completed in the fake', async () => {
    const { client, call } = await withFake();
    await call.hangup();
    await expect(
      client.calls(call.callSid).update({ twiml: sayAndHangupTwiml('Too late') }),
    ).rejects.toMatchObject({
      code: 21220,
    });
  });
});

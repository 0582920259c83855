/**
 * What Twilio refuses, refused by the simulator with Twilio's codes (issues 11.7 and 24). Sources
 * (twilio.com/docs): TwiML `<Stream>` ("The url does not support query string parameters"; error
 * 31920 names a query string as a cause of a failed stream handshake); error 32018 (TwiML over 4,000
 * characters in a request); error 21220 ("Calls that have completed cannot be recorded or
 * redirected"; the API message "Call is not in-progress. Cannot redirect."); error 13214 (callerId
 * must be the calling number, the called number or a validated outgoing number); TwiML `<Sip>`
 * ("For SIP calls, the callerId attribute does not need to be a validated phone number… alphanumeric
 * … +-_., but no whitespace"); error 13224 (a dialed number not in E.164).
 */
import {
  connectStreamTwiml,
  createTwilioRestClient,
  dialTwiml,
  sayAndHangupTwiml,
} from '@switchboard/telephony';
import fc from 'fast-check';
import twilio from 'twilio';
import { afterEach, describe, expect, it } from 'vitest';
import { createManualTicker, type ManualFrameTicker } from './frame-ticker.ts';
import { startTwilioRestFake, type TwilioRestFake } from './rest-fake.ts';
import { type PlaceCallOptions, placeCall, type SimulatedCall } from './simulated-call.ts';
import { startTestVoiceServer, type TestVoiceServer } from './test-voice-server.ts';
import { dialProblem, MAX_UPDATE_TWIML_CHARS } from './twilio-rules.ts';

const AUTH_TOKEN = 'refusals-auth-token-0123456789abcd';
const ACCOUNT_SID = `AC${'7'.repeat(32)}`;
const PUBLIC_BASE_URL = 'https://voice.example.com';
const CALLER = '+447700900123';
const OUR_NUMBER = '+15005550006';
const OWNED = '+15005550010';
const VERIFIED = '+441632960001';
const AGENT = '+15557654321';

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

/** A voice server that answers the webhook with `twiml` (a stream by default). */
async function call(twiml?: (streamUrl: string) => string, opts: Partial<PlaceCallOptions> = {}) {
  server = await startTestVoiceServer({
    authToken: AUTH_TOKEN,
    publicBaseUrl: PUBLIC_BASE_URL,
    ...(twiml ? { twiml: (_form: Record<string, string>, streamUrl: string) => twiml(streamUrl) } : {}),
  });
  ticker = createManualTicker();
  // A <Say> takes call time: the ticker moves while the call is placed.
  const c = await ticker.runUntil(
    placeCall({
      voiceServerUrl: server.url,
      publicBaseUrl: PUBLIC_BASE_URL,
      authToken: AUTH_TOKEN,
      accountSid: ACCOUNT_SID,
      from: CALLER,
      to: OUR_NUMBER,
      ticker,
      ...opts,
    }),
  );
  calls.push(c);
  return c;
}

async function restFake() {
  fake = await startTwilioRestFake({
    accountSid: ACCOUNT_SID,
    authToken: AUTH_TOKEN,
    accountNumbers: { owned: [OUR_NUMBER, OWNED], verified: [VERIFIED] },
  });
  const client = createTwilioRestClient({
    accountSid: ACCOUNT_SID,
    authToken: AUTH_TOKEN,
    apiBaseUrl: fake.baseUrl,
  });
  return { fake, client };
}

describe('<Stream> url', () => {
  it('refuses a query string (31920): no upgrade, the call fails, the error is logged', async () => {
    const { fake } = await restFake();
    const c = await call((url) => connectStreamTwiml({ url: `${url}?brand=acme`, parameters: {} }), {
      restFake: fake,
    });
    const end = await c.ended;
    expect(end).toMatchObject({ reason: 'stream_failed', errorCode: 31920 });
    expect(server!.streams).toHaveLength(0);
    expect(c.notifications).toEqual([expect.objectContaining({ errorCode: 31920 })]);
    expect(fake.notifications).toEqual([expect.objectContaining({ callSid: c.callSid, errorCode: 31920 })]);
  });

  it('takes custom data in <Parameter> instead', async () => {
    const c = await call((url) => connectStreamTwiml({ url, parameters: { brand: 'acme' } }));
    const stream = await server!.stream();
    const start = stream.frames.find((f) => f.event === 'start');
    expect(start?.event === 'start' && start.start.customParameters).toEqual({ brand: 'acme' });
    expect(c.notifications).toEqual([]);
  });
});

describe('call updates', () => {
  it('refuses TwiML over 4,000 characters with 32018, and takes exactly 4,000', async () => {
    const { fake, client } = await restFake();
    const c = await call(undefined, { restFake: fake });
    await server!.stream();
    const padded = (chars: number) => {
      const twiml = sayAndHangupTwiml('Goodbye.');
      return twiml.replace('Goodbye.', `Goodbye.${' '.repeat(chars - twiml.length)}`);
    };
    expect(padded(MAX_UPDATE_TWIML_CHARS + 1)).toHaveLength(4001);
    const err = await client
      .calls(c.callSid)
      .update({ twiml: padded(MAX_UPDATE_TWIML_CHARS + 1) })
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(err).toBeInstanceOf(twilio.RestException);
    expect(err).toMatchObject({ status: 400, code: 32018 });
    expect(c.isStreaming).toBe(true);
    expect(fake.updates).toHaveLength(0);
    await client.calls(c.callSid).update({ twiml: padded(MAX_UPDATE_TWIML_CHARS) });
    expect((await ticker.runUntil(c.ended)).reason).toBe('twiml_hangup');
  });

  it('refuses to redirect a call that ended when the server closed its stream (21220)', async () => {
    const { fake, client } = await restFake();
    const c = await call(undefined, { restFake: fake });
    const stream = await server!.stream();
    stream.socket.close(1000);
    expect((await c.ended).reason).toBe('stream_closed');
    const refused = client
      .calls(c.callSid)
      .update({ twiml: dialTwiml({ number: AGENT, callerId: OUR_NUMBER }) });
    await expect(refused).rejects.toMatchObject({
      status: 400,
      code: 21220,
      message: 'Call is not in-progress. Cannot redirect.',
    });
    await expect(client.calls(c.callSid).update({ url: `${PUBLIC_BASE_URL}/x` })).rejects.toMatchObject({
      code: 21220,
    });
    expect(c.dialed).toEqual([]);
  });

  it('runs the <Dial> of an accepted update even when the server closes the stream right after', async () => {
    const { fake, client } = await restFake();
    const c = await call(undefined, { restFake: fake });
    const stream = await server!.stream();
    await client.calls(c.callSid).update({ twiml: dialTwiml({ number: AGENT, callerId: OUR_NUMBER }) });
    stream.socket.close(1000); // the product hangs up its side as the transfer starts
    expect(await c.ended).toMatchObject({ reason: 'dialed', detail: AGENT });
    await stream.closed;
    expect(stream.frames.at(-1)?.event).toBe('stop');
    expect(c.dialed).toEqual([expect.objectContaining({ number: AGENT })]);
  });
});

describe('<Dial callerId>', () => {
  const dialWith = (callerId: string | undefined, opts: Partial<PlaceCallOptions> = {}, sip?: string) =>
    call(
      () =>
        callerId === undefined
          ? `<?xml version="1.0" encoding="UTF-8"?><Response><Dial>${sip ? `<Sip>${sip}</Sip>` : AGENT}</Dial></Response>`
          : dialTwiml({ callerId, ...(sip ? { sipUri: sip } : { number: AGENT }) }),
      opts,
    );

  it.each([
    ['the called number', OUR_NUMBER],
    ['the calling number', CALLER],
    ['a number the account owns', OWNED],
    ['a verified number', VERIFIED],
  ])('places a PSTN dial showing %s', async (_label, callerId) => {
    const { fake } = await restFake();
    const c = await dialWith(callerId, { restFake: fake });
    expect(await c.ended).toMatchObject({ reason: 'dialed' });
    expect(c.dialAttempts).toEqual([expect.objectContaining({ placed: true })]);
  });

  it.each([
    ['a number the account does not have', '+15559990000'],
    ['a name', 'Acme Support'],
    ['a national number', '07700900123'],
  ])('refuses %s with 13214, logged on the call and the fake', async (_label, callerId) => {
    const { fake } = await restFake();
    const c = await dialWith(callerId, { restFake: fake });
    expect(await c.ended).toMatchObject({ reason: 'dial_failed', errorCode: 13214 });
    expect(c.dialed).toEqual([]);
    expect(c.dialAttempts).toEqual([expect.objectContaining({ placed: false, errorCode: 13214 })]);
    expect(fake.notifications).toEqual([expect.objectContaining({ callSid: c.callSid, errorCode: 13214 })]);
  });

  it('passes a PSTN caller on without callerId, but not a withheld one', async () => {
    expect(await (await dialWith(undefined)).ended).toMatchObject({ reason: 'dialed' });
    await server!.close();
    const withheld = await dialWith(undefined, { from: '+266696687' });
    expect(await withheld.ended).toMatchObject({ reason: 'dial_failed', errorCode: 13214 });
  });

  it('needs an owned or verified callerId for a SIP caller dialling the PSTN; its SIP identity is refused', async () => {
    const sip = { sip: { domain: 'acme.sip.twilio.com' } };
    const none = await dialWith(undefined, sip);
    expect(await none.ended).toMatchObject({ reason: 'dial_failed', errorCode: 13214 });
    await server!.close();
    const identity = await dialWith(`sip:${CALLER}@acme.sip.twilio.com`, sip);
    expect(await identity.ended).toMatchObject({ reason: 'dial_failed', errorCode: 13214 });
    await server!.close();
    const { fake } = await restFake();
    const owned = await dialWith(OWNED, { ...sip, restFake: fake });
    expect(await owned.ended).toMatchObject({ reason: 'dialed' });
  });

  it('takes any alphanumeric callerId (and +-_.) for a <Sip> dial, not whitespace', async () => {
    const ok = await dialWith('acme-support_1.+', {}, 'sip:agent@pbx.example.com');
    expect(await ok.ended).toMatchObject({ reason: 'dialed', detail: 'sip:agent@pbx.example.com' });
    await server!.close();
    const bad = await dialWith('acme support', {}, 'sip:agent@pbx.example.com');
    expect(await bad.ended).toMatchObject({ reason: 'dial_failed', errorCode: 13214 });
  });

  it('refuses a dialled number that is not E.164 (13224), and runs the verbs after a refused dial', async () => {
    const c = await call(
      () =>
        `<?xml version="1.0" encoding="UTF-8"?><Response><Dial callerId="${OUR_NUMBER}">12345</Dial><Say>Sorry, we could not connect you.</Say></Response>`,
    );
    expect(await c.ended).toMatchObject({ reason: 'twiml_finished' });
    expect(c.dialAttempts).toEqual([expect.objectContaining({ placed: false, errorCode: 13224 })]);
    expect(c.said).toEqual(['Sorry, we could not connect you.']);
  });

  it('reads the account numbers from the call option before the fake', async () => {
    const c = await dialWith(OWNED, { accountNumbers: { owned: [OWNED] } });
    expect(await c.ended).toMatchObject({ reason: 'dialed' });
  });
});

describe('dialProblem (property)', () => {
  const e164 = fc
    .tuple(fc.integer({ min: 1, max: 9 }), fc.stringMatching(/^\d{6,13}$/))
    .map(([cc, rest]) => `+${cc}${rest}`);

  it('places a PSTN dial exactly when the callerId is From, To, owned or verified', () => {
    fc.assert(
      fc.property(
        e164,
        e164,
        fc.array(e164, { maxLength: 3 }),
        fc.array(e164, { maxLength: 3 }),
        e164,
        (from, to, owned, verified, callerId) => {
          const problem = dialProblem(
            { verb: 'Dial', number: AGENT, callerId },
            { from, to },
            { owned, verified },
          );
          const allowed = [from, to, ...owned, ...verified].includes(callerId) && callerId !== '+266696687';
          expect(problem === null).toBe(allowed);
          if (problem) expect(problem.errorCode).toBe(13214);
        },
      ),
    );
  });

  it('never throws, whatever the callerId and number', () => {
    fc.assert(
      fc.property(fc.string(), fc.option(fc.string()), fc.option(fc.string()), (callerId, number, sipUri) => {
        const verb = {
          verb: 'Dial' as const,
          callerId,
          ...(number !== null ? { number } : {}),
          ...(sipUri !== null ? { sip: sipUri } : {}),
        };
        const problem = dialProblem(verb, { from: CALLER, to: OUR_NUMBER }, {});
        if (problem) expect([13214, 13224]).toContain(problem.errorCode);
      }),
    );
  });
});

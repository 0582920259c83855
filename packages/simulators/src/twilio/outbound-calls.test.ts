/**
 * Outbound calls through the Calls REST fake, placed with the real twilio SDK. Sources (twilio.com/docs):
 * the Call resource's create parameters (To, From, Url/Twiml/ApplicationSid, StatusCallbackEvent,
 * MachineDetection, AsyncAmd, AsyncAmdStatusCallback); errors 21201, 21210 ("'From' phone number not
 * verified"), 21211 ("The 'To' number … is not a valid phone number"), 21215 (geo permissions);
 * Answering Machine Detection (AnsweredBy human / machine_start / machine_end_beep / fax / unknown,
 * MachineDetectionDuration; async results posted to AsyncAmdStatusCallback).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createTwilioRestClient, validateTwilioRequest } from '@switchboard/telephony';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { type Callee, type OutboundDialer, startOutboundDialer } from './outbound-dialer.ts';
import { startTwilioRestFake, type TwilioRestFake } from './rest-fake.ts';

const AUTH_TOKEN = 'outbound-auth-token-0123456789abcd';
const ACCOUNT_SID = `AC${'5'.repeat(32)}`;
const PUBLIC = 'https://voice.example.com';
const OURS = '+18005550100';
const CALLEE = '+14155550199';

interface Received {
  path: string;
  form: Record<string, string>;
  signed: boolean;
}

let fake: TwilioRestFake | undefined;
let dialer: OutboundDialer | undefined;
let server: Server | undefined;

afterEach(async () => {
  dialer?.close();
  await fake?.close();
  await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
  fake = undefined;
  dialer = undefined;
  server = undefined;
});

/** A voice server stand-in: records every signed request, answers TwiML that says a line and hangs up. */
async function start(callee: Callee, blockedPrefixes?: string[]) {
  const received: Received[] = [];
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => {
      body += c;
    });
    req.on('end', () => {
      const form = Object.fromEntries(new URLSearchParams(body));
      const url = PUBLIC + (req.url ?? '');
      const sig = String(req.headers['x-twilio-signature'] ?? '');
      received.push({ path: req.url ?? '', form, signed: validateTwilioRequest(AUTH_TOKEN, sig, url, form) });
      res.writeHead(200, { 'content-type': 'text/xml' });
      res.end('<Response><Say>Hello from the agent</Say><Hangup/></Response>');
    });
  });
  await new Promise<void>((r) => server!.listen(0, '127.0.0.1', () => r()));
  const local = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  fake = await startTwilioRestFake({
    accountSid: ACCOUNT_SID,
    authToken: AUTH_TOKEN,
    accountNumbers: { owned: [OURS] },
    ...(blockedPrefixes ? { blockedPrefixes } : {}),
  });
  dialer = startOutboundDialer({
    restFake: fake,
    accountSid: ACCOUNT_SID,
    authToken: AUTH_TOKEN,
    voiceServerUrl: local,
    publicBaseUrl: PUBLIC,
    callee: () => callee,
  });
  const client = createTwilioRestClient({
    accountSid: ACCOUNT_SID,
    authToken: AUTH_TOKEN,
    apiBaseUrl: fake.baseUrl,
  });
  return { received, client };
}

const create = (overrides: Record<string, unknown> = {}) => ({
  to: CALLEE,
  from: OURS,
  url: `${PUBLIC}/answer?id=1`,
  statusCallback: `${PUBLIC}/status?id=1`,
  statusCallbackEvent: ['initiated', 'ringing', 'answered', 'completed'],
  ...overrides,
});

async function refusal(p: Promise<unknown>): Promise<{ status: number; code: number; message: string }> {
  try {
    await p;
  } catch (err) {
    const e = err as { status: number; code: number; message: string };
    return { status: e.status, code: e.code, message: e.message };
  }
  throw new Error('the create was accepted');
}

describe('calls.create on the REST fake', () => {
  it('refuses what Twilio refuses, with its codes', async () => {
    const { client } = await start({ answer: 'human' }, ['+882']);
    // A NANP area code cannot start with 0: Twilio says the To is not a valid phone number.
    expect(await refusal(client.calls.create(create({ to: '+10005550100' })))).toMatchObject({
      status: 400,
      code: 21211,
    });
    expect(await refusal(client.calls.create(create({ from: '+14155550111' })))).toMatchObject({
      status: 400,
      code: 21210,
    });
    expect(await refusal(client.calls.create(create({ to: '+88216000000' })))).toMatchObject({ code: 21215 });
    expect(await refusal(client.calls.create(create({ url: 'not a url' })))).toMatchObject({ code: 21205 });
    expect(fake!.requests.every((r) => r.status === 400)).toBe(true);
  });

  it('answers 201 with a queued outbound-api call, then posts the status callbacks in order', async () => {
    const { client, received } = await start({ answer: 'human' });
    const call = await client.calls.create(create());
    expect(call).toMatchObject({ status: 'queued', direction: 'outbound-api', to: CALLEE, from: OURS });
    const dialed = await dialer!.waitForCall(call.sid);
    expect(await dialed.done).toBe('completed');
    const statuses = received.filter((r) => r.path.startsWith('/status')).map((r) => r.form.CallStatus);
    expect(statuses).toEqual(['initiated', 'ringing', 'in-progress', 'completed']);
    expect(received.every((r) => r.signed)).toBe(true);
    const answer = received.find((r) => r.path.startsWith('/answer'))!;
    expect(answer.form).toMatchObject({ Direction: 'outbound-api', CallStatus: 'in-progress', To: CALLEE });
    expect(dialed.call!.said).toEqual(['Hello from the agent']);
    const seq = received.filter((r) => r.path.startsWith('/status')).map((r) => r.form.SequenceNumber);
    expect(seq).toEqual(['0', '1', '2', '3']);
  });

  it.each([
    ['busy', { answer: 'busy' } as Callee],
    ['no-answer', { answer: 'no-answer', ringMs: 50 } as Callee],
    ['failed', { answer: 'failed' } as Callee],
  ])('ends a %s call with that status and never fetches the TwiML', async (status, callee) => {
    const { client, received } = await start(callee);
    const call = await client.calls.create(create({ statusCallbackEvent: undefined }));
    expect(await (await dialer!.waitForCall(call.sid)).done).toBe(status);
    // Without StatusCallbackEvent Twilio posts only the final event.
    expect(received.map((r) => [r.path.split('?')[0], r.form.CallStatus])).toEqual([['/status', status]]);
    expect((await client.calls(call.sid).fetch()).status).toBe(status);
  });

  it('reports a machine to the async AMD callback once its greeting ended with the beep', async () => {
    const { client, received } = await start({ answer: 'machine', greeting: 'leave a message' });
    const call = await client.calls.create(
      create({
        machineDetection: 'DetectMessageEnd',
        asyncAmd: 'true',
        asyncAmdStatusCallback: `${PUBLIC}/amd?id=1`,
        // The agent must still be on the line when the verdict comes.
        url: `${PUBLIC}/answer?id=1`,
      }),
    );
    const dialed = await dialer!.waitForCall(call.sid);
    await dialed.done;
    // The TwiML here hangs up at once, so the call ends before the greeting does: no verdict is sent.
    expect(received.filter((r) => r.path.startsWith('/amd'))).toEqual([]);
    expect(received.find((r) => r.path.startsWith('/answer'))!.form.AnsweredBy).toBeUndefined();
  });

  it('puts a synchronous AMD verdict in the answer webhook', async () => {
    const { client, received } = await start({ answer: 'machine', greeting: 'hi', beep: true });
    const call = await client.calls.create(create({ machineDetection: 'Enable' }));
    await (await dialer!.waitForCall(call.sid)).done;
    expect(received.find((r) => r.path.startsWith('/answer'))!.form.AnsweredBy).toBe('machine_start');
    expect((await client.calls(call.sid).fetch()).answeredBy).toBe('machine_start');
  });

  it('never answers a create with a 5xx, whatever the form (property)', async () => {
    await start({ answer: 'failed' });
    const field = fc.constantFrom(
      'To',
      'From',
      'Url',
      'Twiml',
      'StatusCallback',
      'StatusCallbackEvent',
      'MachineDetection',
      'AsyncAmd',
      'Timeout',
      'Method',
    );
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(field, fc.string({ maxLength: 40 })), { maxLength: 8 }),
        async (pairs) => {
          const body = new URLSearchParams(pairs).toString();
          const res = await fetch(`${fake!.baseUrl}/2010-04-01/Accounts/${ACCOUNT_SID}/Calls.json`, {
            method: 'POST',
            headers: {
              authorization: `Basic ${Buffer.from(`${ACCOUNT_SID}:${AUTH_TOKEN}`).toString('base64')}`,
              'content-type': 'application/x-www-form-urlencoded',
            },
            body,
          });
          const json = (await res.json()) as { code?: number; status?: number | string; more_info?: string };
          expect(res.status === 201 || res.status === 400).toBe(true);
          if (res.status === 400) expect(json).toMatchObject({ code: expect.any(Number), status: 400 });
        },
      ),
      { numRuns: 60 },
    );
  });
});

import { scriptedConnector } from '@switchboard/realtime/testing';
import { createLogger } from '@switchboard/service-kit';
import { signTwilioRequest } from '@switchboard/telephony';
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildVoiceServer, type VoiceServer } from '../app.ts';
import { InMemoryAppServer } from '../ports/in-memory-app-server.ts';
import type { CreateCallParams, CreateCallResult } from '../ports/twilio-rest.ts';
import { AUTH_TOKEN, PUBLIC } from '../testing/app-harness.ts';
import { FakeAiServer, FakeTwilioRest } from '../testing/fakes.ts';
import type { OutboundReport, OutboundReportAnswer } from './outbound-reports.ts';

const SERVICE_TOKEN = 'svc-token';
const ID = '0b7e2f9e-0000-4000-8000-000000000001';
const SID = `CA${'a'.repeat(32)}`;

let server: VoiceServer;
let rest: FakeTwilioRest;
let created: CreateCallParams[];
let createResult: CreateCallResult;
let reports: Array<{ id: string; report: OutboundReport }>;
let answer: OutboundReportAnswer;

beforeEach(async () => {
  created = [];
  reports = [];
  createResult = { ok: true, callSid: SID, status: 'queued' };
  answer = { profileRef: 'acme-support', status: 'in-progress', voicemailMessage: 'Please call us back.' };
  rest = new FakeTwilioRest();
  server = await buildVoiceServer({
    config: {
      PUBLIC_BASE_URL: PUBLIC,
      TWILIO_AUTH_TOKEN: AUTH_TOKEN,
      STREAM_START_TIMEOUT_MS: 5000,
      MAX_FRAME_BYTES: 65536,
      SERVICE_TOKEN,
    },
    logger: createLogger({ name: 'test', level: 'silent' }),
    aiServer: new FakeAiServer(),
    appServer: new InMemoryAppServer(),
    twilioRest: rest,
    connectRealtime: scriptedConnector(),
    twilioCalls: {
      async createCall(p) {
        created.push(p);
        return createResult;
      },
    },
    outboundReports: {
      async report(id, report) {
        reports.push({ id, report });
        return answer;
      },
    },
  });
  await server.app.ready();
});
afterEach(() => server.app.close());

const place = (body: unknown, token = SERVICE_TOKEN) =>
  server.app.inject({
    method: 'POST',
    url: '/internal/outbound-calls',
    headers: { authorization: `Bearer ${token}` },
    payload: body as object,
  });
const placeBody = {
  outboundCallId: ID,
  to: '+14155550199',
  from: '+18005550100',
  machineDetection: 'DetectMessageEnd',
  timeoutSec: 30,
};

function signedPost(path: string, params: Record<string, string>, signature?: string) {
  return server.app.inject({
    method: 'POST',
    url: path,
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      'x-twilio-signature': signature ?? signTwilioRequest(AUTH_TOKEN, PUBLIC + path, params),
    },
    payload: new URLSearchParams(params).toString(),
  });
}

describe('POST /internal/outbound-calls', () => {
  it('creates the call with AMD and callbacks that carry the outbound call id', async () => {
    expect((await place(placeBody, 'wrong')).statusCode).toBe(401);
    const res = await place(placeBody);
    expect(res.statusCode).toBe(201);
    expect(res.json()).toEqual({ callSid: SID, status: 'queued' });
    expect(created).toEqual([
      {
        to: '+14155550199',
        from: '+18005550100',
        url: `${PUBLIC}/twilio-outbound/answer?call=${ID}`,
        statusCallback: `${PUBLIC}/twilio-outbound/status?call=${ID}`,
        machineDetection: 'DetectMessageEnd',
        asyncAmdStatusCallback: `${PUBLIC}/twilio-outbound/amd?call=${ID}`,
        timeoutSec: 30,
      },
    ]);
  });

  it('passes Twilio’s refusal on with its code', async () => {
    createResult = { ok: false, refused: true, twilioCode: 21211, message: "Invalid 'To' Phone Number" };
    const res = await place(placeBody);
    expect(res.statusCode).toBe(400);
    expect(res.json().error).toMatchObject({ code: 'TWILIO_REFUSED', details: { twilioCode: 21211 } });
  });

  it('never answers a 5xx to a hostile body (property)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.anything(), async (body) => {
        const res = await server.app.inject({
          method: 'POST',
          url: '/internal/outbound-calls',
          headers: { authorization: `Bearer ${SERVICE_TOKEN}`, 'content-type': 'application/json' },
          payload: JSON.stringify(body) ?? 'null',
        });
        expect(res.statusCode).toBeLessThan(500);
      }),
      { numRuns: 100 },
    );
  });
});

describe("Twilio's outbound requests", () => {
  const answered = {
    CallSid: SID,
    From: '+18005550100',
    To: '+14155550199',
    CallStatus: 'in-progress',
    Direction: 'outbound-api',
  };

  it('answers the callee with a stream for the call’s profile, the callee as the caller number', async () => {
    expect((await signedPost(`/twilio-outbound/answer?call=${ID}`, answered, 'forged')).statusCode).toBe(403);
    const res = await signedPost(`/twilio-outbound/answer?call=${ID}`, answered);
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('<Connect><Stream url="wss://voice.example.com/twilio-stream">');
    expect(res.body).toContain('name="bot_profile_key" value="acme-support"');
    expect(res.body).toContain('name="original_caller_number" value="+14155550199"');
    expect(res.body).toContain(`name="outbound_call_id" value="${ID}"`);
    expect(reports).toEqual([{ id: ID, report: { callSid: SID, status: 'in-progress' } }]);
  });

  it('hangs up a call ai-server already ended', async () => {
    answer = { ...answer, status: 'canceled' };
    const res = await signedPost(`/twilio-outbound/answer?call=${ID}`, answered);
    expect(res.body).toContain('<Hangup/>');
    expect(res.body).not.toContain('<Stream');
  });

  it('reports status callbacks with their duration', async () => {
    const res = await signedPost(`/twilio-outbound/status?call=${ID}`, {
      CallSid: SID,
      CallStatus: 'completed',
      CallDuration: '42',
    });
    expect(res.statusCode).toBe(204);
    expect(reports).toEqual([{ id: ID, report: { callSid: SID, status: 'completed', durationSec: 42 } }]);
  });

  it.each([
    ['machine_end_beep', 'Please call us back.', 'left_message'],
    ['machine_end_silence', null, 'hung_up'],
    ['fax', 'Please call us back.', 'hung_up'],
  ])('on %s (message %s) the agent %s', async (answeredBy, message, voicemail) => {
    answer = { ...answer, voicemailMessage: message };
    const res = await signedPost(`/twilio-outbound/amd?call=${ID}`, { CallSid: SID, AnsweredBy: answeredBy });
    expect(res.statusCode).toBe(204);
    if (voicemail === 'left_message') {
      expect(rest.updates).toHaveLength(1);
      expect(rest.updates[0]!.twiml).toContain('<Say>Please call us back.</Say><Hangup/>');
    } else expect(rest.hangups).toEqual([SID]);
    expect(reports.map((r) => r.report)).toEqual([
      { callSid: SID, answeredBy },
      { callSid: SID, voicemail },
    ]);
  });

  it('lets the agent go on with a person', async () => {
    await signedPost(`/twilio-outbound/amd?call=${ID}`, { CallSid: SID, AnsweredBy: 'human' });
    expect(rest.updates).toEqual([]);
    expect(rest.hangups).toEqual([]);
  });

  it('never answers a 5xx to hostile signed requests (property)', async () => {
    const path = fc.constantFrom('answer', 'status', 'amd');
    const field = fc.constantFrom('CallSid', 'CallStatus', 'AnsweredBy', 'To', 'CallDuration', 'From');
    const value = fc.oneof(
      fc.string(),
      fc.constant(SID),
      fc.constantFrom('completed', 'machine_end_beep', 'human'),
    );
    await fc.assert(
      fc.asyncProperty(
        path,
        fc.oneof(fc.constant(ID), fc.string()),
        fc.array(fc.tuple(field, value), { maxLength: 6 }),
        async (kind, id, pairs) => {
          const params = Object.fromEntries(pairs);
          const res = await signedPost(`/twilio-outbound/${kind}?call=${encodeURIComponent(id)}`, params);
          expect(res.statusCode).toBeLessThan(500);
        },
      ),
      { numRuns: 100 },
    );
  });
});

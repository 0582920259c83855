import { scriptedConnector } from '@switchboard/realtime/testing';
import { createLogger } from '@switchboard/service-kit';
import { encodeTwilioConnected, parseTwiml, signTwilioRequest } from '@switchboard/telephony';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { buildVoiceServer, type VoiceServer } from '../app.ts';
import { InMemoryAppServer } from '../ports/in-memory-app-server.ts';
import { StreamTokens } from '../stream/stream-token.ts';
import {
  AUTH_TOKEN,
  closed,
  form,
  LookupAi,
  PUBLIC,
  postWebhook,
  pstnCall,
  SIDS,
  STREAM_URL,
  startFrame,
} from '../testing/app-harness.ts';
import { FakeTwilioRest } from '../testing/fakes.ts';
import { consentNoticeOf, DEFAULT_CONSENT_NOTICE, RECORD_PARAM } from './consent.ts';
import type { RecordingReport } from './recording-reports.ts';

const RE = `RE${'c'.repeat(32)}`;
let server: VoiceServer | undefined;
afterEach(async () => {
  await server?.app.close();
  server = undefined;
});

async function build(
  opts: {
    recording?: { enabled: boolean; consentNotice?: string | null };
    failReport?: boolean;
    refuse?: boolean;
  } = {},
) {
  const ai = new LookupAi();
  if (opts.recording) ai.profile = { ...ai.profile, recording: opts.recording, language: 'en-GB' };
  const started: Array<{ callSid: string; statusCallback: string }> = [];
  const reports: Array<{ callSid: string; report: RecordingReport }> = [];
  server = await buildVoiceServer({
    config: {
      PUBLIC_BASE_URL: PUBLIC,
      TWILIO_AUTH_TOKEN: AUTH_TOKEN,
      STREAM_START_TIMEOUT_MS: 5000,
      MAX_FRAME_BYTES: 65536,
    },
    logger: createLogger({ name: 'test', level: 'silent' }),
    aiServer: ai,
    appServer: new InMemoryAppServer(),
    twilioRest: new FakeTwilioRest(),
    connectRealtime: scriptedConnector(),
    twilioRecordings: {
      async startRecording(callSid, o) {
        started.push({ callSid, statusCallback: o.statusCallback });
        if (opts.refuse) throw Object.assign(new Error('Invalid call state'), { status: 400, code: 21220 });
        return { recordingSid: RE };
      },
    },
    recordingReports: {
      async report(callSid, report) {
        if (opts.failReport) throw new Error('ECONNREFUSED');
        reports.push({ callSid, report });
      },
    },
  });
  await server.app.ready();
  return { app: server.app, ai, started, reports, server };
}

const until = async (ok: () => boolean, what: string) => {
  for (let i = 0; i < 200 && !ok(); i++) await new Promise((r) => setTimeout(r, 10));
  if (!ok()) throw new Error(`timed out waiting for ${what}`);
};

const completed = (extra: Record<string, string> = {}): Record<string, string> => ({
  AccountSid: SIDS.account,
  CallSid: SIDS.call,
  RecordingSid: RE,
  RecordingUrl: `https://api.twilio.com/2010-04-01/Accounts/${SIDS.account}/Recordings/${RE}`,
  RecordingStatus: 'completed',
  RecordingDuration: '42',
  RecordingChannels: '2',
  RecordingStartTime: 'Sun, 06 Dec 2026 11:00:00 +0000',
  RecordingSource: 'StartCallRecordingAPI',
  ...extra,
});

function postCallback(app: VoiceServer['app'], params: Record<string, string>, signature?: string) {
  return app.inject({
    method: 'POST',
    url: '/twilio-recording/status',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      'x-twilio-signature':
        signature ?? signTwilioRequest(AUTH_TOKEN, `${PUBLIC}/twilio-recording/status`, params),
    },
    payload: form(params),
  });
}

describe('consent notice', () => {
  it('is the profile text, a default when it has none, and nothing when recording is off', () => {
    expect(consentNoticeOf(undefined)).toBeNull();
    expect(consentNoticeOf({ recording: { enabled: false, consentNotice: 'x' } })).toBeNull();
    expect(consentNoticeOf({ recording: { enabled: true } })).toBe(DEFAULT_CONSENT_NOTICE);
    expect(consentNoticeOf({ recording: { enabled: true, consentNotice: '  ' } })).toBe(
      DEFAULT_CONSENT_NOTICE,
    );
    expect(consentNoticeOf({ recording: { enabled: true, consentNotice: 'We record.' } })).toBe('We record.');
  });

  it('is said before the stream opens on a recorded profile, whose stream asks to be recorded', async () => {
    const { app } = await build({ recording: { enabled: true, consentNotice: 'Acme records this call.' } });
    const params = pstnCall();
    const res = await postWebhook(
      app,
      params,
      signTwilioRequest(AUTH_TOKEN, `${PUBLIC}/twilio-voice-webhook`, params),
    );
    const verbs = parseTwiml(res.body);
    expect(verbs.map((v) => v.verb)).toEqual(['Say', 'Connect']);
    expect(verbs[0]).toMatchObject({ verb: 'Say', text: 'Acme records this call.' });
    expect(res.body).toContain('language="en-GB"');
    expect(res.body).toContain(`name="${RECORD_PARAM}" value="dual"`);
  });

  it('is not said, and nothing is recorded, when the profile does not record or cannot be read', async () => {
    const { app, ai } = await build();
    const params = pstnCall();
    const sig = signTwilioRequest(AUTH_TOKEN, `${PUBLIC}/twilio-voice-webhook`, params);
    const plain = await postWebhook(app, params, sig);
    expect(parseTwiml(plain.body).map((v) => v.verb)).toEqual(['Connect']);
    expect(plain.body).not.toContain(RECORD_PARAM);
    ai.profile = { ...ai.profile, recording: { enabled: true } };
    ai.failProfile = true;
    const down = await postWebhook(app, params, sig);
    expect(parseTwiml(down.body).map((v) => v.verb)).toEqual(['Connect']);
  });
});

describe('starting the recording', () => {
  it('asks Twilio once the stream starts with the signed parameter, with the status callback URL', async () => {
    const { app, started } = await build({ recording: { enabled: true } });
    const ws = await app.injectWS('/twilio-stream', {
      headers: { 'x-twilio-signature': signTwilioRequest(AUTH_TOKEN, STREAM_URL) },
    });
    ws.send(encodeTwilioConnected());
    ws.send(startFrame({ bot_profile_key: 'acme-support', [RECORD_PARAM]: 'dual' }));
    await until(() => started.length === 1, 'recording start');
    expect(started[0]).toEqual({ callSid: SIDS.call, statusCallback: `${PUBLIC}/twilio-recording/status` });
    expect(server!.metrics.callRecordings.get('started')).toBe(1);
    ws.terminate();
  });

  it('records nothing for a stream without the parameter, or one that added it after the token was minted', async () => {
    const { app, started } = await build({ recording: { enabled: true } });
    const ws = await app.injectWS('/twilio-stream', {
      headers: { 'x-twilio-signature': signTwilioRequest(AUTH_TOKEN, STREAM_URL) },
    });
    ws.send(encodeTwilioConnected());
    ws.send(startFrame({ bot_profile_key: 'acme-support' }));
    await until(() => server!.sessions.size === 1, 'session');
    ws.terminate();
    // The parameter added to a start whose token was minted without it: the stream is refused.
    const forged = await app.injectWS('/twilio-stream', {
      headers: { 'x-twilio-signature': signTwilioRequest(AUTH_TOKEN, STREAM_URL) },
    });
    const token = new StreamTokens(AUTH_TOKEN).issue(SIDS.call, { bot_profile_key: 'acme-support' });
    forged.send(encodeTwilioConnected());
    forged.send(startFrame({ bot_profile_key: 'acme-support', [RECORD_PARAM]: 'dual' }, { token }));
    expect(await closed(forged)).toBe(1008);
    expect(started).toEqual([]);
  });

  it('goes on with the call when Twilio refuses (counted, not thrown)', async () => {
    const { app, started, server: s } = await build({ recording: { enabled: true }, refuse: true });
    const ws = await app.injectWS('/twilio-stream', {
      headers: { 'x-twilio-signature': signTwilioRequest(AUTH_TOKEN, STREAM_URL) },
    });
    ws.send(encodeTwilioConnected());
    ws.send(startFrame({ bot_profile_key: 'acme-support', [RECORD_PARAM]: 'dual' }));
    await until(() => s.metrics.callRecordings.get('refused') === 1, 'refusal counted');
    expect(started).toHaveLength(1);
    expect(s.sessions.size).toBe(1);
    ws.terminate();
  });
});

describe('POST /twilio-recording/status', () => {
  it('passes a completed recording to app-server: SID, account, duration, channels, start', async () => {
    const { app, reports } = await build();
    const res = await postCallback(app, completed());
    expect(res.statusCode).toBe(204);
    expect(reports).toEqual([
      {
        callSid: SIDS.call,
        report: {
          recordingSid: RE,
          accountSid: SIDS.account,
          status: 'completed',
          durationSec: 42,
          channels: 2,
          startedAt: '2026-12-06T11:00:00.000Z',
        },
      },
    ]);
    // The Twilio URL is not passed on: app-server builds its own from the SIDs.
    expect(JSON.stringify(reports)).not.toContain('api.twilio.com');
  });

  it('refuses an unsigned or forged callback with 403 and reports nothing', async () => {
    const { app, reports } = await build();
    expect((await postCallback(app, completed(), 'forged')).statusCode).toBe(403);
    const other = signTwilioRequest('another-token', `${PUBLIC}/twilio-recording/status`, completed());
    expect((await postCallback(app, completed(), other)).statusCode).toBe(403);
    expect(reports).toEqual([]);
  });

  it('acknowledges in-progress and malformed callbacks without reporting them', async () => {
    const { app, reports } = await build();
    expect((await postCallback(app, completed({ RecordingStatus: 'in-progress' }))).statusCode).toBe(204);
    expect((await postCallback(app, completed({ RecordingSid: 'RE123' }))).statusCode).toBe(204);
    expect((await postCallback(app, completed({ CallSid: 'nope' }))).statusCode).toBe(204);
    expect(reports).toEqual([]);
    expect(
      (await postCallback(app, completed({ RecordingStatus: 'absent', RecordingDuration: '0' }))).statusCode,
    ).toBe(204);
    expect(reports.map((r) => r.report.status)).toEqual(['absent']);
  });

  it('answers 502 when app-server cannot take it', async () => {
    const { app } = await build({ failReport: true });
    expect((await postCallback(app, completed())).statusCode).toBe(502);
  });

  it('never answers 5xx other than 502 for any signed form (property)', async () => {
    const { app } = await build();
    await fc.assert(
      fc.asyncProperty(
        fc.dictionary(
          fc.constantFrom(
            'CallSid',
            'RecordingSid',
            'AccountSid',
            'RecordingStatus',
            'RecordingDuration',
            'RecordingChannels',
            'RecordingStartTime',
          ),
          fc.string({ maxLength: 40 }),
        ),
        async (extra) => {
          const res = await postCallback(app, completed(extra));
          expect(res.statusCode).toBe(204);
        },
      ),
      { numRuns: 60 },
    );
  });
});

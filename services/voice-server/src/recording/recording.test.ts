import { scriptedConnector } from '@switchboard/realtime/testing';
import { createLogger } from '@switchboard/service-kit';
import { parseTwiml, signTwilioRequest } from '@switchboard/telephony';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { buildVoiceServer, type VoiceServer } from '../app.ts';
import { InMemoryAppServer } from '../ports/in-memory-app-server.ts';
import { AUTH_TOKEN, form, LookupAi, PUBLIC, postWebhook, pstnCall, SIDS } from '../testing/app-harness.ts';
import { FakeTwilioRest } from '../testing/fakes.ts';
import { consentNoticeOf, DEFAULT_CONSENT_NOTICE } from './consent.ts';
import type { RecordingReport } from './recording-reports.ts';

const RE = `RE${'c'.repeat(32)}`;
let server: VoiceServer | undefined;
afterEach(async () => {
  await server?.app.close();
  server = undefined;
});

async function build(
  opts: { recording?: { enabled: boolean; consentNotice?: string | null }; failReport?: boolean } = {},
) {
  const ai = new LookupAi();
  if (opts.recording) ai.profile = { ...ai.profile, recording: opts.recording, language: 'en-GB' };
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
    recordingReports: {
      async report(callSid, report) {
        if (opts.failReport) throw new Error('ECONNREFUSED');
        reports.push({ callSid, report });
      },
    },
  });
  await server.app.ready();
  return { app: server.app, ai, reports, server };
}

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

  it('is said after <Start><Recording> and before the stream opens on a recorded profile', async () => {
    const { app, server: s } = await build({
      recording: { enabled: true, consentNotice: 'Acme records this call.' },
    });
    const params = pstnCall();
    const res = await postWebhook(
      app,
      params,
      signTwilioRequest(AUTH_TOKEN, `${PUBLIC}/twilio-voice-webhook`, params),
    );
    const verbs = parseTwiml(res.body);
    // https://www.twilio.com/docs/voice/twiml/recording: recording starts before the next verb runs,
    // so the notice is in the recording.
    expect(verbs.map((v) => v.verb)).toEqual(['Start', 'Say', 'Connect']);
    expect(verbs[0]).toEqual({
      verb: 'Start',
      recording: {
        channels: 'dual',
        recordingStatusCallback: `${PUBLIC}/twilio-recording/status`,
        recordingStatusCallbackEvent: 'completed absent',
      },
    });
    expect(verbs[1]).toMatchObject({ verb: 'Say', text: 'Acme records this call.' });
    expect(res.body).toContain('language="en-GB"');
    expect(s.metrics.callRecordings.get('started')).toBe(1);
  });

  it('is not said, and nothing is recorded, when the profile does not record or cannot be read', async () => {
    const { app, ai } = await build();
    const params = pstnCall();
    const sig = signTwilioRequest(AUTH_TOKEN, `${PUBLIC}/twilio-voice-webhook`, params);
    const plain = await postWebhook(app, params, sig);
    expect(parseTwiml(plain.body).map((v) => v.verb)).toEqual(['Connect']);
    expect(plain.body).not.toContain('Recording');
    ai.profile = { ...ai.profile, recording: { enabled: true } };
    ai.failProfile = true;
    const down = await postWebhook(app, params, sig);
    expect(parseTwiml(down.body).map((v) => v.verb)).toEqual(['Connect']);
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

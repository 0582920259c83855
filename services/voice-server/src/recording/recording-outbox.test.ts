/**
 * The recording status callback through app-server's outbox: app-server down when Twilio calls back,
 * the recording still lands on the conversation once it is back; Twilio's repeats make one report.
 */
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { scriptedConnector } from '@switchboard/realtime/testing';
import { createLogger } from '@switchboard/service-kit';
import { HttpAppServerClient } from '@switchboard/service-kit/clients/app-server';
import { signTwilioRequest } from '@switchboard/telephony';
import { afterEach, describe, expect, it } from 'vitest';
// app-server is not a dependency of voice-server; its source is reached directly for this test only.
import { type AppServer, buildAppServer, MemoryStore } from '../../../app-server/src/index.ts';
import { buildVoiceServer, type VoiceServer } from '../app.ts';
import { QueuedAppServer } from '../resilience/queued-app-server.ts';
import { AUTH_TOKEN, form, LookupAi, PUBLIC, SIDS } from '../testing/app-harness.ts';
import { FakeTwilioRest } from '../testing/fakes.ts';
import { SwitchableProxy } from '../testing/switchable-proxy.ts';
import { httpRecordingReports } from './recording-reports.ts';

const SERVICE_TOKEN = 'recording-outbox-service-token';
const RE = `RE${'d'.repeat(32)}`;
const discard = new Writable({ write: (_c, _e, cb) => cb() });

let appServer: AppServer | undefined;
let store: MemoryStore | undefined;
let proxy: SwitchableProxy | undefined;
let queue: QueuedAppServer | undefined;
let voice: VoiceServer | undefined;
afterEach(async () => {
  queue?.close();
  await voice?.app.close();
  await proxy?.off();
  await appServer?.app.close();
  queue = proxy = appServer = voice = undefined;
});

async function setUp() {
  store = new MemoryStore();
  appServer = await buildAppServer({
    config: {
      SERVICE_TOKEN,
      SESSION_SECRET: 'recording-outbox-session-secret-32-chars',
      SESSION_TTL_HOURS: 1,
      COOKIE_SECURE: false,
      OPIK_UI_URL: undefined,
    },
    logger: createLogger({ name: 'app-server', destination: discard }),
    store,
  });
  await appServer.app.listen({ host: '127.0.0.1', port: 0 });
  proxy = new SwitchableProxy((appServer.app.server.address() as AddressInfo).port);
  await proxy.on();
  queue = new QueuedAppServer(
    new HttpAppServerClient({ baseUrl: proxy.url, token: SERVICE_TOKEN, maxAttempts: 1, timeoutMs: 2_000 }),
    { retryBaseMs: 20, retryMaxMs: 200 },
  );
  voice = await buildVoiceServer({
    config: {
      PUBLIC_BASE_URL: PUBLIC,
      TWILIO_AUTH_TOKEN: AUTH_TOKEN,
      STREAM_START_TIMEOUT_MS: 5000,
      MAX_FRAME_BYTES: 65536,
    },
    logger: createLogger({ name: 'voice-server', level: 'silent' }),
    aiServer: new LookupAi(),
    appServer: queue,
    twilioRest: new FakeTwilioRest(),
    connectRealtime: scriptedConnector(),
    recordingReports: httpRecordingReports({
      baseUrl: proxy.url,
      serviceToken: SERVICE_TOKEN,
      timeoutMs: 2_000,
    }),
  });
  await voice.app.ready();
  return { appServer, proxy, queue, voice };
}

const completed: Record<string, string> = {
  AccountSid: SIDS.account,
  CallSid: SIDS.call,
  RecordingSid: RE,
  RecordingUrl: `https://api.twilio.com/2010-04-01/Accounts/${SIDS.account}/Recordings/${RE}`,
  RecordingStatus: 'completed',
  RecordingDuration: '31',
  RecordingChannels: '2',
  RecordingStartTime: 'Sun, 06 Dec 2026 11:00:00 +0000',
  RecordingSource: 'StartCallRecordingTwiML',
};

const postCallback = (app: VoiceServer['app']) =>
  app.inject({
    method: 'POST',
    url: '/twilio-recording/status',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      'x-twilio-signature': signTwilioRequest(AUTH_TOKEN, `${PUBLIC}/twilio-recording/status`, completed),
    },
    payload: form(completed),
  });

async function recordingOf(app: AppServer, callSid: string) {
  const conversation = await store!.findConversationByCallSid(callSid);
  return conversation ? app.recordings.forConversation(conversation.id) : null;
}

describe('recording callback through the app-server outbox', () => {
  it('is answered 204 while app-server is down and lands on the conversation once it is back', async () => {
    const { appServer, proxy, queue, voice } = await setUp();
    await queue.startConversation({
      callSid: SIDS.call,
      botProfileKey: 'acme-support',
      brandId: 'acme',
      callerNumber: '+14155550123',
      isSip: false,
      startedAt: '2026-12-06T11:00:00.000Z',
    });
    expect(await queue.flush(5_000)).toBe(true);

    await proxy.off();
    const res = await postCallback(voice.app);
    expect(res.statusCode).toBe(204);
    // Twilio repeats a callback it saw no answer to: acknowledged, not queued twice.
    expect((await postCallback(voice.app)).statusCode).toBe(204);
    expect(queue.pending.items).toBe(1);
    expect(await queue.flush(200)).toBe(false);
    expect(await recordingOf(appServer, SIDS.call)).toBeNull();

    await proxy.on();
    expect(await queue.flush(10_000)).toBe(true);
    expect(await recordingOf(appServer, SIDS.call)).toMatchObject({
      recordingSid: RE,
      accountSid: SIDS.account,
      status: 'completed',
      durationSec: 31,
      channels: 2,
    });
  });

  it('queues the report behind a conversation start still waiting, so app-server knows the call', async () => {
    const { appServer, proxy, queue, voice } = await setUp();
    await proxy.off();
    await queue.startConversation({
      callSid: SIDS.call,
      botProfileKey: 'acme-support',
      brandId: 'acme',
      callerNumber: '+14155550123',
      isSip: false,
      startedAt: '2026-12-06T11:00:00.000Z',
    });
    expect((await postCallback(voice.app)).statusCode).toBe(204);
    await proxy.on();
    expect(await queue.flush(10_000)).toBe(true);
    expect((await recordingOf(appServer, SIDS.call))?.recordingSid).toBe(RE);
  });
});

/**
 * app-server over the Twilio REST simulator with one finished 2-second dual-channel recording of an
 * acme call, as the recording tests start from.
 */
import { startTwilioRestFake, type TwilioRestFake } from '@switchboard/simulators/twilio';
import { expect } from 'vitest';
import type { TwilioRecordings } from '../recordings/twilio-recordings.ts';
import { httpTwilioRecordings } from '../recordings/twilio-recordings.ts';
import {
  brandKey,
  type Harness,
  type StoreKind,
  seedCall,
  staffCookie,
  startBody,
  startHarness,
} from './harness.ts';

export const ACCOUNT_SID = `AC${'4'.repeat(32)}`;
export const AUTH_TOKEN = 'app-recordings-token-0123456789abcd';

let h: Harness | undefined;
let fake: TwilioRestFake | undefined;
/** Closes what the last {@link recordedCall} started (an afterEach hook). */
export async function closeRecordedCalls(): Promise<void> {
  await h?.close();
  await fake?.close();
  h = undefined;
  fake = undefined;
}

/** app-server over the Twilio simulator, with one finished 2-second dual-channel recording of an acme call. */
export async function recordedCall(
  store: StoreKind,
  // Starts at the wall clock: the stores stamp a recording's creation with the real time.
  clock = { now: new Date() },
  opts: {
    /** Wraps the Twilio client (to fail some requests). */
    wrapTwilio?: (twilio: TwilioRecordings) => TwilioRecordings;
    /** Runs the retention sweep on this interval. */
    recordingSweepMs?: number;
  } = {},
) {
  fake = await startTwilioRestFake({ accountSid: ACCOUNT_SID, authToken: AUTH_TOKEN });
  const twilio = httpTwilioRecordings({
    accountSid: ACCOUNT_SID,
    authToken: AUTH_TOKEN,
    apiBaseUrl: fake.baseUrl,
  });
  h = await startHarness({
    store,
    twilioRecordings: opts.wrapTwilio ? opts.wrapTwilio(twilio) : twilio,
    recordingNow: () => clock.now,
    ...(opts.recordingSweepMs ? { recordingSweepMs: opts.recordingSweepMs } : {}),
  });
  const start = startBody({ brandId: 'acme' });
  const conversationId = await seedCall(h, start);
  // A recorded call at the simulator: 2 s of audio on both sides.
  let callMs = 0;
  fake.registerCall(start.callSid, {
    status: 'in-progress',
    recordingAudio: {
      nowMs: () => callMs,
      tracks: (until) => ({
        caller: new Uint8Array(until * 8).fill(0x20),
        agent: new Uint8Array(until * 8).fill(0xa0),
      }),
    },
  });
  const created = await fetch(
    `${fake.baseUrl}/2010-04-01/Accounts/${ACCOUNT_SID}/Calls/${start.callSid}/Recordings.json`,
    {
      method: 'POST',
      headers: {
        authorization: `Basic ${Buffer.from(`${ACCOUNT_SID}:${AUTH_TOKEN}`).toString('base64')}`,
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: 'RecordingChannels=dual',
    },
  );
  const recordingSid = ((await created.json()) as { sid: string }).sid;
  callMs = 2_000;
  fake.setCallStatus(start.callSid, 'completed');
  const report = await h.app.inject({
    method: 'POST',
    url: `/internal/conversations/${start.callSid}/recording`,
    headers: h.serviceHeaders,
    payload: { recordingSid, accountSid: ACCOUNT_SID, status: 'completed', durationSec: 2, channels: 2 },
  });
  expect(report.statusCode).toBe(200);
  return {
    h,
    fake,
    clock,
    conversationId,
    callSid: start.callSid,
    recordingSid,
    acme: { cookie: await staffCookie(h, 'acme') },
    globex: { cookie: await staffCookie(h, 'globex') },
    globexKey: { authorization: await brandKey(h, 'globex') },
  };
}

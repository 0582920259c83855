/**
 * Call recordings through the REST fake, driven by the real twilio SDK. Sources (twilio.com/docs):
 * the Recordings resource (/docs/voice/api/recording: create on a live call with RecordingChannels
 * mono|dual, RecordingStatusCallback, RecordingStatusCallbackEvent in-progress|completed|absent;
 * media at the recording's URL with .wav or .mp3; DELETE answers 204); the RecordingStatusCallback
 * parameters (AccountSid, CallSid, RecordingSid, RecordingUrl, RecordingStatus, RecordingDuration,
 * RecordingChannels, RecordingStartTime, RecordingSource); errors 21220 ("Invalid call state": calls
 * that are not in progress cannot be recorded), 13621 (invalid recordingStatusCallbackEvent) and
 * 13256 (invalid recordingStatusCallback URL: recorded, no callbacks).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  createTwilioRestClient,
  encodeMulawSample,
  readWav,
  validateTwilioRequest,
  writeWav,
} from '@switchboard/telephony';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { recordingMp3 } from './recording-media.ts';
import { startTwilioRestFake, type TwilioRestFake } from './rest-fake.ts';

const AUTH_TOKEN = 'recording-auth-token-0123456789abcd';
const ACCOUNT_SID = `AC${'7'.repeat(32)}`;
const CALL_SID = `CA${'1'.repeat(32)}`;
const PUBLIC = 'https://voice.example.com';

let fake: TwilioRestFake | undefined;
let server: Server | undefined;
afterEach(async () => {
  await fake?.close();
  await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
  fake = undefined;
  server = undefined;
});

interface Received {
  path: string;
  form: Record<string, string>;
  signed: boolean;
}

/** A voice-server stand-in taking the signed callbacks. */
async function callbackServer(): Promise<{ received: Received[]; url: string }> {
  const received: Received[] = [];
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => {
      body += c;
    });
    req.on('end', () => {
      const form = Object.fromEntries(new URLSearchParams(body));
      const sig = String(req.headers['x-twilio-signature'] ?? '');
      received.push({
        path: req.url ?? '',
        form,
        signed: validateTwilioRequest(AUTH_TOKEN, sig, PUBLIC + (req.url ?? ''), form),
      });
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((r) => server!.listen(0, '127.0.0.1', () => r()));
  return { received, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

/** A fake with one live call whose sides are a loud caller and a quiet agent, on a clock we move. */
async function liveCall() {
  fake = await startTwilioRestFake({ accountSid: ACCOUNT_SID, authToken: AUTH_TOKEN });
  const clock = { ms: 1000 };
  const loud = encodeMulawSample(12_000);
  const quiet = encodeMulawSample(-3_000);
  fake.registerCall(CALL_SID, {
    from: '+14155550123',
    to: '+18005550100',
    status: 'in-progress',
    recordingAudio: {
      nowMs: () => clock.ms,
      tracks: (untilMs) => ({
        caller: new Uint8Array(untilMs * 8).fill(loud),
        agent: new Uint8Array(untilMs * 8).fill(quiet),
      }),
    },
  });
  const client = createTwilioRestClient({
    accountSid: ACCOUNT_SID,
    authToken: AUTH_TOKEN,
    apiBaseUrl: fake.baseUrl,
  });
  return { fake, clock, client };
}

const basic = `Basic ${Buffer.from(`${ACCOUNT_SID}:${AUTH_TOKEN}`).toString('base64')}`;

describe('Recordings API (twilio SDK against the fake)', () => {
  it('records a live call in two channels and posts the signed completed callback when it ends', async () => {
    const { fake, clock, client } = await liveCall();
    const cb = await callbackServer();
    fake.routeCallbacks(PUBLIC, cb.url);
    const rec = await client.calls(CALL_SID).recordings.create({
      recordingChannels: 'dual',
      recordingStatusCallback: `${PUBLIC}/twilio-recording/status?x=1`,
      recordingStatusCallbackEvent: ['in-progress', 'completed', 'absent'],
    });
    expect(rec.sid).toMatch(/^RE[0-9a-f]{32}$/);
    expect(rec).toMatchObject({ callSid: CALL_SID, status: 'in-progress', channels: 2 });
    clock.ms += 3_000;
    fake.setCallStatus(CALL_SID, 'completed');
    await new Promise((r) => setImmediate(r));
    await fake.recordingCallbacksSettled();

    expect(cb.received.map((r) => r.form.RecordingStatus)).toEqual(['in-progress', 'completed']);
    expect(cb.received.every((r) => r.signed && r.path === '/twilio-recording/status?x=1')).toBe(true);
    const done = cb.received[1]!.form;
    expect(done).toMatchObject({
      AccountSid: ACCOUNT_SID,
      CallSid: CALL_SID,
      RecordingSid: rec.sid,
      RecordingDuration: '3',
      RecordingChannels: '2',
      RecordingSource: 'StartCallRecordingAPI',
    });
    expect(done.RecordingUrl).toBe(
      `${fake.baseUrl}/2010-04-01/Accounts/${ACCOUNT_SID}/Recordings/${rec.sid}`,
    );
    expect(done.RecordingStartTime).toMatch(/^\w{3}, \d{2} \w{3} \d{4} [\d:]{8} \+0000$/);

    // The media: both sides in their own channel, the call's length; basic auth required.
    expect((await fetch(`${done.RecordingUrl}.wav`)).status).toBe(401);
    const res = await fetch(`${done.RecordingUrl}.wav`, { headers: { authorization: basic } });
    expect(res.headers.get('content-type')).toBe('audio/x-wav');
    const wav = readWav(new Uint8Array(await res.arrayBuffer()));
    expect(wav).toMatchObject({ format: 'pcm16', sampleRate: 8000, channels: 2 });
    expect(wav.data.length).toBe(3 * 8000 * 2 * 2);
    const view = Buffer.from(wav.data.buffer, wav.data.byteOffset, wav.data.length);
    expect(view.readInt16LE(0)).toBeGreaterThan(10_000);
    expect(view.readInt16LE(2)).toBeLessThan(-2_000);
    const mp3 = await fetch(`${done.RecordingUrl}.mp3`, { headers: { authorization: basic } });
    expect(mp3.headers.get('content-type')).toBe('audio/mpeg');
    const mp3Bytes = new Uint8Array(await mp3.arrayBuffer());
    expect(mp3Bytes[0]).toBe(0xff);
    expect(mp3Bytes[1]! & 0xfe).toBe(0xe2);

    // Deleted through the SDK: the media and the resource are gone.
    expect(await client.recordings(rec.sid).remove()).toBe(true);
    expect((await fetch(`${done.RecordingUrl}.wav`, { headers: { authorization: basic } })).status).toBe(404);
    await expect(client.recordings(rec.sid).fetch()).rejects.toMatchObject({ status: 404, code: 20404 });
  });

  it('refuses a call that is not in progress with 21220', async () => {
    const { fake, client } = await liveCall();
    fake.setCallStatus(CALL_SID, 'completed');
    await expect(
      client.calls(CALL_SID).recordings.create({ recordingChannels: 'dual' }),
    ).rejects.toMatchObject({ status: 400, code: 21220 });
    fake.registerCall(`CA${'2'.repeat(32)}`, { status: 'ringing' });
    await expect(client.calls(`CA${'2'.repeat(32)}`).recordings.create({})).rejects.toMatchObject({
      status: 400,
      code: 21220,
    });
    expect(fake.recordings).toEqual([]);
  });

  it('refuses an unknown status callback event (13621) and any channels but mono or dual', async () => {
    const { client } = await liveCall();
    await fc.assert(
      fc.asyncProperty(
        fc
          .string({ minLength: 1, maxLength: 12 })
          .filter((s) => !['in-progress', 'completed', 'absent'].includes(s.trim()) && s.trim() !== ''),
        async (event) => {
          await expect(
            client.calls(CALL_SID).recordings.create({ recordingStatusCallbackEvent: [event] }),
          ).rejects.toMatchObject({ status: 400, code: 13621 });
        },
      ),
      { numRuns: 25 },
    );
    await expect(
      client.calls(CALL_SID).recordings.create({ recordingChannels: 'stereo' }),
    ).rejects.toMatchObject({ status: 400, code: 20001 });
  });

  it('records but sends no callback for an invalid callback URL (13256), and a recording under a second is absent', async () => {
    const { fake, client } = await liveCall();
    const rec = await client.calls(CALL_SID).recordings.create({ recordingStatusCallback: 'not a url' });
    expect(fake.notifications.map((n) => n.errorCode)).toEqual([13256]);
    fake.setCallStatus(CALL_SID, 'completed');
    expect(fake.recordingCallbacks).toEqual([]);
    expect(fake.recordings[0]).toMatchObject({ sid: rec.sid, status: 'absent', durationSec: 0 });
    const media = `${fake.baseUrl}/2010-04-01/Accounts/${ACCOUNT_SID}/Recordings/${rec.sid}.wav`;
    expect((await fetch(media, { headers: { authorization: basic } })).status).toBe(404);
  });

  it('answers 404 for another account or an unknown recording', async () => {
    const { fake } = await liveCall();
    const other = `${fake.baseUrl}/2010-04-01/Accounts/AC${'9'.repeat(32)}/Recordings/RE${'0'.repeat(32)}.wav`;
    expect((await fetch(other, { headers: { authorization: basic } })).status).toBe(404);
    const unknown = `${fake.baseUrl}/2010-04-01/Accounts/${ACCOUNT_SID}/Recordings/RE${'0'.repeat(32)}.json`;
    const res = await fetch(unknown, { method: 'DELETE', headers: { authorization: basic } });
    expect(res.status).toBe(404);
    expect(await res.json()).toMatchObject({ code: 20404 });
  });
});

describe('recording MP3', () => {
  /** One second of a 16-bit 8 kHz WAV: a tone on the caller channel, the agent silent. */
  const wavOf = (channels: 1 | 2, loud: boolean) => {
    const data = Buffer.alloc(8000 * channels * 2);
    for (let i = 0; loud && i < 8000; i++)
      data.writeInt16LE(Math.round(8000 * Math.sin((2 * Math.PI * 440 * i) / 8000)), i * channels * 2);
    return writeWav({ format: 'pcm16', sampleRate: 8000, channels, data });
  };

  it('is MPEG-2.5 Layer III at 8 kHz and 32 kbit/s, stereo for dual channels, carrying the audio', () => {
    for (const channels of [1, 2] as const) {
      const mp3 = recordingMp3(Buffer.from(wavOf(channels, true)));
      // Frame header: sync, MPEG-2.5 (00), Layer III (01); bitrate index 4 (32 kbit/s), 8 kHz (10).
      expect(mp3[0]).toBe(0xff);
      expect(mp3[1]! & 0xfe).toBe(0xe2);
      expect(mp3[2]! >> 4).toBe(4);
      expect((mp3[2]! >> 2) & 3).toBe(2);
      expect(mp3[3]! >> 6).toBe(channels === 2 ? 0 : 3);
      // About 32 kbit/s for the second (plus the encoder's padding frames).
      expect(mp3.length).toBeGreaterThan(3_800);
      expect(mp3.length).toBeLessThan(6_000);
    }
    // The audio is coded, not skipped: a tone and silence make different files.
    expect(recordingMp3(Buffer.from(wavOf(2, true)))).not.toEqual(recordingMp3(Buffer.from(wavOf(2, false))));
  });
});

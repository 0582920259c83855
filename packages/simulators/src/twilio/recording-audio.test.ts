/**
 * What a simulated recording holds: a call answered with `<Start><Recording channels="dual">` then a
 * consent `<Say>` (https://www.twilio.com/docs/voice/twiml/recording: the recording starts before the
 * next verb runs, so the notice is in it) is recorded from its start, the notice's speech on the agent
 * channel for as long as the Say lasts, the caller's speech on the caller channel.
 */
import { mulawRms, readWav } from '@switchboard/telephony';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { renderSpeech } from '../speech/spoken-text.ts';
import { toneMulaw } from './caller-script.ts';
import { createManualTicker } from './frame-ticker.ts';
import { startTwilioRestFake, type TwilioRestFake } from './rest-fake.ts';
import { placeCall, type SimulatedCall } from './simulated-call.ts';
import { startTestVoiceServer, type TestVoiceServer } from './test-voice-server.ts';

const AUTH_TOKEN = 'recording-audio-token-0123456789abcd';
const ACCOUNT_SID = `AC${'6'.repeat(32)}`;
const NOTICE = 'This call is recorded for quality.';
const basic = `Basic ${Buffer.from(`${ACCOUNT_SID}:${AUTH_TOKEN}`).toString('base64')}`;

let fake: TwilioRestFake | undefined;
let server: TestVoiceServer | undefined;
let call: SimulatedCall | undefined;
afterEach(async () => {
  await call?.hangup();
  await server?.close();
  await fake?.close();
  call = server = fake = undefined;
});

/** RMS of 16-bit samples `[fromMs, toMs)` of one channel (0 caller, 1 agent) of an 8 kHz stereo WAV. */
function rms(pcm: Uint8Array, channel: 0 | 1, fromMs: number, toMs: number): number {
  const view = new DataView(pcm.buffer, pcm.byteOffset, pcm.byteLength);
  let sum = 0;
  let n = 0;
  for (let i = fromMs * 8; i < toMs * 8 && (i + 1) * 4 <= pcm.length; i++, n++)
    sum += view.getInt16(i * 4 + channel * 2, true) ** 2;
  return n ? Math.sqrt(sum / n) : 0;
}

describe('a recording started by <Start><Recording> before a consent <Say>', () => {
  it('starts with the notice on the agent channel and has the caller on the caller channel', async () => {
    fake = await startTwilioRestFake({ accountSid: ACCOUNT_SID, authToken: AUTH_TOKEN });
    server = await startTestVoiceServer({
      authToken: AUTH_TOKEN,
      twiml: (_form, streamUrl) =>
        `<?xml version="1.0" encoding="UTF-8"?><Response><Start><Recording channels="dual"/></Start><Say>${NOTICE}</Say><Connect><Stream url="${streamUrl}"/></Connect></Response>`,
    });
    const ticker = createManualTicker();
    const speech = toneMulaw({ toneHz: 440, ms: 600 });
    expect(mulawRms(speech)).toBeGreaterThan(1000);
    call = await ticker.runUntil(
      placeCall({
        voiceServerUrl: server.url,
        authToken: AUTH_TOKEN,
        accountSid: ACCOUNT_SID,
        from: '+14155550123',
        to: '+18005550100',
        ticker,
        restFake: fake,
        source: [{ audio: speech, label: 'caller' }],
      }),
    );
    const streamAtMs = call.nowMs();
    const sayMs = renderSpeech(NOTICE).durationMs;
    // The stream opened once the notice had been said.
    expect(streamAtMs).toBeGreaterThanOrEqual(sayMs);
    await server.stream();
    ticker.advance(1_500);
    await call.hangup();
    expect(fake.recordings).toMatchObject([{ channels: 2, status: 'completed' }]);

    const sid = fake.recordings[0]!.sid;
    const res = await fetch(`${fake.baseUrl}/2010-04-01/Accounts/${ACCOUNT_SID}/Recordings/${sid}.wav`, {
      headers: { authorization: basic },
    });
    expect(res.status).toBe(200);
    const wav = readWav(new Uint8Array(await res.arrayBuffer()));
    expect(wav).toMatchObject({ format: 'pcm16', sampleRate: 8000, channels: 2 });
    const lengthMs = wav.data.length / 4 / 8;
    const startMs = fake.recordings[0]!.startCallMs!;
    // The agent channel: the notice's speech from the start for the Say's length, then quiet.
    expect(rms(wav.data, 1, 0, 500)).toBeGreaterThan(1000);
    expect(rms(wav.data, 1, sayMs - startMs - 500, sayMs - startMs)).toBeGreaterThan(500);
    expect(rms(wav.data, 1, sayMs - startMs + 100, lengthMs)).toBe(0);
    // The caller channel: quiet during the notice, the caller's speech once the stream runs.
    expect(rms(wav.data, 0, 0, sayMs - startMs)).toBe(0);
    const callerFrom = streamAtMs - startMs;
    expect(rms(wav.data, 0, callerFrom, callerFrom + 600)).toBeGreaterThan(1000);
  });
});

describe('<Start><Recording> attributes (property)', () => {
  it('starts a recording for valid attributes and, for any other, logs 12200 and records nothing', async () => {
    fake = await startTwilioRestFake({ accountSid: ACCOUNT_SID, authToken: AUTH_TOKEN });
    const callSid = `CA${'3'.repeat(32)}`;
    fake.registerCall(callSid, { status: 'in-progress' });
    const attribute = (valid: readonly string[]) =>
      fc.option(fc.oneof(fc.constantFrom(...valid), fc.string({ maxLength: 20 })), { nil: undefined });
    fc.assert(
      fc.property(
        attribute(['mono', 'dual']),
        attribute(['inbound', 'outbound', 'both']),
        attribute(['completed', 'absent', 'in-progress completed', 'completed absent']),
        (channels, track, events) => {
          const attrs: Record<string, string> = {};
          if (channels !== undefined) attrs.channels = channels;
          if (track !== undefined) attrs.track = track;
          if (events !== undefined) attrs.recordingStatusCallbackEvent = events;
          const before = { recordings: fake!.recordings.length, notices: fake!.notifications.length };
          const valid =
            ['mono', 'dual', undefined].includes(channels) &&
            ['inbound', 'outbound', 'both', undefined].includes(track) &&
            (events ?? '')
              .split(/\s+/)
              .every((e) => e === '' || ['in-progress', 'completed', 'absent'].includes(e));
          const rec = fake!.startRecordingFromTwiml(callSid, attrs);
          if (valid) {
            expect(rec).toMatchObject({
              callSid,
              status: 'in-progress',
              channels: channels === 'mono' ? 1 : 2,
            });
            expect(fake!.recordings.length).toBe(before.recordings + 1);
          } else {
            expect(rec).toBeUndefined();
            expect(fake!.recordings.length).toBe(before.recordings);
            expect(fake!.notifications.at(-1)).toMatchObject({ callSid, errorCode: 12200 });
            expect(fake!.notifications.length).toBe(before.notices + 1);
          }
        },
      ),
      { numRuns: 200 },
    );
  });
});

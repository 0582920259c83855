// Call recording end to end: a profile that records answers with <Start><Recording channels="dual">
// then its consent notice, said by Twilio before the agent's first words, so the recording (the Twilio
// REST simulator's, from the call's real audio) starts with the notice on the agent channel; the signed
// recording status callback reaches app-server through voice-server, and the brand's staff play the
// audio through app-server until the brand's retention deletes it.

import type { RealtimeSimSession } from '@switchboard/simulators/openai-realtime';
import { renderSpeech } from '@switchboard/simulators/speech';
import type { SimulatedCall } from '@switchboard/simulators/twilio';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ACME, type FullStack, SERVICE_TOKEN, startFullStack } from '../support/full-stack.ts';
import { endedConversation, nthReply, waitUntilHeard } from '../support/tools-call.ts';

const NOTICE = 'This call is recorded so that Acme can train its staff.';
const SPEECH = { toneHz: 300, ms: 700 };
/** A Monday, 12:00 in New York: within the outbound calling hours. */
const NOW = new Date('2026-12-07T17:00:00Z');

interface RecordingView {
  status: string;
  durationSec: number;
  channels: number;
  url: string | null;
}

let stack: FullStack;
const clock = { now: new Date() };
let sessionIndex = 0;
beforeAll(async () => {
  stack = await startFullStack({
    profile: { recording: { enabled: true, consentNotice: NOTICE } },
    recordingNow: () => clock.now,
    aiNow: () => NOW,
  });
}, 180_000);
afterAll(async () => {
  await stack?.close();
});

const sessionOf = (): RealtimeSimSession | undefined => stack.realtime.sessions[sessionIndex];

/** Polls the conversation until its recording is there (the callback follows the call's end). */
async function recordingOf(conversationId: string): Promise<RecordingView> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const detail = await stack.staffGet<{ recording: RecordingView | null }>(
      `/api/conversations/${conversationId}`,
    );
    if (detail.recording) return detail.recording;
    if (Date.now() > deadline) throw new Error(`no recording on conversation ${conversationId}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** RMS of channel `channel` (0 caller, 1 agent) over `[fromMs, toMs)` of an 8 kHz 16-bit stereo WAV. */
function channelRms(wav: Buffer, channel: 0 | 1, fromMs: number, toMs: number): number {
  let sum = 0;
  let n = 0;
  for (let i = fromMs * 8; i < toMs * 8 && 44 + (i + 1) * 4 <= wav.length; i++, n++)
    sum += wav.readInt16LE(44 + i * 4 + channel * 2) ** 2;
  return n ? Math.sqrt(sum / n) : 0;
}

/** The loudest sample of each channel of a 16-bit stereo WAV (canonical 44-byte header). */
function channelPeaks(wav: Buffer): [number, number] {
  expect(wav.subarray(0, 4).toString()).toBe('RIFF');
  expect(wav.readUInt16LE(22)).toBe(2);
  let left = 0;
  let right = 0;
  for (let i = 44; i + 3 < wav.length; i += 4) {
    left = Math.max(left, Math.abs(wav.readInt16LE(i)));
    right = Math.max(right, Math.abs(wav.readInt16LE(i + 2)));
  }
  return [left, right];
}

describe('call recording', () => {
  it('says the consent notice first, records both sides, plays them to the brand and deletes them at retention', async () => {
    stack.realtime.setScenario({
      greeting: ACME.greeting,
      turns: [{ user: 'Where is my order?', say: 'Let me check that for you.' }],
    });
    sessionIndex = stack.realtime.sessions.length;
    const call: SimulatedCall = await stack.call({
      source: [
        ...waitUntilHeard(sessionOf, nthReply('greeting')),
        { audio: SPEECH, label: 'question' },
        { pauseMs: 1500 },
        { until: (c) => !c.isHearingAudio, timeoutMs: 15_000 },
        { hangup: true },
      ],
    });
    await call.ended;
    expect(call.scriptErrors).toEqual([]);

    // The recording starts, then the notice is Twilio's <Say> before the stream: heard before the agent.
    expect((call.webhook.verbs ?? []).map((v) => v.verb)).toEqual(['Start', 'Say', 'Connect']);
    expect(call.said[0]).toBe(NOTICE);

    const conversation = (await endedConversation(stack, call.callSid)).conversation;
    const recording = await recordingOf(conversation.id);
    expect(recording).toMatchObject({ status: 'completed', channels: 2 });
    expect(recording.durationSec).toBeGreaterThanOrEqual(1);
    expect(recording.url).toBe(`/api/conversations/${conversation.id}/recording`);
    expect(stack.twilioRest.recordings).toMatchObject([
      { callSid: call.callSid, channels: 2, status: 'completed' },
    ]);

    // Played through app-server: the caller on channel 1, the agent on channel 2.
    const audio = await stack.staffFetch(recording.url!);
    expect(audio.status).toBe(200);
    expect(audio.headers.get('content-type')).toBe('audio/wav');
    const wav = Buffer.from(await audio.arrayBuffer());
    const [caller, agent] = channelPeaks(wav);
    expect(caller).toBeGreaterThan(1000);
    expect(agent).toBeGreaterThan(1000);
    // It opens with the consent notice on the agent channel, for as long as the <Say> lasts, while the
    // caller channel is quiet; the caller's speech is on the caller channel.
    const sayMs = renderSpeech(NOTICE).durationMs;
    expect(channelRms(wav, 1, 0, 1000)).toBeGreaterThan(1000);
    expect(channelRms(wav, 1, sayMs - 1000, sayMs - 200)).toBeGreaterThan(1000);
    expect(channelRms(wav, 0, 0, sayMs - 200)).toBe(0);

    // Another brand's staff get nothing.
    const key = await fetch(`${stack.appServer.url}/admin/api-keys`, {
      method: 'POST',
      headers: { authorization: `Bearer ${SERVICE_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ brandId: 'globex', label: 'other brand' }),
    }).then((r) => r.json() as Promise<{ key: string }>);
    const other = await fetch(`${stack.appServer.url}${recording.url}`, {
      headers: { authorization: `Bearer ${key.key}` },
    });
    expect(other.status).toBe(404);
    expect(
      Buffer.from(await other.arrayBuffer())
        .subarray(0, 4)
        .toString(),
    ).not.toBe('RIFF');

    // The brand keeps recordings 7 days: the sweep deletes this one at Twilio after that, not before.
    const put = await fetch(`${stack.appServer.url}/admin/brands/${stack.ai.brandId}`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${SERVICE_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ recordingRetentionDays: 7 }),
    });
    expect(put.status).toBe(200);
    clock.now = new Date(Date.now() + 6 * 86_400_000);
    expect(await stack.appServer.recordings.sweep()).toBe(0);
    clock.now = new Date(Date.now() + 8 * 86_400_000);
    expect(await stack.appServer.recordings.sweep()).toBe(1);
    expect(stack.twilioRest.recordings[0]!.deleted).toBe(true);
    expect(await recordingOf(conversation.id)).toMatchObject({ status: 'deleted', url: null });
    expect((await stack.staffFetch(recording.url!)).status).toBe(404);
  }, 60_000);

  it('says the notice before the outbound opening and records the call', async () => {
    stack.realtime.setScenario({
      persona: { match: /quote/ },
      greeting: 'Hello, this is Acme calling about a quote.',
      turns: [],
    });
    sessionIndex = stack.realtime.sessions.length;
    stack.setCallee(() => ({
      answer: 'human',
      source: [
        ...waitUntilHeard(sessionOf, nthReply('greeting')),
        { audio: SPEECH },
        { pauseMs: 500 },
        { hangup: true },
      ],
    }));
    const res = await fetch(`${stack.ai.url}/admin/outbound-calls`, {
      method: 'POST',
      headers: { authorization: `Bearer ${stack.ai.apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        to: '+14155550199',
        profileKey: ACME.profileKey,
        task: 'Ask for a quote to repaint a flat.',
        idempotencyKey: 'recorded-outbound-1',
      }),
    });
    expect(res.status).toBe(201);
    const placed = (await res.json()) as { callSid: string };
    const dialed = await stack.dialer.waitForCall(placed.callSid);
    expect(await dialed.done).toBe('completed');
    expect((dialed.call!.webhook.verbs ?? []).map((v) => v.verb)).toEqual(['Start', 'Say', 'Connect']);
    expect(dialed.call!.said[0]).toBe(NOTICE);
    const conversation = (await endedConversation(stack, placed.callSid)).conversation;
    expect(await recordingOf(conversation.id)).toMatchObject({ status: 'completed', channels: 2 });
  }, 60_000);
});

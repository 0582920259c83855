// A whole simulated call through voice-server's real HTTP and WebSocket endpoints, with the Twilio and
// OpenAI Realtime simulators on the other ends.
import type { ModelTiming } from '@switchboard/simulators/openai-realtime';
import type { SimulatedCall } from '@switchboard/simulators/twilio';
import { afterEach, describe, expect, it } from 'vitest';
import { PUBLIC_BASE_URL, type Stack, startStack } from '../support/stack.ts';

const GREETING = 'Hi, thanks for calling Acme support. How can I help you today?';
const REPLY = 'Sure, I can help you check on your order.';

/** Speech-level pseudo-random mu-law: distinctive bytes the VAD hears as speech. */
function speechClip(ms: number, seed = 7): Uint8Array {
  const out = new Uint8Array(ms * 8);
  let x = seed;
  for (let i = 0; i < out.length; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    // Codes 0x00-0x2f and 0x80-0xaf are loud (high segments) in either polarity.
    out[i] = ((x >>> 16) % 48) + ((x >>> 8) & 1 ? 0x80 : 0);
  }
  return out;
}

function indexOfBytes(hay: Uint8Array, needle: Uint8Array): number {
  outer: for (let i = 0; i + needle.length <= hay.length; i++) {
    for (let j = 0; j < needle.length; j++) if (hay[i + j] !== needle[j]) continue outer;
    return i;
  }
  return -1;
}

let stack: Stack | undefined;
afterEach(async () => {
  await stack?.close();
  stack = undefined;
});

async function interruptedCall(pacing: 'burst' | number, timing: ModelTiming = 'instant') {
  stack = await startStack({
    realtime: {
      pacing,
      timing,
      scenario: { greeting: GREETING, turns: [{ user: 'Where is my order?', say: REPLY }] },
    },
  });
  const clip = speechClip(600);
  const call: SimulatedCall = await stack.call({
    source: [
      { until: (c) => c.heardMs >= 1200, timeoutMs: 10_000 },
      { audio: clip, label: 'interrupt' },
      { pauseMs: 1500 },
      { until: (c) => c.turns[0]?.responseLatencyMs !== undefined && !c.isHearingAudio, timeoutMs: 15_000 },
      { hangup: true },
    ],
  });
  const end = await call.ended;
  expect(end.reason).toBe('caller_hangup');
  const session = stack.realtime.sessions[0]!;
  const mine = stack.journal.filter((j) => j.callSid === call.callSid);
  const at = (type: string) => mine.findIndex((j) => j.type === type);
  return { call, session, mine, at, clip };
}

/** Audio the caller had heard by call time `t`, in ms (linear within the chunk playing then). */
function heardAt(call: SimulatedCall, t: number): number {
  let bytes = 0;
  let prevAt = 0;
  for (const h of call.heard) {
    if (h.atMs <= t) bytes += h.audio.length;
    else {
      const span = h.atMs - prevAt;
      if (span > 0 && t > prevAt) bytes += (h.audio.length * (t - prevAt)) / span;
      break;
    }
    prevAt = h.atMs;
  }
  return bytes / 8;
}

/**
 * The truncate offset: never behind the audio the caller's echoed marks prove heard, never past the
 * audio sent, and no more than a frame past what the caller had heard when the clear reached it.
 * (voice-server interpolates between marks; its accuracy is measured by `pnpm bench voice-relay` and
 * proven on a model player in playback-tracker.test.ts: here the simulator's 20 ms ticks blur it.)
 */
function expectTruncateAtHeardAudio(r: Awaited<ReturnType<typeof interruptedCall>>) {
  const { call, mine, session } = r;
  const bytesAtMark = new Map<string, number>();
  let sentBytes = 0;
  for (const m of call.received) {
    if (m.message.event === 'media') sentBytes += Buffer.from(m.message.media.payload, 'base64').length;
    if (m.message.event === 'mark') bytesAtMark.set(m.message.mark.name, sentBytes);
  }
  const clearAtMs = call.clears[0]!.atMs;
  const playedMarks = call.sent.filter((s) => s.event === 'mark' && !s.cleared && s.atMs <= clearAtMs);
  const provenMs = bytesAtMark.get(playedMarks.at(-1)!.mark!)! / 8;
  const truncate = mine.find((j) => j.type === 'conversation.item.truncate')!.event as {
    audio_end_ms: number;
  };
  expect(truncate.audio_end_ms).toBeGreaterThanOrEqual(provenMs);
  expect(truncate.audio_end_ms).toBeLessThanOrEqual(heardAt(call, clearAtMs) + 20);
  expect(truncate.audio_end_ms).toBeLessThanOrEqual(sentBytes / 8);
  expect(truncate.audio_end_ms).toBeGreaterThanOrEqual(1200 - 100);
  expect(session.received('conversation.item.truncate')).toHaveLength(1);
  expect(session.sent('error').map((e) => e.event)).toEqual([]);
}

describe('a simulated call end to end', () => {
  it('connects, greets, relays caller audio untouched and handles a barge-in after all audio was sent', async () => {
    const r = await interruptedCall('burst');
    const { call, session, at, clip } = r;

    // TwiML: a bidirectional stream to the public wss URL with the call's parameters.
    expect(call.twiml?.verbs?.[0]).toMatchObject({
      verb: 'Connect',
      stream: {
        url: `${PUBLIC_BASE_URL.replace('https', 'wss')}/twilio-stream`,
        parameters: {
          bot_profile_key: 'acme-support',
          is_sip_call: 'false',
          original_caller_number: '+14155550123',
        },
      },
    });

    // session.update: mu-law both ways, server VAD at 0.9, near-field noise reduction, the profile's voice.
    expect(session.config).toMatchObject({
      instructions: expect.stringContaining('Source: PHONE'),
      audio: {
        input: {
          format: { type: 'audio/pcmu' },
          noise_reduction: { type: 'near_field' },
          turn_detection: { type: 'server_vad', threshold: 0.9 },
        },
        output: { format: { type: 'audio/pcmu' }, voice: 'marin' },
      },
    });
    // The greeting was asked for once the session was configured.
    expect(at('response.create')).toBeGreaterThan(at('session.update'));

    // Caller audio reaches the model byte for byte.
    const appended = Buffer.concat(
      session
        .received('input_audio_buffer.append')
        .map((e) => Buffer.from(String((e.event as { audio: string }).audio), 'base64')),
    );
    expect(indexOfBytes(appended, clip)).toBeGreaterThanOrEqual(0);

    // The greeting was heard before the caller spoke.
    expect(call.heard[0]!.atMs).toBeLessThan(call.turns[0]!.startMs);

    // The model had finished sending: no cancel, but Twilio's buffer is cleared before the truncate.
    expect(at('response.cancel')).toBe(-1);
    expect(at('clear')).toBeGreaterThan(-1);
    expect(at('conversation.item.truncate')).toBeGreaterThan(at('clear'));
    expect(call.clears).toHaveLength(1);
    expect(call.turns[0]!.bargeIn?.stoppedBy).toBe('clear');
    expectTruncateAtHeardAudio(r);

    // The reply to the caller's turn was heard after the interruption.
    expect(call.turns[0]!.responseLatencyMs).toBeGreaterThan(0);

    // Hang-up freed the session on both sides.
    await expect.poll(() => stack!.voice.sessions.size).toBe(0);
    await expect.poll(() => session.isOpen).toBe(false);
  });

  it.each([
    ['instant model timing', 'instant' as ModelTiming],
    [
      'realistic model timing (created 150-400 ms, first audio 300-700 ms, 1-5x real time)',
      'realistic' as ModelTiming,
    ],
  ])(
    'cancels a response still being generated, clears and then truncates at the audio heard, under %s',
    async (_name, timing) => {
      const r = await interruptedCall(1.5, timing);
      const { call, session, at, mine } = r;
      expect(at('response.cancel')).toBeGreaterThan(-1);
      expect(at('clear')).toBeGreaterThan(-1);
      expect(at('conversation.item.truncate')).toBeGreaterThan(at('response.cancel'));
      expect(at('conversation.item.truncate')).toBeGreaterThan(at('clear'));
      expect(session.received('response.cancel')).toHaveLength(1);
      expect(call.turns[0]!.bargeIn?.stoppedBy).toBe('clear');
      expectTruncateAtHeardAudio(r);
      // No audio of the cancelled greeting reached the caller after the clear, by response id: every
      // media frame voice-server sent after its clear is one of the reply's deltas (the simulator's audio
      // is the same waveform for any text, so bytes cannot tell the responses apart; counts can).
      const greeting = session.sent('response.created')[0]!.event as { response: { id: string } };
      const cancel = session.received('response.cancel')[0]!;
      const deltas = session
        .sent('response.output_audio.delta')
        .map((e) => ({ seq: e.seq, ...(e.event as { response_id: string }) }));
      const greetingAfterCancel = deltas.filter(
        (d) => d.response_id === greeting.response.id && d.seq > cancel.seq,
      );
      const replyDeltas = deltas.filter((d) => d.response_id !== greeting.response.id);
      const clearAt = mine.findIndex((j) => j.side === 'twilio' && j.type === 'clear');
      const mediaAfterClear = mine
        .slice(clearAt + 1)
        .filter((j) => j.side === 'twilio' && j.type === 'media');
      expect(replyDeltas.length).toBeGreaterThan(0);
      expect(mediaAfterClear.length).toBe(replyDeltas.length);
      // The greeting's deltas still on their way when it was cancelled were dropped, and counted.
      expect(stack!.voice.metrics.lateDeltasDropped).toBeGreaterThanOrEqual(greetingAfterCancel.length);
    },
  );
});

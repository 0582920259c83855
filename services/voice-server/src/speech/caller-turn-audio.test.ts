/**
 * The caller-turn audio keeper: exact cuts on the Realtime input timeline (`audio_start_ms` and
 * `audio_end_ms` count milliseconds of audio appended since the session began, prefix padding
 * included: OpenAI Realtime API reference, `input_audio_buffer.speech_started` / `speech_stopped`),
 * bounds, background transcription; then end to end with the Realtime simulator's server VAD and the
 * Cartesia simulator.
 */
import { openAIRealtimeConnector } from '@switchboard/realtime';
import { startCartesiaSimulator } from '@switchboard/simulators/cartesia';
import { startRealtimeSimulator } from '@switchboard/simulators/openai-realtime';
import { renderSpeech } from '@switchboard/simulators/speech';
import { mulawSilence, pcm16ToMulaw } from '@switchboard/telephony';
import { afterEach, describe, expect, it } from 'vitest';
import type { Transcriber, TranscriptionResult, TurnAudio } from '../ports/transcriber.ts';
import { CallerTurnAudio, type TranscribedTurn } from './caller-turn-audio.ts';
import { CartesiaTranscriber } from './cartesia-transcriber.ts';
import { EventLog, sleep } from './testing/event-log.ts';

const FRAME = 160;

/** A transcriber that records what it was given and answers when told to. */
class HeldTranscriber implements Transcriber {
  readonly provider = 'cartesia' as const;
  readonly calls: Array<{
    audio: TurnAudio;
    signal?: AbortSignal;
    answer: (r: TranscriptionResult) => void;
  }> = [];
  transcribe(audio: TurnAudio, signal?: AbortSignal): Promise<TranscriptionResult> {
    return new Promise((answer) => this.calls.push({ audio, ...(signal ? { signal } : {}), answer }));
  }
}

const ok = (text: string): TranscriptionResult => ({
  status: 'ok',
  provider: 'cartesia',
  text,
  audioSeconds: 1,
});

/** Feeds audio in 20 ms frames (base64, as Twilio carries it). */
function feed(keeper: CallerTurnAudio, mulaw: Uint8Array): void {
  for (let at = 0; at < mulaw.length; at += FRAME) {
    keeper.onAudio(Buffer.from(mulaw.subarray(at, at + FRAME)).toString('base64'));
  }
}

/** Audio whose every byte says where it is: byte i of the timeline is i mod 251. */
function ramp(fromByte: number, bytes: number): Uint8Array {
  return Uint8Array.from({ length: bytes }, (_, i) => (fromByte + i) % 251);
}

function keeperWith(
  transcriber: Transcriber,
  options: Partial<ConstructorParameters<typeof CallerTurnAudio>[0]> = {},
) {
  const log = new EventLog<TranscribedTurn>();
  const keeper = new CallerTurnAudio({ transcriber, onTranscript: log.listener(), ...options });
  return { keeper, log };
}

describe('caller turn audio', () => {
  it('cuts the turn at audio_start_ms and audio_end_ms, reaching back before speech_started arrives', async () => {
    const stt = new HeldTranscriber();
    const { keeper, log } = keeperWith(stt);
    feed(keeper, ramp(0, 8 * 1500));
    // the VAD reports speech from 1200 ms (prefix padding included) once 1500 ms have gone in
    keeper.onSpeechStarted('item_1', 1200);
    feed(keeper, ramp(8 * 1500, 8 * 1000));
    keeper.onSpeechStopped('item_1', 2300);
    feed(keeper, ramp(8 * 2500, 8 * 200));
    expect(stt.calls).toHaveLength(0);
    keeper.onCommitted('item_1');
    expect(stt.calls).toHaveLength(1);
    const { audio } = stt.calls[0]!;
    expect(audio.itemId).toBe('item_1');
    expect(Buffer.from(audio.mulaw).equals(Buffer.from(ramp(8 * 1200, 8 * 1100)))).toBe(true);
    stt.calls[0]!.answer(ok('hello'));
    await log.until((e) => e.length === 1);
    expect(log.events[0]).toEqual({
      itemId: 'item_1',
      startMs: 1200,
      durationMs: 1100,
      truncated: false,
      result: ok('hello'),
      latencyMs: expect.any(Number),
    });
    expect(log.events[0]!.latencyMs).toBeGreaterThanOrEqual(0);
  });

  it("cuts on the new session's timeline after a session change, and places the turn on the call's audio", async () => {
    const stt = new HeldTranscriber();
    const { keeper, log } = keeperWith(stt);
    feed(keeper, mulawSilence(3000));
    keeper.onSessionStart();
    feed(keeper, ramp(0, 8 * 1000));
    keeper.onSpeechStarted('item_2', 400);
    keeper.onSpeechStopped('item_2', 900);
    keeper.onCommitted('item_2');
    expect(Buffer.from(stt.calls[0]!.audio.mulaw).equals(Buffer.from(ramp(8 * 400, 8 * 500)))).toBe(true);
    stt.calls[0]!.answer(ok('x'));
    await log.until((e) => e.length === 1);
    expect(log.events[0]).toMatchObject({ itemId: 'item_2', startMs: 3400, durationMs: 500 });
  });

  it('keeps at most maxTurnBytes of a turn and marks it truncated', async () => {
    const stt = new HeldTranscriber();
    const { keeper, log } = keeperWith(stt, { maxTurnBytes: 8 * 1000, lookbackMs: 500 });
    feed(keeper, mulawSilence(600));
    keeper.onSpeechStarted('item_1', 400);
    feed(keeper, ramp(0, 8 * 5000));
    keeper.onSpeechStopped('item_1', 5600);
    keeper.onCommitted('item_1');
    expect(stt.calls[0]!.audio.mulaw.length).toBe(8 * 1000);
    stt.calls[0]!.answer(ok('long'));
    await log.until((e) => e.length === 1);
    expect(log.events[0]).toMatchObject({ truncated: true, durationMs: 1000, startMs: 400 });
  });

  it('drops turns that are cleared, or left behind by a new session; ignores commits it never saw start', () => {
    const stt = new HeldTranscriber();
    const { keeper } = keeperWith(stt);
    feed(keeper, mulawSilence(500));
    keeper.onSpeechStarted('item_1', 100);
    feed(keeper, mulawSilence(500));
    keeper.onCleared();
    keeper.onCommitted('item_1');
    keeper.onSpeechStarted('item_2', 900);
    keeper.onSessionStart();
    keeper.onCommitted('item_2');
    keeper.onCommitted('item_unknown');
    expect(stt.calls).toHaveLength(0);
  });

  it('transcribes in the background, at most maxInFlight at once, and gives up the oldest waiting turn beyond maxQueued', async () => {
    const stt = new HeldTranscriber();
    const { keeper, log } = keeperWith(stt, { maxInFlight: 2, maxQueued: 1 });
    for (const id of ['a', 'b', 'c', 'd']) {
      const at = (['a', 'b', 'c', 'd'].indexOf(id) + 1) * 1000;
      feed(keeper, mulawSilence(1000));
      keeper.onSpeechStarted(id, at - 500);
      keeper.onSpeechStopped(id, at);
      keeper.onCommitted(id);
    }
    // a and b run; c waited and was given up for d
    expect(stt.calls.map((c) => c.audio.itemId)).toEqual(['a', 'b']);
    await log.until((e) => e.length === 1);
    expect(log.events[0]).toMatchObject({
      itemId: 'c',
      result: {
        status: 'failed',
        error: { code: 'aborted', message: 'too many turns waiting for transcription' },
      },
    });
    stt.calls[1]!.answer(ok('bee'));
    await log.until((e) => e.length === 2);
    expect(stt.calls.map((c) => c.audio.itemId)).toEqual(['a', 'b', 'd']);
    let drained = false;
    const draining = keeper.drain().then(() => {
      drained = true;
    });
    stt.calls[0]!.answer(ok('ay'));
    await sleep(5);
    expect(drained).toBe(false);
    stt.calls[2]!.answer(ok('dee'));
    await draining;
    // reported as each finished, each with its own item id
    expect(log.events.map((e) => [e.itemId, e.result.status === 'ok' && e.result.text])).toEqual([
      ['c', false],
      ['b', 'bee'],
      ['a', 'ay'],
      ['d', 'dee'],
    ]);
  });

  it('close() aborts running transcriptions and reports nothing more; a throwing transcriber is a failed result', async () => {
    const stt = new HeldTranscriber();
    const { keeper, log } = keeperWith(stt);
    feed(keeper, mulawSilence(1000));
    keeper.onSpeechStarted('a', 100);
    keeper.onSpeechStopped('a', 900);
    keeper.onCommitted('a');
    keeper.close();
    expect(stt.calls[0]!.signal?.aborted).toBe(true);
    stt.calls[0]!.answer(ok('late'));
    await sleep(5);
    expect(log.events).toEqual([]);

    const broken: Transcriber = {
      provider: 'elevenlabs',
      transcribe: () => {
        throw new Error('boom');
      },
    };
    const other = keeperWith(broken);
    feed(other.keeper, mulawSilence(1000));
    other.keeper.onSpeechStarted('b', 100);
    other.keeper.onSpeechStopped('b', 900);
    other.keeper.onCommitted('b');
    await other.log.until((e) => e.length === 1);
    expect(other.log.events[0]!.result).toMatchObject({ status: 'failed', error: { message: 'boom' } });
  });
});

describe('caller turn audio kept for a new session', () => {
  it('without a transcriber keeps each committed turn until its words are known, across a session change, the last four only', () => {
    const keeper = new CallerTurnAudio({});
    feed(keeper, ramp(0, 8 * 1000));
    keeper.onSpeechStarted('item_a', 200);
    keeper.onSpeechStopped('item_a', 700);
    keeper.onCommitted('item_a');
    expect(Buffer.from(keeper.audioOf('item_a')!).equals(Buffer.from(ramp(8 * 200, 8 * 500)))).toBe(true);
    // the socket drops before the transcript: the new session's timeline starts at 0, the turn stays
    keeper.onSessionStart();
    expect(keeper.audioOf('item_a')?.length).toBe(8 * 500);
    for (const id of ['b', 'c', 'd', 'e']) {
      feed(keeper, ramp(0, 8 * 100));
      keeper.onSpeechStarted(id, 0);
      keeper.onSpeechStopped(id, 100);
      keeper.onCommitted(id);
    }
    expect(keeper.audioOf('item_a')).toBeUndefined();
    expect(keeper.audioOf('b')?.length).toBe(800);
    keeper.forget('b');
    expect(keeper.audioOf('b')).toBeUndefined();
    keeper.close();
    expect(keeper.audioOf('e')).toBeUndefined();
  });
});

describe('caller turn audio, end to end', () => {
  let closers: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const c of closers) await c();
    closers = [];
  });

  it("hands each turn the Realtime simulator's VAD committed to Cartesia, and the words come back", async () => {
    const realtime = await startRealtimeSimulator({ pacing: 'burst' });
    const cartesia = await startCartesiaSimulator({ apiKey: 'sk_car_test' });
    closers.push(
      () => realtime.close(),
      () => cartesia.close(),
    );
    const rt = await openAIRealtimeConnector({
      apiKey: 'sk-test',
      model: 'gpt-realtime',
      realtimeUrl: realtime.url,
    })();
    closers.push(async () => rt.close());
    const log = new EventLog<TranscribedTurn>();
    const keeper = new CallerTurnAudio({
      transcriber: new CartesiaTranscriber({ apiKey: 'sk_car_test', baseUrl: cartesia.baseUrl }),
      onTranscript: log.listener(),
    });
    const starts = new Map<string, number>();
    void rt.events.drain((r) => {
      if (!r.ok) return;
      const e = r.event;
      if (e.type === 'input_audio_buffer.speech_started') {
        starts.set(e.item_id, e.audio_start_ms);
        keeper.onSpeechStarted(e.item_id, e.audio_start_ms);
      } else if (e.type === 'input_audio_buffer.speech_stopped')
        keeper.onSpeechStopped(e.item_id, e.audio_end_ms);
      else if (e.type === 'input_audio_buffer.committed') keeper.onCommitted(e.item_id);
      return undefined;
    });
    rt.send({
      type: 'session.update',
      session: {
        type: 'realtime',
        output_modalities: ['text'],
        audio: {
          input: {
            format: { type: 'audio/pcmu' },
            turn_detection: {
              type: 'server_vad',
              threshold: 0.5,
              prefix_padding_ms: 300,
              silence_duration_ms: 500,
              create_response: false,
            },
          },
        },
      },
    });
    keeper.onSessionStart();
    const say = (text: string) => pcm16ToMulaw(renderSpeech(text).pcm);
    const call = Buffer.concat([
      mulawSilence(400),
      say('where is my order'),
      mulawSilence(900),
      say('thank you'),
      mulawSilence(900),
    ]);
    // four times real time: the VAD's events arrive while the audio is still going in
    for (let at = 0; at < call.length; at += FRAME) {
      const frame = call.subarray(at, at + FRAME).toString('base64');
      rt.appendAudio(frame);
      keeper.onAudio(frame);
      await sleep(5);
    }
    await log.until((e) => e.length === 2, 10_000);
    const byStart = [...log.events].sort((a, b) => a.startMs - b.startMs);
    expect(byStart.map((t) => t.result)).toEqual([
      expect.objectContaining({ status: 'ok', text: 'where is my order' }),
      expect.objectContaining({ status: 'ok', text: 'thank you' }),
    ]);
    for (const t of byStart) expect(t.startMs).toBe(starts.get(t.itemId));
  });
});

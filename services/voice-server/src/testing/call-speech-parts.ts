// A call's external speech (CallSpeech) alone, on the audio path of parts.ts: a fake TTS, a clock the
// test moves, the real caller-audio keeper, and what the speech told the rest of the call.
import type { RealtimeSessionCreateRequest } from '@switchboard/realtime';
import type { CallProfile } from '../ports/ai-server.ts';
import type { Transcriber, TranscriptionResult } from '../ports/transcriber.ts';
import { CallSpeech } from '../session/call-speech.ts';
import { CallerTurnAudio } from '../speech/caller-turn-audio.ts';
import { fakeTts } from './fake-tts.ts';
import { audioPath } from './parts.ts';
import { RecordedTrace } from './recording-tracer.ts';

/** The brand voice of these tests (a valid ElevenLabs id, with settings to carry over). */
export const BRAND_VOICE = {
  provider: 'elevenlabs',
  voiceId: 'AcmeBrandVoice000001',
  settings: { stability: 0.3 },
};

export function callSpeechOf(
  opts: {
    profile?: Partial<CallProfile>;
    /** An ElevenLabs key is configured (default true). */
    tts?: boolean;
    transcribers?: Partial<Record<'cartesia' | 'elevenlabs', Transcriber>>;
    /** The call has a trace (default true). */
    trace?: boolean;
    /** Someone listens to the external transcriber's words (default true). */
    words?: boolean;
  } = {},
) {
  const p = audioPath();
  const tts = fakeTts();
  const clock = { ms: 0 };
  const trace = new RecordedTrace('trace-1', {
    callSid: 'CA00000000000000000000000000000001',
    streamSid: 'MZ1',
    botProfileKey: 'p',
    isSip: false,
    caller: '***0123',
  });
  const updates: Array<Partial<RealtimeSessionCreateRequest>> = [];
  const notes: string[] = [];
  const words: string[] = [];
  const firstAudio: string[] = [];
  const turnAudio = new CallerTurnAudio({});
  const speech = new CallSpeech({
    providers: {
      ...(opts.tts === false ? {} : { tts: tts.factory }),
      ...(opts.transcribers ? { transcribers: opts.transcribers } : {}),
    },
    audioOut: p.audioOut,
    responses: p.responses,
    transcript: p.transcript,
    turnAudio,
    playback: p.playback,
    updateSession: (patch) => updates.push(patch),
    onFirstAudio: (itemId) => firstAudio.push(itemId),
    now: () => clock.ms,
    onActivity: () => {},
    record: (text) => notes.push(text),
    ...(opts.trace === false ? {} : { trace }),
    ...(opts.words === false ? {} : { onCallerWords: (text: string) => words.push(text) }),
    metrics: p.metrics,
    log: p.log,
  });
  const configured = speech.configure({ key: 'p', ...opts.profile });
  return { ...p, speech, configured, tts, clock, trace, updates, notes, words, firstAudio, turnAudio };
}

/**
 * A transcriber whose answers the test gives: each turn waits in `asked` until `answer` settles the
 * oldest one.
 */
export function heldTranscriber(provider: 'cartesia' | 'elevenlabs' = 'cartesia') {
  const asked: Array<{ itemId: string; answer: (r: TranscriptionResult) => void }> = [];
  const transcriber: Transcriber = {
    provider,
    transcribe: (audio) =>
      new Promise<TranscriptionResult>((resolve) => asked.push({ itemId: audio.itemId, answer: resolve })),
  };
  return {
    transcriber,
    asked,
    answer: (r: TranscriptionResult) => asked.shift()!.answer(r),
  };
}

/** A committed caller turn `itemId` of `ms` of audio on `turnAudio` (handed to its transcriber). */
export function callerTurn(turnAudio: CallerTurnAudio, itemId: string, ms = 200): void {
  for (let t = 0; t < ms; t += 20) turnAudio.onAudio(Buffer.alloc(160, 0x10).toString('base64'));
  turnAudio.onSpeechStarted(itemId, 0);
  turnAudio.onSpeechStopped(itemId, ms);
  turnAudio.onCommitted(itemId);
}

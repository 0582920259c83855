import type { RealtimeSessionCreateRequest } from '@switchboard/realtime';
import type { Logger } from '@switchboard/service-kit';
import type { VoiceMetrics } from '../metrics.ts';
import type { CallProfile } from '../ports/ai-server.ts';
import type { TtsError, TtsStreamFactory, TtsVoice } from '../ports/tts-stream.ts';
import type { CallerTurnAudio, TranscribedTurn } from '../speech/caller-turn-audio.ts';
import type { CallTrace } from '../telemetry/call-tracer.ts';
import type { AudioOut } from './audio-out.ts';
import type { TtsControl } from './call-types.ts';
import { FILLER_ITEM } from './call-types.ts';
import { CallerTranscripts } from './caller-transcripts.ts';
import { ExternalVoice } from './external-voice.ts';
import { REPEAT_AFTER_VOICE_FAILURE, VOICE_FELL_BACK_NOTE } from './lines.ts';
import type { TextSpeech } from './model-output.ts';
import type { PlaybackTracker } from './playback-tracker.ts';
import type { ResponseQueue } from './response-queue.ts';
import { callerLanguage, ELEVENLABS_VOICE_ID, type SpeechProviders, speechPlanFor } from './speech-plan.ts';
import type { Transcript } from './transcript.ts';

/** What a call used of the external speech providers, for cost attribution. */
export interface SpeechUsage {
  /** `elevenlabs` while the call spoke with an external voice at some point; else `openai`. */
  voiceProvider: 'openai' | 'elevenlabs';
  /** Characters sent to the TTS provider. */
  charactersSynthesized: number;
  /** The external transcriber, when the profile has one. */
  transcriber?: 'cartesia' | 'elevenlabs';
  /** Caller audio sent to the external transcriber, in seconds. */
  audioSecondsTranscribed: number;
  /** The external voice failed and the call went on with the model's own. */
  fellBack: boolean;
}

/** The model each transcriber asks for (the adapters' defaults), for the trace's price lookup. */
const TRANSCRIBER_MODEL = { cartesia: 'ink-whisper', elevenlabs: 'scribe_v1' } as const;

export interface CallSpeechDeps {
  providers: SpeechProviders;
  audioOut: AudioOut;
  responses: ResponseQueue;
  transcript: Transcript;
  turnAudio: CallerTurnAudio;
  /** What the caller has heard (a line waits for it to play). */
  playback: PlaybackTracker;
  /** Sends a session.update for the rest of the call (RealtimeLink.updateSession). */
  updateSession: (patch: Partial<RealtimeSessionCreateRequest>) => void;
  /** The first audio of an agent turn went out (the reply's latency). */
  onFirstAudio: (itemId: string) => void;
  /** The first text of an agent turn went to the voice (the turn's waterfall). */
  onFirstText?: (itemId: string) => void;
  /** The first frame of an agent turn's voice was sent to Twilio (the turn's waterfall). */
  onFirstFrameSent?: (itemId: string) => void;
  /** Monotonic ms clock. */
  now: () => number;
  /** Audio went to the caller (the inactivity watchdog). */
  onActivity: () => void;
  /** Keeps a note on the conversation. */
  record: (text: string) => void;
  /** The call's trace: a span per TTS turn and per transcription, with their cost. */
  trace?: Pick<CallTrace, 'ttsSynthesized' | 'sttTranscribed'>;
  /** An external transcriber's words for a caller turn. */
  onCallerWords?: (text: string) => void;
  metrics: VoiceMetrics;
  log: Logger;
}

/**
 * A call's external speech, decided per bot profile: the brand's own TTS voice (the model then
 * answers in text, spoken here; on the voice's failure the call goes on with the model's own audio)
 * and an external transcriber of the caller's turns (beside the Realtime transcript). Barge-in sees it
 * as its TtsControl, the model loop as its TextSpeech.
 */
export class CallSpeech implements TtsControl, TextSpeech {
  private voice: ExternalVoice | undefined;
  private transcripts: CallerTranscripts | undefined;
  private transcriber: 'cartesia' | 'elevenlabs' | undefined;
  private usedVoice = false;
  /** The external voice speaking now, and one asked for that takes over between turns. */
  private voiceInUse: TtsVoice | undefined;
  private pendingVoice: TtsVoice | undefined;
  /** Characters synthesized by voices replaced during the call. */
  private charactersOfClosed = 0;
  private fellBack = false;
  private repeatAsked = false;

  constructor(private readonly deps: CallSpeechDeps) {}

  /**
   * The call's profile is known: opens the external voice's stream and sets the transcriber. Returns
   * whether the Realtime session should answer in text, and what the profile could not have.
   */
  configure(profile: CallProfile): { textOnly: boolean; problems: string[] } {
    const { providers } = this.deps;
    const plan = speechPlanFor(profile, providers);
    if (plan.voice && providers.tts) {
      this.voiceInUse = plan.voice;
      this.voice = this.openVoice(plan.voice, providers.tts);
      this.usedVoice = true;
    }
    if (plan.transcriber) {
      const transcripts = new CallerTranscripts(this.deps.transcript, (turn) => this.onTranscribed(turn));
      this.transcripts = transcripts;
      this.transcriber = plan.transcriber.provider;
      this.deps.turnAudio.useTranscriber(
        plan.transcriber,
        (turn) => transcripts.onExternal(turn),
        callerLanguage(profile),
      );
    }
    return { textOnly: this.voice !== undefined, problems: plan.problems };
  }

  /** The external voice's stream with `voice`. */
  private openVoice(voice: TtsVoice, factory: TtsStreamFactory): ExternalVoice {
    const { log } = this.deps;
    return new ExternalVoice({
      open: (listener) => factory(voice, listener),
      audioOut: this.deps.audioOut,
      isCancelled: (id) => this.deps.responses.isCancelled(id),
      onFirstAudio: (itemId, ttsMs) => {
        this.deps.metrics.ttsFirstAudio.observe(ttsMs / 1000);
        this.deps.onFirstAudio(itemId);
      },
      ...(this.deps.onFirstText ? { onFirstText: this.deps.onFirstText } : {}),
      ...(this.deps.onFirstFrameSent ? { onFirstFrameSent: this.deps.onFirstFrameSent } : {}),
      now: this.deps.now,
      onActivity: this.deps.onActivity,
      onTurnFailed: (itemId, error) => this.onTurnFailed(itemId, error),
      onUnavailable: (error) => this.fallBack(error),
      onError: (error) => log.debug({ code: error.code }, 'TTS stream error (survived)'),
      onSynthesized: (t) =>
        this.deps.trace?.ttsSynthesized({
          provider: 'elevenlabs',
          voiceId: voice.voiceId,
          characters: t.characters,
          ...(t.firstAudioMs !== undefined ? { firstAudioMs: t.firstAudioMs } : {}),
          durationMs: t.durationMs,
        }),
    });
  }

  /**
   * The call's language changed to one with its own ElevenLabs voice: its answers from the next turn
   * on are spoken with it (a new stream; the turn being spoken ends in the old voice). False when the
   * call has no external voice (the Realtime voice is kept: it cannot change once audio was produced).
   */
  changeVoice(voiceId: string): boolean {
    const factory = this.deps.providers.tts;
    if (!this.voice || this.fellBack || !factory || !ELEVENLABS_VOICE_ID.test(voiceId)) return false;
    this.pendingVoice = { ...(this.voiceInUse ?? {}), voiceId };
    this.swapVoiceWhenIdle();
    return true;
  }

  /** Between turns, the voice asked for takes over. */
  private swapVoiceWhenIdle(): void {
    const next = this.pendingVoice;
    const factory = this.deps.providers.tts;
    if (!next || !factory || !this.voice || this.voice.busy) return;
    this.pendingVoice = undefined;
    this.charactersOfClosed += this.voice.charactersSynthesized;
    this.voice.close();
    this.voiceInUse = next;
    this.voice = this.openVoice(next, factory);
  }

  /** The model's words are being spoken by the external voice. */
  get speaksExternally(): boolean {
    return this.voice !== undefined && !this.fellBack;
  }

  get busy(): boolean {
    return this.voice?.busy ?? false;
  }

  onTextDelta(responseId: string, itemId: string, delta: string): void {
    if (this.pendingVoice) this.swapVoiceWhenIdle();
    if (this.speaksExternally) this.voice!.onTextDelta(responseId, itemId, delta);
  }

  onTextDone(itemId: string): void {
    this.voice?.onTextDone(itemId);
  }

  onResponseDone(responseId: string): void {
    this.voice?.onResponseDone(responseId);
  }

  cancel(): string[] {
    return this.voice?.cancel() ?? [];
  }

  heardText(itemId: string, heardMs: number): string | undefined {
    return this.voice?.heardText(itemId, heardMs);
  }

  /** A line of the platform's own in the brand's voice; false when there is none to speak it. */
  sayLine(text: string, localItem: string): boolean {
    return this.speaksExternally ? this.voice!.sayLine(text, localItem) : false;
  }

  /** The Realtime transcript of a caller turn came or failed. */
  onRealtimeCallerText(itemId: string): void {
    this.transcripts?.onRealtimeDone(itemId);
  }

  /** What the call used so far (and, at its end, in all): attach to the call's trace for cost. */
  get usage(): SpeechUsage {
    return {
      voiceProvider: this.usedVoice ? 'elevenlabs' : 'openai',
      charactersSynthesized: this.charactersOfClosed + (this.voice?.charactersSynthesized ?? 0),
      ...(this.transcriber ? { transcriber: this.transcriber } : {}),
      audioSecondsTranscribed: Math.round((this.transcripts?.audioSecondsTranscribed ?? 0) * 1000) / 1000,
      fellBack: this.fellBack,
    };
  }

  /**
   * Says a line of the platform's own in the brand's voice and waits until the caller has heard it
   * (at most `timeoutMs`, twice: synthesis, then playback). False when it could not be said whole:
   * the caller then hears it from Twilio.
   */
  async sayAndWait(text: string, timeoutMs: number): Promise<boolean> {
    if (!this.speaksExternally) return false;
    const said = await within(
      new Promise<boolean>((resolve) => {
        if (!this.voice!.sayLine(text, FILLER_ITEM, resolve)) resolve(false);
      }),
      timeoutMs,
    );
    if (!said) return false;
    await within(
      this.deps.playback.whenIdle().then(() => true),
      timeoutMs,
    );
    return true;
  }

  /** The call is over: the voice's stream closes at once. */
  closeVoice(): void {
    this.voice?.close();
  }

  /**
   * The call is over: transcriptions under way may finish (for at most `graceMs`), then turns left
   * without a Realtime transcript take the external one, and the audio keeper stops.
   */
  async finishTranscripts(graceMs: number): Promise<void> {
    const { turnAudio } = this.deps;
    if (this.transcripts) {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const timeout = new Promise<void>((resolve) => {
        timer = setTimeout(resolve, graceMs);
        timer.unref?.();
      });
      await Promise.race([turnAudio.drain(), timeout]);
      clearTimeout(timer);
      this.transcripts.settle();
    }
    turnAudio.close();
  }

  private onTranscribed(turn: TranscribedTurn): void {
    const { metrics } = this.deps;
    const r = turn.result;
    metrics.add(metrics.transcriberSeconds, r.provider, r.audioSeconds);
    metrics.add(metrics.transcriptions, `${r.provider}|${r.status}`);
    if (r.status === 'ok') this.deps.onCallerWords?.(r.text);
    this.deps.trace?.sttTranscribed({
      provider: r.provider,
      model: TRANSCRIBER_MODEL[r.provider],
      audioSeconds: r.audioSeconds,
      latencyMs: turn.latencyMs,
      outcome: r.status,
      ...(r.status === 'failed' ? { errorCode: r.error.code } : {}),
    });
  }

  /** The caller missed part of a turn: once the voice is settled, the model says it again. */
  private onTurnFailed(itemId: string, error: TtsError): void {
    this.deps.log.warn({ itemId, code: error.code }, 'a TTS turn could not be spoken to its end');
    if (this.repeatAsked) return;
    this.repeatAsked = true;
    // After the stream's other events of this tick (an `unavailable` switches the voice first).
    queueMicrotask(() => {
      this.repeatAsked = false;
      this.deps.responses.request({ kind: 'line', line: REPEAT_AFTER_VOICE_FAILURE });
    });
  }

  /** The external voice gave up: the model speaks with its own audio for the rest of the call. */
  private fallBack(error: TtsError): void {
    if (this.fellBack) return;
    this.fellBack = true;
    // A voice asked for during the failed turn would open a stream nothing speaks with.
    this.pendingVoice = undefined;
    const { metrics, log } = this.deps;
    metrics.add(metrics.ttsFallbacks, error.code);
    log.warn(
      { code: error.code, reason: error.message },
      "the brand's TTS voice is unavailable; the rest of the call uses the model's own audio",
    );
    this.deps.updateSession({ output_modalities: ['audio'] });
    this.deps.record(VOICE_FELL_BACK_NOTE);
  }
}

/** `promise`, or false once `ms` have passed (the timer never holds the process). */
function within(promise: Promise<boolean>, ms: number): Promise<boolean> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), ms);
    timer.unref?.();
    void promise.then((v) => {
      clearTimeout(timer);
      resolve(v);
    });
  });
}

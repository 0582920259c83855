import type { FunctionCall } from '../tools/tool-runner.ts';

/** One tool run, as metrics and traces see it. */
export interface ToolRun {
  call: FunctionCall;
  args: unknown;
  output: unknown;
  durationMs: number;
  ok: boolean;
}

/** A Realtime response as `response.done` reports it (the fields a trace keeps). */
export interface TracedResponse {
  id?: string;
  status?: string;
  usage?: RealtimeUsage | null;
}

/** Token usage of one Realtime response (GA `response.done`). */
export interface RealtimeUsage {
  total_tokens?: number;
  input_tokens?: number;
  output_tokens?: number;
  input_token_details?: {
    text_tokens?: number;
    audio_tokens?: number;
    cached_tokens?: number;
    cached_tokens_details?: { text_tokens?: number; audio_tokens?: number };
  };
  output_token_details?: { text_tokens?: number; audio_tokens?: number };
}

/** One external text-to-speech synthesis (one turn's speech), as its span and cost see it. */
export interface TtsSynthesis {
  /** `elevenlabs`, `cartesia`: the price table's provider key. */
  provider: string;
  voiceId: string;
  /** The provider's model id (e.g. `eleven_flash_v2_5`); priced by provider alone when absent. */
  model?: string;
  /** Characters sent for synthesis (what the provider bills). */
  characters: number;
  /** From the first text sent to the first audio chunk back; absent when no audio came. */
  firstAudioMs?: number;
  /** From the first text sent to the last audio chunk (or the failure). */
  durationMs: number;
}

/** One external speech-to-text transcription (one caller turn), as its span and cost see it. */
export interface SttTranscription {
  /** `cartesia`, `elevenlabs`: the price table's provider key. */
  provider: string;
  /** The provider's model id (`ink-whisper`, `scribe_v1`). */
  model: string;
  /** Audio the provider received (what it bills; 0 when none was sent). */
  audioSeconds: number;
  /** From the request to its answer (or failure). */
  latencyMs: number;
  outcome: 'ok' | 'empty' | 'failed';
  /** Of a failure: the error code (`timeout`, `provider_error`, ...). */
  errorCode?: string;
}

/**
 * One agent turn's latency waterfall, each figure in ms from the moment the caller's speech stopped
 * (the figures app-server shows with the agent's message).
 */
export interface TurnWaterfall {
  /** The agent's output item (the transcript message). */
  itemId: string;
  /** Wall clock (epoch ms) when the caller's speech stopped. */
  speechStoppedAt: number;
  /** The model's first audio delta (absent when an external TTS speaks the turn). */
  firstAudioMs?: number;
  /** The model's first text delta (external TTS). */
  firstTextMs?: number;
  /** The first chunk the external TTS synthesized. */
  firstSynthMs?: number;
  /** The first media frame of the reply sent to Twilio. */
  firstFrameMs: number;
}

/** What a call's trace is told; every method returns at once and never throws. */
export interface CallTrace {
  /** The trace's id (sent to app-server with the conversation and its tickets); undefined when not traced. */
  readonly traceId: string | undefined;
  toolRan(run: ToolRun): void;
  responseDone(response: TracedResponse): void;
  /** An external TTS synthesis: a child span with its cost, added to the trace's cost per provider. */
  ttsSynthesized(synthesis: TtsSynthesis): void;
  /** An external STT transcription: a child span with its cost, added to the trace's cost per provider. */
  sttTranscribed(transcription: SttTranscription): void;
  /** One agent turn's latency waterfall: a child span from speech stopped to the first frame sent. */
  turnLatency(turn: TurnWaterfall): void;
  end(summary: { endReason: string; durationSec: number }): void;
}

/** The facts a call's trace starts with (no phone number in full). */
export interface TracedCall {
  callSid: string;
  streamSid: string;
  botProfileKey: string;
  isSip: boolean;
  /** Masked to the last 4 digits. */
  caller: string;
}

/** Opens one trace per call. */
export interface CallTracer {
  startCall(call: TracedCall): CallTrace;
  /** Sends what is buffered, waiting at most `timeoutMs` (shutdown). */
  flush(timeoutMs: number): Promise<void>;
}

/** A trace that records nothing (tracing off, or the call's trace dropped). */
export const NO_TRACE: CallTrace = Object.freeze({
  traceId: undefined,
  toolRan() {},
  responseDone() {},
  ttsSynthesized() {},
  sttTranscribed() {},
  turnLatency() {},
  end() {},
});

/** Tracing off (OPIK_URL_OVERRIDE unset). */
export const noCallTracer: CallTracer = {
  startCall: () => NO_TRACE,
  flush: async () => {},
};

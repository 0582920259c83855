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

/** What a call's trace is told; every method returns at once and never throws. */
export interface CallTrace {
  /** The trace's id (sent to app-server with the conversation); undefined when not traced. */
  readonly traceId: string | undefined;
  toolRan(run: ToolRun): void;
  responseDone(response: TracedResponse): void;
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

const NO_TRACE: CallTrace = {
  traceId: undefined,
  toolRan() {},
  responseDone() {},
  end() {},
};

/** Tracing off (OPIK_URL_OVERRIDE unset). */
export const noCallTracer: CallTracer = {
  startCall: () => NO_TRACE,
  flush: async () => {},
};

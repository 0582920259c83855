import type {
  RealtimeClientEvent,
  RealtimeFunctionTool,
  RealtimeServerEvent,
  RealtimeSessionCreateRequest,
  ResponseCreateEvent,
} from 'openai/resources/realtime/realtime';
import type { EventStream } from './async-queue.ts';

export type {
  RealtimeClientEvent,
  RealtimeFunctionTool,
  RealtimeServerEvent,
  RealtimeSessionCreateRequest,
  ResponseCreateEvent,
};

/** A server event as it entered: checked, or why it was refused (see event-guards.ts). */
export type RealtimeEventResult =
  | { ok: true; event: RealtimeServerEvent }
  | { ok: false; type: string; code: RealtimeRejectCode; reason: string };

export type RealtimeRejectCode = 'not_json' | 'not_object' | 'missing_field' | 'wrong_type';

/** How a Realtime socket ended. */
export interface RealtimeCloseInfo {
  code: number;
  reason: string;
  /** True when we closed it ourselves. */
  byClient: boolean;
  error?: Error;
}

/**
 * The port the session manager talks to: one Realtime conversation socket. Implemented over the
 * openai SDK's OpenAIRealtimeWS in production, and by scripted fakes in unit tests.
 */
export interface RealtimeConnection {
  /** Sends a client event; dropped (and reported by `closed`) once the socket is gone. */
  send(event: RealtimeClientEvent): void;
  /**
   * Appends caller audio (`input_audio_buffer.append`): the hot path, one call per caller frame.
   * `audioBase64` must be base64 (it is placed in the JSON as is).
   */
  appendAudio(audioBase64: string): void;
  /**
   * Server events in arrival order, each checked at the boundary (or why it was refused); the stream
   * ends when the socket closes.
   */
  readonly events: EventStream<RealtimeEventResult>;
  /** Resolves once, when the socket has closed for any reason. */
  readonly closed: Promise<RealtimeCloseInfo>;
  close(code?: number, reason?: string): void;
}

/** Which call a connection is for (logging, tracing). */
export interface RealtimeConnectContext {
  callSid: string;
}

/** Opens a connection; rejects when the socket cannot be opened. */
export type RealtimeConnector = (
  signal?: AbortSignal,
  context?: RealtimeConnectContext,
) => Promise<RealtimeConnection>;

import type { RealtimeConnection, RealtimeConnector, ResponseCreateEvent } from '@switchboard/realtime';
import type { Logger } from '@switchboard/service-kit';
import type { VoiceMetrics } from '../metrics.ts';
import type { AmdGate } from '../outbound/amd-gate.ts';
import type { CallAiServer } from '../ports/ai-server.ts';
import type { AppServerClient } from '../ports/app-server.ts';
import type { CallTransport } from '../ports/call-transport.ts';
import type { TwilioRest } from '../ports/twilio-rest.ts';
import type { CallTracer } from '../telemetry/call-tracer.ts';
import type { LevelsSink } from './audio-levels.ts';
import { DEFAULT_RECONNECT_POLICY, type ReconnectPolicy, type SessionHealth } from './reconnect-budget.ts';
import type { SpeechProviders } from './speech-plan.ts';

export type { CallInfo } from '../ports/call-control.ts';

/**
 * The call's Realtime session as the caller input and barge-in reach it: `current`, while one is open
 * (the call's `RealtimeLink`). An object, not a function: on a caller frame's path a closure is one
 * object more to reach.
 */
export interface LiveSession {
  readonly current: RealtimeConnection | undefined;
}

/** Speech from an external TTS provider, as barge-in sees it. */
export interface TtsControl {
  /** Cancels every turn not yet spoken; called first on barge-in. Returns the items it cut off, if known. */
  // biome-ignore lint/suspicious/noConfusingVoidType: a control that knows no items returns nothing
  cancel(): readonly string[] | void;
  /** True while a turn is being synthesized or delivered (nothing may have reached Twilio yet). */
  readonly busy?: boolean;
  /**
   * What the caller heard of `itemId` after `heardMs` of its audio, from the provider's alignment;
   * undefined when `itemId` was not spoken by the external voice.
   */
  heardText?(itemId: string, heardMs: number): string | undefined;
}

/** The ports one call is wired to. */
export interface SessionDeps {
  transport: CallTransport;
  connectRealtime: RealtimeConnector;
  aiServer: CallAiServer;
  appServer: AppServerClient;
  twilioRest: TwilioRest;
  logger: Logger;
  metrics: VoiceMetrics;
  tts?: TtsControl;
  /** External TTS and transcription, used per bot profile (none configured: the model's own audio). */
  speech?: SpeechProviders;
  /** Monotonic ms clock for latency figures; default performance.now. */
  now?: () => number;
  /** Call limits; defaults are the product's (30 min cap, wrap-up 60 s before, renew before 60 min). */
  limits?: CallLimitsOverrides;
  /** Where sessions' health is reported (the process-wide Realtime circuit breaker). */
  realtimeHealth?: SessionHealth;
  /** Opens the call's trace (Opik); none when absent. */
  tracer?: CallTracer;
  /** Outbound calls hold their opening until answering machine detection says human. */
  amdGate?: AmdGate;
  /** Where each side's audio levels go, batched (the live monitor); not measured when absent. */
  levels?: LevelsSink;
  /** The URL app-server reaches this instance's call controls at (known once it listens). */
  controlUrl?: () => string | undefined;
}

/** Call limits to change, the reconnect policy field by field. */
export type CallLimitsOverrides = Partial<Omit<CallLimits, 'reconnect'>> & {
  reconnect?: Partial<ReconnectPolicy>;
};

/** The product's limits with `overrides` applied. */
export function callLimits(overrides: CallLimitsOverrides = {}): CallLimits {
  return {
    ...DEFAULT_CALL_LIMITS,
    ...overrides,
    reconnect: { ...DEFAULT_CALL_LIMITS.reconnect, ...overrides.reconnect },
  };
}

export interface CallLimits {
  /** Longest call when the profile sets no maximum. */
  maxCallMs: number;
  /** The most a profile may set as its maximum (the Realtime session is renewed on the way). */
  maxProfileCallMs: number;
  /** How often the brand's credits are checked during a call. */
  creditCheckEveryMs: number;
  /** How long before the cap the model is told to wrap up. */
  wrapUpBeforeMs: number;
  /** Renew the Realtime session (at a quiet moment) once it is this old; the API's cap is 60 min. */
  renewRealtimeAfterMs: number;
  /** How a dropped Realtime socket is reconnected: attempts per outage and per call, back-off. */
  reconnect: ReconnectPolicy;
  /** Most "one moment" filler a call plays during outages, in all. */
  maxFillerMs: number;
  /** Inactivity watchdog defaults (a profile may set its own). */
  promptAfterSilenceMs: number;
  endAfterSilenceMs: number;
  /** Longest wait for a goodbye to play before the call is ended anyway. */
  goodbyeGraceMs: number;
}

export const DEFAULT_CALL_LIMITS: CallLimits = {
  maxCallMs: 30 * 60_000,
  maxProfileCallMs: 4 * 3_600_000,
  creditCheckEveryMs: 60_000,
  wrapUpBeforeMs: 60_000,
  renewRealtimeAfterMs: 55 * 60_000,
  reconnect: DEFAULT_RECONNECT_POLICY,
  maxFillerMs: 10_000,
  promptAfterSilenceMs: 30_000,
  endAfterSilenceMs: 30_000,
  goodbyeGraceMs: 15_000,
};

export type EndReason =
  | 'caller_hangup'
  | 'stream_closed'
  | 'realtime_closed'
  | 'realtime_unavailable'
  | 'no_credits'
  | 'profile_unavailable'
  | 'agent_hangup'
  | 'transferred'
  | 'inactivity'
  | 'max_duration'
  | 'shutdown'
  /** Staff ended the call from the live monitor (after the agent's goodbye). */
  | 'staff_ended';

/** Parameters of a response.create. */
export type ResponseParams = NonNullable<ResponseCreateEvent['response']>;

/** Playback ids of audio we make ourselves: never truncated, never deleted from the conversation. */
export const THINKING_ITEM = '~thinking';
export const FILLER_ITEM = '~filler';
export const isLocalAudio = (itemId: string): boolean => itemId === THINKING_ITEM || itemId === FILLER_ITEM;

/** An error as a log field: its message and code, never its payload. */
export function errInfo(err: unknown): { message: string; code?: string } {
  if (err instanceof Error) return { message: err.message, code: (err as { code?: string }).code };
  return { message: String(err) };
}

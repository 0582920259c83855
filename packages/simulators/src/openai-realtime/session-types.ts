/**
 * The public shapes of a simulated Realtime session: its options, the observer hooks, and the views
 * tests read (conversation items, the active response, the replies played, how the socket closed).
 */
import type { EventLog } from './event-log.ts';
import type { FaultPlan } from './faults.ts';
import type { Pacing, SimClock } from './pacing.ts';
import type { ReplyAudio } from './reply-audio.ts';
import type { PlannedReply, PlannedToolCall, Scenario } from './scenario.ts';
import type { SimSessionConfig } from './session-config.ts';
import type { ModelTiming } from './timing.ts';

/** Everything a session needs from the simulator. */
export interface RealtimeSimSessionOptions {
  model: string;
  scenario: Scenario;
  replyAudio: ReplyAudio;
  pacing: Pacing;
  /** Audio per `response.output_audio.delta`. */
  audioChunkMs: number;
  faults: FaultPlan;
  clock: SimClock;
  /** When false, base64 audio in logged events is replaced by a length note. */
  logAudioPayloads: boolean;
  /** Audio events go into the event log (see `RealtimeSimulatorOptions.logAudioEvents`). */
  logAudioEvents: boolean;
  /** Synchronous hooks on every event; none by default. */
  observer?: RealtimeSimObserver;
  /** Model timing (the scenario's wins); default instant. */
  timing?: ModelTiming;
  /** This session's place in connection order (seeds realistic timing). */
  sessionIndex: number;
  /** Commit → input transcript when timing is instant and the turn does not say, ms. */
  transcriptionDelayMs: number;
  /** The configuration an ephemeral key was minted with: the session starts with it. */
  initialConfig?: SimSessionConfig;
}

/**
 * Hooks on a session's events, called synchronously on the hot path: keep them cheap. Benchmarks use
 * them to time events across a relay. The event objects are the simulator's own: do not modify them.
 */
export interface RealtimeSimObserver {
  /** A client event was received and parsed, before the session handles it. */
  clientEvent?(session: SimSessionRef, event: Readonly<Record<string, unknown>>): void;
  /** A server event was just written to the socket. */
  serverEvent?(session: SimSessionRef, event: Readonly<Record<string, unknown>>): void;
}

/** What an observer is handed of a session: the RealtimeSimSession itself, seen by its identity. */
export interface SimSessionRef {
  readonly id: string;
  readonly model: string;
  readonly log: EventLog;
}

/** A conversation item as tests see it: the wire shape plus the audio and text behind it. */
export interface SimConversationItem {
  id: string;
  /** The item as the API reports it (no audio bytes). */
  item: Record<string, unknown>;
  /** Input audio of a user item, or the assistant audio generated so far (after any truncation). */
  audio: Uint8Array | null;
  audioMs: number;
  /**
   * User: the transcript attached to the item (only once an input transcription completed, or as
   * sent by the client); assistant: the full text it was generating.
   */
  text: string | null;
  /**
   * User audio committed from the input buffer: what the caller actually said (the scenario's `user`
   * line, or the simulated speech recognised in the audio), whether or not anything transcribed it.
   */
  spokenText: string | null;
  /** Assistant after `conversation.item.truncate`: the words the caller heard. */
  heardText: string | null;
  truncatedAtMs: number | null;
}

/** The response being generated, as tests see it. */
export interface SimActiveResponse {
  id: string;
  /** Set once a cancel (client or VAD) has been requested. */
  cancelReason: 'turn_detected' | 'client_cancelled' | null;
  itemIds: string[];
  audioMsSent: number;
  text: string;
}

/** The scenario reply a response played, and what the model answered with. */
export interface SimReply {
  responseId: string;
  source: PlannedReply['source'];
  text: string;
  /** The language `text` is in (primary subtag; plain scripted text is English). */
  language: string;
  /** The language the effective instructions asked for: differs from `language` when the script had no variant for it. */
  languageInForce: string;
  toolCalls: PlannedToolCall[];
  /**
   * The instructions in force for this response: the response's own when `response.create` gave
   * some (they replace the session's, as on the real API), else the session's at the time.
   */
  instructions: string;
  instructionsFrom: 'session' | 'response';
  /** `response.metadata`, echoed on the response object. */
  metadata: Record<string, string> | null;
  /** `in_progress` until `response.done`, then how it ended. */
  status: 'in_progress' | 'completed' | 'cancelled' | 'failed' | 'incomplete';
}

/** How the socket ended. */
export interface SessionCloseInfo {
  code: number;
  reason: string;
}

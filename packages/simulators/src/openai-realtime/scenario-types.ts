/**
 * The scenario format: what the simulated assistant says, which tools it calls, and how each turn
 * may go wrong (a failed transcript, a failed or cut-short response). Plain data, as a TS object or
 * a JSON file; the README documents it.
 */
import type { FaultPlan } from './faults.ts';
import type { ResponseOutcome } from './response-outcomes.ts';
import type { ModelTiming } from './timing.ts';

/** A tool the assistant calls. `arguments` is sent JSON-encoded when given as an object. */
export interface ScenarioToolCall {
  name: string;
  arguments?: Record<string, unknown> | string;
  /** Fixed `call_id`; generated (`call_...`) when absent. */
  callId?: string;
}

/**
 * What the assistant says: plain text (English), or the text per language, `{en: "…", es: "…"}` (BCP
 * 47 tags, compared by primary subtag; the first listed is the default). The variant for the language
 * the effective instructions state (reply-language.ts) is spoken; with none for it, the default.
 */
export type ScenarioText = string | Record<string, string>;

/** One assistant reply: spoken text, tool calls, and what to say once the tools have answered. */
export interface ScenarioReply {
  say?: ScenarioText;
  toolCalls?: ScenarioToolCall[];
  /** The reply to the `response.create` that follows the `function_call_output` items. */
  afterTools?: string | ScenarioReply;
  /** Audio length of `say`; by default the text length times `msPerChar`. */
  audioMs?: number;
  /** Extra wait before the first delta of this reply (model think time). */
  latencyMs?: number;
  /** End the response `failed` or `incomplete` instead of `completed`. */
  outcome?: ResponseOutcome;
}

/** The error of a failed input transcription (the real one when not given). */
export interface TranscriptionError {
  type?: string;
  code?: string | null;
  message?: string;
}

/** How the input transcription of a turn goes (only when the session enables transcription). */
export interface TurnTranscription {
  /** Commit → transcript, ms (default: the simulator's `transcriptionDelayMs`). */
  delayMs?: number;
  /** Send `conversation.item.input_audio_transcription.failed` instead of a transcript. */
  fails?: true | TranscriptionError;
}

/** A user turn and the assistant's reply to it. */
export interface ScenarioTurn extends ScenarioReply {
  /** What the caller says in this turn: the input transcript, when the session asks for one. */
  user?: string;
  /**
   * Makes this a text-triggered turn: it answers any `conversation.item.create` user/system
   * `input_text` that matches (string = case-insensitive regular expression). Text-triggered turns
   * are skipped by audio turns.
   */
  userText?: string | RegExp;
  /** The input transcription of this turn. */
  transcription?: TurnTranscription;
}

/**
 * What the model needs in its instructions to stay in character. A response whose effective
 * instructions (the session's, or the response's own, which replace them) do not match speaks
 * `otherwise` instead of its scripted line, and calls no tools.
 */
export interface ScenarioPersona {
  /** Case-insensitive regular expression (string) or a RegExp. */
  match: string | RegExp;
  /** What an out-of-character model says (default {@link OFF_PERSONA_REPLY_TEXT}). */
  otherwise?: string;
}

/** A whole scripted conversation. */
export interface Scenario {
  /** Reply to the first response requested before any user turn. */
  greeting?: string | ScenarioReply;
  /** Audio-triggered turns are answered in order; text-triggered ones on a match. */
  turns?: ScenarioTurn[];
  /** Reply when nothing else applies. */
  default?: ScenarioText;
  /** Reply when the server VAD idle timeout fires; falls back to `default`. */
  idle?: ScenarioText;
  /** Spoken duration per character of text (70 when absent). */
  msPerChar?: number;
  /** Faults applied to every session that plays this scenario. */
  faults?: FaultPlan;
  /** The instructions the scripted model needs to stay in character. */
  persona?: ScenarioPersona;
  /** Model timing for sessions that play this scenario (overrides the simulator's). */
  timing?: ModelTiming;
}

/** What an out-of-character model says when a scenario's persona does not name it. */
export const OFF_PERSONA_REPLY_TEXT = "Hello! I'm an AI assistant. How can I help you today?";

/** Why a reply was chosen (kept in the session log for assertions). */
export type ReplySource = 'greeting' | 'turn' | 'after_tools' | 'default' | 'idle' | 'off_persona';

/** A tool call with its `call_id` and JSON arguments decided. */
export interface PlannedToolCall {
  name: string;
  callId: string;
  arguments: string;
}

/** A reply ready to be streamed. */
export interface PlannedReply {
  /** The default text (what is said when the language in force has no variant). */
  text: string;
  /** The text per language (primary subtag), null for plain text. */
  variants: Record<string, string> | null;
  /** The language `text` is in, once the instructions in force are known (default English). */
  language?: string;
  /** The language the effective instructions asked for (their last `Speak … (<tag>)` directive). */
  languageInForce?: string;
  toolCalls: PlannedToolCall[];
  /** What to say once every call here has an output (null: nothing scripted). */
  afterTools: ScenarioReply | null;
  audioMs: number | null;
  latencyMs: number;
  source: ReplySource;
  /** A scripted failed or incomplete end (null: the response completes). */
  outcome: ResponseOutcome | null;
}

/**
 * A call scenario as a brand writes it (YAML): who calls, what the caller does turn by turn, what the
 * simulated model answers when the target runs on the simulators, and what must have happened.
 * The schema in scenario-schema.ts is the contract; these types mirror it.
 */
import type { LineImpairments } from '../twilio/phone-line.ts';

/** A value an argument must have: a scalar equals it; the object forms test it. */
export type ValueMatcher =
  | string
  | number
  | boolean
  | { equals: string | number | boolean }
  | { contains: string }
  | { matches: string }
  | { present: boolean };

/** A tool the agent must have called, with matchers for (some of) its arguments. */
export interface ToolExpectation {
  name: string;
  /** Argument name (a dotted path reaches into objects) → matcher. */
  args?: Record<string, ValueMatcher>;
}

/** A callback window in the brand's time zone. */
export interface CallbackExpectation {
  /** `today`, `tomorrow` (in the brand's zone, when the call was placed) or `YYYY-MM-DD`. */
  day?: string;
  /** Local start and end, `HH:MM`. */
  from?: string;
  to?: string;
  reason?: ValueMatcher;
}

/** Who ended the call, and why (the product's end reason, e.g. `agent_hangup`, `inactivity`). */
export interface EndExpectation {
  by?: 'agent' | 'caller';
  reason?: string;
}

/** Expectations on one turn (what follows it, until the caller's next turn) or on the whole call. */
export interface Expectations {
  /** Tools called (each must match one call). */
  tools?: Array<string | ToolExpectation>;
  /** Tools that must not be called. */
  avoidTools?: string[];
  /** Phrases the agent said (case and spacing ignored). */
  says?: string[];
  /** Phrases the agent must not say. */
  avoids?: string[];
  /** The agent's first audio reached the caller within this long after the caller stopped. */
  replyWithinMs?: number;
  /** The call was transferred to this number (or, with `false`, not transferred). */
  transfer?: { to?: string } | false;
  /** A callback was booked for this window (or, with `false`, none was). */
  callback?: CallbackExpectation | false;
  ended?: EndExpectation;
  /** The caller spoke over the agent here and the agent stopped within `stoppedWithinMs`. */
  bargeIn?: { stoppedWithinMs?: number };
  /** Times the agent's audio was cut off (Twilio `clear`s) in the whole call. */
  interruptions?: number;
  /** An outbound call's recorded outcome (field, or dotted path, → matcher). */
  outcome?: Record<string, ValueMatcher>;
  /** The agent's replies here were in this language (BCP 47; compared by primary subtag). */
  language?: string;
}

/** A change of the call's language as app-server records it; the fields given must match. */
export interface SwitchExpectation {
  from?: string;
  to?: string;
  how?: 'detected' | 'asked';
  served?: boolean;
}

/** Expectations on the whole call: those of a turn, and the call's languages. */
export interface CallExpectations extends Expectations {
  /** The call's languages in order: the one it started in, then each served switch's (app-server's `languages`). */
  languages?: string[];
  /** The language switches recorded, in order (exactly these many). */
  switches?: SwitchExpectation[];
}

/** Text the simulated model says: plain, or per language (`{en: "…", es: "…"}`; the first is the default). */
export type AgentText = string | Record<string, string>;

/** What an outbound scenario has the product call for; the callee (at the scenario's `to`) speaks its turns. */
export interface OutboundRequest {
  /** The bot profile that calls. */
  profile: string;
  /** The task in words. */
  task: string;
  context?: Record<string, unknown>;
  /** JSON Schema the outcome must fill. */
  outcomeSchema?: Record<string, unknown>;
}

/** What the simulated model does after a caller turn (ignored against a real model). */
export interface AgentScript {
  say?: AgentText;
  tools?: Array<{ name: string; args?: Record<string, unknown> }>;
  /** Said once the tools have answered. */
  afterTools?: AgentText;
  /** Think time before the first audio. */
  latencyMs?: number;
}

interface TurnCommon {
  /** Shown in reports; default the text, file or digits. */
  label?: string;
  /** Start while the agent is still answering the previous turn, this long into its answer. */
  interrupt?: { afterMs: number };
  expect?: Expectations;
  agent?: AgentScript;
}

/** What the caller does next. */
export type CallerTurn =
  | (TurnCommon & { say: string; language?: string })
  | (TurnCommon & { wav: string })
  | (TurnCommon & { dtmf: string })
  | (TurnCommon & { silenceMs: number })
  | (TurnCommon & { noiseMs: number })
  | { pauseMs: number; label?: string }
  | { hangup: true; label?: string };

/** A whole scenario file. */
export interface CallScenario {
  name: string;
  description?: string;
  /** `outbound`: the product calls `to` (through its outbound API) and the turns are the callee's. */
  direction?: 'inbound' | 'outbound';
  /** With `direction: outbound`: what the call is for. */
  outbound?: OutboundRequest;
  /** Number dialled and caller ID; default the target's. */
  to?: string;
  from?: string;
  /** The brand's IANA time zone, for callback windows; default the target's. */
  timezone?: string;
  line?: LineImpairments;
  /** How long the line must stay quiet before the caller takes its turn (default 1200). */
  quietMs?: number;
  /** The simulated model's greeting (ignored against a real model). */
  greeting?: AgentText;
  /** The language the caller speaks (BCP 47; default English); a `say` turn may give its own. */
  language?: string;
  turns: CallerTurn[];
  expect?: CallExpectations;
}

/** Where a parsed field came from, for error messages after parsing (e.g. a missing WAV file). */
export interface FieldLocation {
  line: number;
  column: number;
}

/** A scenario read from a file, with where each turn starts. */
export interface LoadedScenario {
  file: string;
  scenario: CallScenario;
  /** Source line of each turn, by index. */
  turnLines: number[];
}

/**
 * Scenarios: what the simulated assistant says and which tools it calls after which user turn.
 * A scenario is plain data (TS object or JSON file); {@link ScenarioPlayer} walks it as a
 * conversation unfolds. The README documents the format.
 */
import { readFile } from 'node:fs/promises';
import type { FaultPlan } from './faults.ts';
import { parseFaultPlan } from './faults.ts';

/** A tool the assistant calls. `arguments` is sent JSON-encoded when given as an object. */
export interface ScenarioToolCall {
  name: string;
  arguments?: Record<string, unknown> | string;
  /** Fixed `call_id`; generated (`call_...`) when absent. */
  callId?: string;
}

/** One assistant reply: spoken text, tool calls, and what to say once the tools have answered. */
export interface ScenarioReply {
  say?: string;
  toolCalls?: ScenarioToolCall[];
  /** The reply to the `response.create` that follows the `function_call_output` items. */
  afterTools?: string | ScenarioReply;
  /** Audio length of `say`; by default the text length times `msPerChar`. */
  audioMs?: number;
  /** Extra wait before the first delta of this reply (model think time). */
  latencyMs?: number;
}

/** A user turn and the assistant's reply to it. */
export interface ScenarioTurn extends ScenarioReply {
  /** Transcript attached to the user audio item of this turn. */
  user?: string;
  /**
   * Makes this a text-triggered turn: it answers any `conversation.item.create` user/system
   * `input_text` that matches (string = case-insensitive regular expression). Text-triggered turns
   * are skipped by audio turns.
   */
  userText?: string | RegExp;
}

/** A whole scripted conversation. */
export interface Scenario {
  /** Reply to the first response requested before any user turn. */
  greeting?: string | ScenarioReply;
  /** Audio-triggered turns are answered in order; text-triggered ones on a match. */
  turns?: ScenarioTurn[];
  /** Reply when nothing else applies. */
  default?: string;
  /** Reply when the server VAD idle timeout fires; falls back to `default`. */
  idle?: string;
  /** Spoken duration per character of text (70 when absent). */
  msPerChar?: number;
  /** Faults applied to every session that plays this scenario. */
  faults?: FaultPlan;
}

/** Thrown by {@link parseScenario} / {@link loadScenario}; the message names the field. */
export class ScenarioError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ScenarioError';
  }
}

/** Fallback reply text when a scenario has no `default`. */
export const DEFAULT_REPLY_TEXT = 'Sorry, could you say that again?';
/** Default spoken duration per character. */
export const DEFAULT_MS_PER_CHAR = 70;

/** Validates a scenario given as parsed JSON (or a TS object) and returns it typed. */
export function parseScenario(value: unknown): Scenario {
  const obj = asObject(value, 'scenario');
  const allowed = ['greeting', 'turns', 'default', 'idle', 'msPerChar', 'faults'];
  for (const key of Object.keys(obj)) {
    if (!allowed.includes(key)) throw new ScenarioError(`scenario.${key}: unknown field`);
  }
  const out: Scenario = {};
  if (obj.greeting !== undefined) out.greeting = parseReplyOrText(obj.greeting, 'scenario.greeting');
  if (obj.turns !== undefined) {
    if (!Array.isArray(obj.turns)) throw new ScenarioError('scenario.turns: expected an array');
    out.turns = obj.turns.map((t, i) => parseTurn(t, `scenario.turns[${i}]`));
  }
  if (obj.default !== undefined) out.default = asString(obj.default, 'scenario.default');
  if (obj.idle !== undefined) out.idle = asString(obj.idle, 'scenario.idle');
  if (obj.msPerChar !== undefined) out.msPerChar = asNonNegative(obj.msPerChar, 'scenario.msPerChar');
  if (obj.faults !== undefined) {
    try {
      out.faults = parseFaultPlan(obj.faults);
    } catch (err) {
      throw new ScenarioError(`scenario.faults: ${(err as Error).message}`);
    }
  }
  return out;
}

/** Reads and validates a scenario JSON file. */
export async function loadScenario(path: string): Promise<Scenario> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new ScenarioError(`cannot read scenario file: ${(err as NodeJS.ErrnoException).code ?? 'error'}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new ScenarioError('scenario file is not valid JSON');
  }
  return parseScenario(json);
}

function parseTurn(value: unknown, path: string): ScenarioTurn {
  const obj = asObject(value, path);
  const reply = parseReplyFields(obj, path, ['user', 'userText']);
  const turn: ScenarioTurn = { ...reply };
  if (obj.user !== undefined) turn.user = asString(obj.user, `${path}.user`);
  if (obj.userText !== undefined) {
    if (obj.userText instanceof RegExp) turn.userText = obj.userText;
    else {
      const source = asString(obj.userText, `${path}.userText`);
      try {
        new RegExp(source, 'i');
      } catch {
        throw new ScenarioError(`${path}.userText: not a valid regular expression`);
      }
      turn.userText = source;
    }
  }
  return turn;
}

function parseReplyOrText(value: unknown, path: string): string | ScenarioReply {
  if (typeof value === 'string') return value;
  return parseReplyFields(asObject(value, path), path, []);
}

function parseReplyFields(obj: Record<string, unknown>, path: string, extra: string[]): ScenarioReply {
  const allowed = ['say', 'toolCalls', 'afterTools', 'audioMs', 'latencyMs', ...extra];
  for (const key of Object.keys(obj)) {
    if (!allowed.includes(key)) throw new ScenarioError(`${path}.${key}: unknown field`);
  }
  const out: ScenarioReply = {};
  if (obj.say !== undefined) out.say = asString(obj.say, `${path}.say`);
  if (obj.audioMs !== undefined) out.audioMs = asNonNegative(obj.audioMs, `${path}.audioMs`);
  if (obj.latencyMs !== undefined) out.latencyMs = asNonNegative(obj.latencyMs, `${path}.latencyMs`);
  if (obj.toolCalls !== undefined) {
    if (!Array.isArray(obj.toolCalls)) throw new ScenarioError(`${path}.toolCalls: expected an array`);
    out.toolCalls = obj.toolCalls.map((c, i) => parseToolCall(c, `${path}.toolCalls[${i}]`));
  }
  if (obj.afterTools !== undefined) out.afterTools = parseReplyOrText(obj.afterTools, `${path}.afterTools`);
  return out;
}

function parseToolCall(value: unknown, path: string): ScenarioToolCall {
  const obj = asObject(value, path);
  for (const key of Object.keys(obj)) {
    if (!['name', 'arguments', 'callId'].includes(key))
      throw new ScenarioError(`${path}.${key}: unknown field`);
  }
  const call: ScenarioToolCall = { name: asString(obj.name, `${path}.name`) };
  if (obj.arguments !== undefined) {
    if (typeof obj.arguments === 'string') call.arguments = obj.arguments;
    else call.arguments = asObject(obj.arguments, `${path}.arguments`);
  }
  if (obj.callId !== undefined) call.callId = asString(obj.callId, `${path}.callId`);
  return call;
}

function asObject(value: unknown, path: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ScenarioError(`${path}: expected an object`);
  }
  return value as Record<string, unknown>;
}

function asString(value: unknown, path: string): string {
  if (typeof value !== 'string') throw new ScenarioError(`${path}: expected a string`);
  return value;
}

function asNonNegative(value: unknown, path: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw new ScenarioError(`${path}: expected a number >= 0`);
  }
  return value;
}

/** Why a reply was chosen (kept in the session log for assertions). */
export type ReplySource = 'greeting' | 'turn' | 'after_tools' | 'default' | 'idle';

/** A tool call with its `call_id` and JSON arguments decided. */
export interface PlannedToolCall {
  name: string;
  callId: string;
  arguments: string;
}

/** A reply ready to be streamed. */
export interface PlannedReply {
  text: string;
  toolCalls: PlannedToolCall[];
  /** What to say once every call here has an output (null: nothing scripted). */
  afterTools: ScenarioReply | null;
  audioMs: number | null;
  latencyMs: number;
  source: ReplySource;
}

/**
 * Walks a scenario as the conversation unfolds: user audio turns take the next audio turn, text
 * items trigger matching text turns, and each response takes the most relevant pending reply.
 */
export class ScenarioPlayer {
  private readonly audioTurns: ScenarioTurn[];
  private readonly textTurns: Array<{ turn: ScenarioTurn; pattern: RegExp }>;
  private readonly scenario: Scenario;
  private readonly newCallId: () => string;
  private audioCursor = 0;
  private pending: { turn: ScenarioTurn; source: ReplySource } | null = null;
  private awaiting: { callIds: Set<string>; after: ScenarioReply | null } | null = null;
  private greeted = false;
  private userHasSpoken = false;

  constructor(scenario: Scenario, newCallId: () => string) {
    this.scenario = scenario;
    this.newCallId = newCallId;
    const turns = scenario.turns ?? [];
    this.audioTurns = turns.filter((t) => t.userText === undefined);
    this.textTurns = turns
      .filter((t) => t.userText !== undefined)
      .map((turn) => ({
        turn,
        pattern: turn.userText instanceof RegExp ? turn.userText : new RegExp(String(turn.userText), 'i'),
      }));
  }

  /** Spoken duration per character for this scenario. */
  get msPerChar(): number {
    return this.scenario.msPerChar ?? DEFAULT_MS_PER_CHAR;
  }

  /** A user audio turn was committed: queues the next audio turn and returns its transcript. */
  userAudioCommitted(): string | null {
    this.userHasSpoken = true;
    const turn = this.audioTurns[this.audioCursor];
    if (!turn) {
      this.pending = null;
      return null;
    }
    this.audioCursor++;
    this.pending = { turn, source: 'turn' };
    return turn.user ?? null;
  }

  /** A text item was added; a matching text turn becomes the pending reply. Returns true on a match. */
  textItem(role: 'user' | 'system', text: string): boolean {
    if (role === 'user') this.userHasSpoken = true;
    const match = this.textTurns.find(({ pattern }) => pattern.test(text));
    if (!match) return false;
    this.pending = { turn: match.turn, source: 'turn' };
    return true;
  }

  /** Records that tool calls were emitted; `after` is said once all have outputs. */
  expectToolOutputs(callIds: string[], after: ScenarioReply | null): void {
    if (callIds.length === 0) return;
    this.awaiting = { callIds: new Set(callIds), after };
  }

  /** A `function_call_output` for `callId` arrived. */
  functionOutput(callId: string): void {
    this.awaiting?.callIds.delete(callId);
  }

  /** Picks the reply for a response that is starting now. */
  nextReply(): PlannedReply {
    if (this.awaiting && this.awaiting.callIds.size === 0) {
      const after = this.awaiting.after;
      this.awaiting = null;
      if (after) return this.plan(after, 'after_tools');
    }
    if (this.pending) {
      const { turn, source } = this.pending;
      this.pending = null;
      return this.plan(turn, source);
    }
    if (!this.greeted && !this.userHasSpoken && this.scenario.greeting !== undefined) {
      this.greeted = true;
      return this.plan(toReply(this.scenario.greeting), 'greeting');
    }
    return this.plan({ say: this.scenario.default ?? DEFAULT_REPLY_TEXT }, 'default');
  }

  /** The reply to an idle timeout. */
  idleReply(): PlannedReply {
    const text = this.scenario.idle ?? this.scenario.default ?? DEFAULT_REPLY_TEXT;
    return this.plan({ say: text }, 'idle');
  }

  private plan(reply: ScenarioReply, source: ReplySource): PlannedReply {
    const toolCalls = (reply.toolCalls ?? []).map((call) => ({
      name: call.name,
      callId: call.callId ?? this.newCallId(),
      arguments: typeof call.arguments === 'string' ? call.arguments : JSON.stringify(call.arguments ?? {}),
    }));
    return {
      text: reply.say ?? '',
      toolCalls,
      afterTools: reply.afterTools === undefined ? null : toReply(reply.afterTools),
      audioMs: reply.audioMs ?? null,
      latencyMs: reply.latencyMs ?? 0,
      source,
    };
  }
}

function toReply(value: string | ScenarioReply): ScenarioReply {
  return typeof value === 'string' ? { say: value } : value;
}

/**
 * Scenarios: what the simulated assistant says and which tools it calls after which user turn.
 * {@link ScenarioPlayer} walks a scenario as a conversation unfolds. The format is in
 * scenario-types.ts, parsing in scenario-parse.ts; both are re-exported here.
 */

import { replyTexts } from './reply-language.ts';
import {
  OFF_PERSONA_REPLY_TEXT,
  type PlannedReply,
  type ReplySource,
  type Scenario,
  type ScenarioReply,
  type ScenarioTurn,
} from './scenario-types.ts';

export { loadScenario, parseScenario, ScenarioError } from './scenario-parse.ts';
export * from './scenario-types.ts';

/** Fallback reply text when a scenario has no `default`. */
export const DEFAULT_REPLY_TEXT = 'Sorry, could you say that again?';
/** Default spoken duration per character. */
export const DEFAULT_MS_PER_CHAR = 70;

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
  /** The pending turn came from replayed history, not from speech heard in this session. */
  private pendingFromHistory = false;
  private userHasSpoken = false;
  private lastTurn: ScenarioTurn | null = null;
  private readonly persona: RegExp | null;

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
    const match = scenario.persona?.match;
    this.persona = match === undefined ? null : match instanceof RegExp ? match : new RegExp(match, 'i');
  }

  /** Spoken duration per character for this scenario. */
  get msPerChar(): number {
    return this.scenario.msPerChar ?? DEFAULT_MS_PER_CHAR;
  }

  /** A user audio turn was committed: queues the next audio turn and returns its transcript. */
  userAudioCommitted(): string | null {
    this.userHasSpoken = true;
    const turn = this.audioTurns[this.audioCursor];
    this.lastTurn = turn ?? null;
    if (!turn) {
      this.pending = null;
      return null;
    }
    this.audioCursor++;
    this.pending = { turn, source: 'turn' };
    this.pendingFromHistory = false;
    return turn.user ?? null;
  }

  /** A text item was added; a matching text turn becomes the pending reply. Returns true on a match. */
  textItem(role: 'user' | 'system', text: string): boolean {
    if (role === 'user') this.userHasSpoken = true;
    const match = this.textTurns.find(({ pattern }) => pattern.test(text));
    if (!match) return role === 'user' && this.historyUserTurn(text);
    this.pending = { turn: match.turn, source: 'turn' };
    this.pendingFromHistory = false;
    return true;
  }

  /**
   * A replayed conversation (a client that reconnects sends what was said as text items): a user
   * text equal to the next audio turn's transcript is that turn, already heard, so the script moves
   * past it, as a model reading the history would; until an assistant message follows it, it is the
   * question a response answers.
   */
  private historyUserTurn(text: string): boolean {
    const next = this.audioTurns[this.audioCursor];
    if (next?.user === undefined || normalise(next.user) !== normalise(text)) return false;
    return this.takeTurnFromHistory();
  }

  /** The next audio turn was said in replayed history: move past it; it is the question until answered. */
  private takeTurnFromHistory(): boolean {
    const next = this.audioTurns[this.audioCursor];
    if (!next) return false;
    this.audioCursor++;
    this.pending = { turn: next, source: 'turn' };
    this.pendingFromHistory = true;
    return true;
  }

  /**
   * A user message of audio only was added (a client giving back a turn it has no text for): it is
   * the next audio turn, heard now, and the question a response answers until an assistant message follows.
   */
  audioItem(): boolean {
    this.userHasSpoken = true;
    return this.takeTurnFromHistory();
  }

  /** An assistant message was added (history): the model has spoken, and answered what came before. */
  assistantItem(): void {
    this.greeted = true;
    if (this.pendingFromHistory) this.pending = null;
    this.pendingFromHistory = false;
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
      this.pendingFromHistory = false;
      return this.plan(turn, source);
    }
    if (!this.greeted && !this.userHasSpoken && this.scenario.greeting !== undefined) {
      this.greeted = true;
      return this.plan(toReply(this.scenario.greeting), 'greeting');
    }
    return this.plan({ say: this.scenario.default ?? DEFAULT_REPLY_TEXT }, 'default');
  }

  /** The audio turn the last {@link userAudioCommitted} took (null when the script had run out). */
  get lastAudioTurn(): ScenarioTurn | null {
    return this.lastTurn;
  }

  /**
   * The reply as a model with these effective instructions gives it: the scripted one when the
   * scenario has no persona or the instructions match it, else the out-of-character line, no tools.
   */
  inCharacter(reply: PlannedReply, instructions: string): PlannedReply {
    if (!this.persona || this.persona.test(instructions)) return reply;
    return {
      ...reply,
      text: this.scenario.persona?.otherwise ?? OFF_PERSONA_REPLY_TEXT,
      variants: null,
      toolCalls: [],
      afterTools: null,
      audioMs: null,
      source: 'off_persona',
    };
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
      ...replyTexts(reply.say),
      toolCalls,
      afterTools: reply.afterTools === undefined ? null : toReply(reply.afterTools),
      audioMs: reply.audioMs ?? null,
      latencyMs: reply.latencyMs ?? 0,
      source,
      outcome: reply.outcome ?? null,
    };
  }
}

function toReply(value: string | ScenarioReply): ScenarioReply {
  return typeof value === 'string' ? { say: value } : value;
}

function normalise(text: string): string {
  return text.trim().replace(/\s+/g, ' ').toLowerCase();
}

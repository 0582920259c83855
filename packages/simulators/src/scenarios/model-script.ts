/**
 * The simulated model's part of a scenario: each turn's `agent:` block becomes a line of the Realtime
 * simulator's scenario (spoken turns in order, keypad turns matched by their digits, a silent turn's
 * line as the answer to the watchdog). Against a real model none of this is used.
 */
import type { Scenario, ScenarioReply, ScenarioTurn } from '../openai-realtime/scenario.ts';
import type { AgentScript, AgentText, CallerTurn, CallScenario } from './scenario-types.ts';
import { fillTimePlaceholders } from './zoned-time.ts';

/** What an unscripted spoken turn gets from the simulated model. */
export const UNSCRIPTED_REPLY = 'Okay.';

/** The Realtime scenario for one call, and which scenario turn each scripted line answers. */
export interface ModelScript {
  scenario: Scenario;
  /** Normalised reply text → the scenario turns that say it, in order (-1: the greeting). */
  replyTurns: Map<string, number[]>;
  /** The turns the model answers (spoken and keypad turns), in order. */
  answeredTurns: number[];
}

/** Builds the simulated model's script; `{{tomorrow 14:00}}` in tool arguments resolve in `timezone`. */
export function buildModelScript(
  scenario: CallScenario,
  ctx: { timezone: string; now: Date; greeting?: string },
): ModelScript {
  const replyTurns = new Map<string, number[]>();
  const answeredTurns: number[] = [];
  const note = (text: AgentText | undefined, turn: number) => {
    for (const variant of textVariants(text)) {
      const key = normaliseText(variant);
      replyTurns.set(key, [...(replyTurns.get(key) ?? []), turn]);
    }
  };
  const turns: ScenarioTurn[] = [];
  const out: Scenario = { turns };
  const greeting = scenario.greeting ?? ctx.greeting;
  if (greeting) {
    out.greeting = asReply(greeting);
    note(greeting, -1);
  }
  scenario.turns.forEach((turn, i) => {
    const agent = 'agent' in turn ? turn.agent : undefined;
    if ('say' in turn || 'wav' in turn) {
      const line = agent ? toLine(agent, ctx) : { say: UNSCRIPTED_REPLY };
      turns.push({ ...('say' in turn ? { user: turn.say } : {}), ...line });
    } else if ('dtmf' in turn) {
      turns.push({
        userText: digitsPattern(turn.dtmf),
        ...(agent ? toLine(agent, ctx) : { say: UNSCRIPTED_REPLY }),
      });
    } else if ('silenceMs' in turn && agent?.say && out.default === undefined) {
      out.default = agent.say;
      out.idle = agent.say;
    }
    if (isSpoken(turn)) answeredTurns.push(i);
    if (agent) {
      note(agent.say, i);
      note(agent.afterTools, i);
    } else if (isSpoken(turn)) note(UNSCRIPTED_REPLY, i);
  });
  return { scenario: out, replyTurns, answeredTurns };
}

function isSpoken(turn: CallerTurn): boolean {
  return 'say' in turn || 'wav' in turn || 'dtmf' in turn;
}

function toLine(agent: AgentScript, ctx: { timezone: string; now: Date }): ScenarioTurn {
  return {
    ...(agent.say ? { say: agent.say } : {}),
    ...(agent.tools
      ? {
          toolCalls: agent.tools.map((t) => ({
            name: t.name,
            arguments: JSON.parse(fillTimePlaceholders(JSON.stringify(t.args ?? {}), ctx.timezone, ctx.now)),
          })),
        }
      : {}),
    ...(agent.afterTools ? { afterTools: asReply(agent.afterTools) } : {}),
    ...(agent.latencyMs !== undefined ? { latencyMs: agent.latencyMs } : {}),
  };
}

/** Plain text stays text; text per language is a reply whose `say` has the variants. */
function asReply(text: AgentText): string | ScenarioReply {
  return typeof text === 'string' ? text : { say: text };
}

/** Every text a scripted line may be said as. */
function textVariants(text: AgentText | undefined): string[] {
  if (!text) return [];
  return typeof text === 'string' ? [text] : Object.values(text);
}

/** Matches the keypad digits inside whatever text the platform hands the model. */
function digitsPattern(digits: string): string {
  const escaped = digits.replace(/[*#]/g, (c) => `\\${c}`);
  return `(^|[^0-9*#A-D])${escaped}([^0-9*#A-D]|$)`;
}

/** Lower case, single spaces: how reply texts are compared. */
export function normaliseText(text: string): string {
  return text.toLowerCase().replace(/\s+/g, ' ').trim();
}

/**
 * Reading scenarios: validation of a scenario given as JSON or a TS object, field by field, with
 * errors that name the field; and loading one from a file.
 */
import { readFile } from 'node:fs/promises';
import { parseFaultPlan } from './faults.ts';
import { primaryLanguage } from './reply-language.ts';
import { parseResponseOutcome } from './response-outcomes.ts';
import type {
  Scenario,
  ScenarioPersona,
  ScenarioReply,
  ScenarioText,
  ScenarioToolCall,
  ScenarioTurn,
  TurnTranscription,
} from './scenario-types.ts';
import { parseModelTiming } from './timing.ts';

/** Thrown by {@link parseScenario} / {@link loadScenario}; the message names the field. */
export class ScenarioError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ScenarioError';
  }
}

/** Validates a scenario given as parsed JSON (or a TS object) and returns it typed. */
export function parseScenario(value: unknown): Scenario {
  const obj = asObject(value, 'scenario');
  allowKeys(
    obj,
    ['greeting', 'turns', 'default', 'idle', 'msPerChar', 'faults', 'persona', 'timing'],
    'scenario',
  );
  const out: Scenario = {};
  if (obj.greeting !== undefined) out.greeting = parseReplyOrText(obj.greeting, 'scenario.greeting');
  if (obj.turns !== undefined) {
    if (!Array.isArray(obj.turns)) throw new ScenarioError('scenario.turns: expected an array');
    out.turns = obj.turns.map((t, i) => parseTurn(t, `scenario.turns[${i}]`));
  }
  if (obj.default !== undefined) out.default = asText(obj.default, 'scenario.default');
  if (obj.idle !== undefined) out.idle = asText(obj.idle, 'scenario.idle');
  if (obj.msPerChar !== undefined) out.msPerChar = asNonNegative(obj.msPerChar, 'scenario.msPerChar');
  if (obj.faults !== undefined) out.faults = wrap(() => parseFaultPlan(obj.faults), 'scenario.faults: ');
  if (obj.persona !== undefined) out.persona = parsePersona(obj.persona);
  if (obj.timing !== undefined) out.timing = wrap(() => parseModelTiming(obj.timing, 'scenario.timing'));
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
  const reply = parseReplyFields(obj, path, ['user', 'userText', 'transcription']);
  const turn: ScenarioTurn = { ...reply };
  if (obj.user !== undefined) turn.user = asString(obj.user, `${path}.user`);
  if (obj.userText !== undefined) turn.userText = asPattern(obj.userText, `${path}.userText`);
  if (obj.transcription !== undefined) {
    turn.transcription = parseTranscription(obj.transcription, `${path}.transcription`);
  }
  return turn;
}

function parseTranscription(value: unknown, path: string): TurnTranscription {
  const obj = asObject(value, path);
  allowKeys(obj, ['delayMs', 'fails'], path);
  const out: TurnTranscription = {};
  if (obj.delayMs !== undefined) out.delayMs = asNonNegative(obj.delayMs, `${path}.delayMs`);
  if (obj.fails === true) out.fails = true;
  else if (obj.fails !== undefined && obj.fails !== false) {
    const error = asObject(obj.fails, `${path}.fails`);
    allowKeys(error, ['type', 'code', 'message'], `${path}.fails`);
    out.fails = {};
    if (error.type !== undefined) out.fails.type = asString(error.type, `${path}.fails.type`);
    if (error.code !== undefined)
      out.fails.code = error.code === null ? null : asString(error.code, `${path}.fails.code`);
    if (error.message !== undefined) out.fails.message = asString(error.message, `${path}.fails.message`);
  }
  return out;
}

function parsePersona(value: unknown): ScenarioPersona {
  const obj = asObject(value, 'scenario.persona');
  allowKeys(obj, ['match', 'otherwise'], 'scenario.persona');
  const persona: ScenarioPersona = { match: asPattern(obj.match, 'scenario.persona.match') };
  if (obj.otherwise !== undefined) persona.otherwise = asString(obj.otherwise, 'scenario.persona.otherwise');
  return persona;
}

function parseReplyOrText(value: unknown, path: string): string | ScenarioReply {
  if (typeof value === 'string') return value;
  return parseReplyFields(asObject(value, path), path, []);
}

function parseReplyFields(obj: Record<string, unknown>, path: string, extra: string[]): ScenarioReply {
  allowKeys(obj, ['say', 'toolCalls', 'afterTools', 'audioMs', 'latencyMs', 'outcome', ...extra], path);
  const out: ScenarioReply = {};
  if (obj.say !== undefined) out.say = asText(obj.say, `${path}.say`);
  if (obj.audioMs !== undefined) out.audioMs = asNonNegative(obj.audioMs, `${path}.audioMs`);
  if (obj.latencyMs !== undefined) out.latencyMs = asNonNegative(obj.latencyMs, `${path}.latencyMs`);
  if (obj.toolCalls !== undefined) {
    if (!Array.isArray(obj.toolCalls)) throw new ScenarioError(`${path}.toolCalls: expected an array`);
    out.toolCalls = obj.toolCalls.map((c, i) => parseToolCall(c, `${path}.toolCalls[${i}]`));
  }
  if (obj.afterTools !== undefined) out.afterTools = parseReplyOrText(obj.afterTools, `${path}.afterTools`);
  if (obj.outcome !== undefined)
    out.outcome = wrap(() => parseResponseOutcome(obj.outcome, `${path}.outcome`));
  return out;
}

function parseToolCall(value: unknown, path: string): ScenarioToolCall {
  const obj = asObject(value, path);
  allowKeys(obj, ['name', 'arguments', 'callId'], path);
  const call: ScenarioToolCall = { name: asString(obj.name, `${path}.name`) };
  if (obj.arguments !== undefined) {
    if (typeof obj.arguments === 'string') call.arguments = obj.arguments;
    else call.arguments = asObject(obj.arguments, `${path}.arguments`);
  }
  if (obj.callId !== undefined) call.callId = asString(obj.callId, `${path}.callId`);
  return call;
}

/** Runs a parser that throws plain Errors and reports them as ScenarioErrors. */
function wrap<T>(parse: () => T, prefix = ''): T {
  try {
    return parse();
  } catch (err) {
    throw new ScenarioError(prefix + (err as Error).message);
  }
}

function asPattern(value: unknown, path: string): string | RegExp {
  if (value instanceof RegExp) return value;
  const source = asString(value, path);
  try {
    new RegExp(source, 'i');
  } catch {
    throw new ScenarioError(`${path}: not a valid regular expression`);
  }
  return source;
}

/** Plain text, or text per language: `{en: "…", es: "…"}` (BCP 47 tags, one per primary subtag). */
function asText(value: unknown, path: string): ScenarioText {
  if (typeof value === 'string') return value;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ScenarioError(`${path}: expected a string or an object of texts by language`);
  }
  const entries = Object.entries(value);
  if (entries.length === 0) throw new ScenarioError(`${path}: expected at least one language`);
  const seen = new Set<string>();
  for (const [tag, text] of entries) {
    const language = primaryLanguage(tag);
    if (language === null) throw new ScenarioError(`${path}.${tag}: not a BCP 47 language tag`);
    if (seen.has(language)) throw new ScenarioError(`${path}.${tag}: a second text for '${language}'`);
    seen.add(language);
    asString(text, `${path}.${tag}`);
  }
  return value as Record<string, string>;
}

function allowKeys(obj: Record<string, unknown>, allowed: string[], path: string): void {
  for (const key of Object.keys(obj)) {
    if (!allowed.includes(key)) throw new ScenarioError(`${path}.${key}: unknown field`);
  }
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

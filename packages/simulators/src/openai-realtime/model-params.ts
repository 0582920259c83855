/**
 * Parameters a session and a single response both carry (audio format, voice, output modalities,
 * tools, tool choice, token limit), validated the way the real API validates them.
 */
import { REALTIME_VOICES } from '@switchboard/realtime/api-values';
import type { RealtimeAudioFormat } from './audio-format.ts';
import { RealtimeProtocolError } from './errors.ts';
import {
  checkKeys,
  expectArray,
  expectEnum,
  expectNumber,
  expectObject,
  expectString,
  requireKey,
} from './validate.ts';

/** A function tool as the session stores it. */
export interface SimFunctionTool {
  type: 'function';
  name: string;
  description?: string;
  parameters?: unknown;
}

/** `tool_choice`: a mode, or a forced function / MCP tool. */
export type SimToolChoice =
  | 'auto'
  | 'none'
  | 'required'
  | { type: 'function'; name: string }
  | { type: 'mcp'; server_label: string; name?: string | null };

/** Parses an audio format object (`{type:'audio/pcmu'}`, `{type:'audio/pcm', rate:24000}`, ...). */
export function parseFormat(value: unknown, path: string): RealtimeAudioFormat {
  const format = expectObject(value, path);
  requireKey(format, 'type', path);
  const type = expectEnum(format.type, ['audio/pcm', 'audio/pcmu', 'audio/pcma'], `${path}.type`);
  if (type === 'audio/pcm') {
    checkKeys(format, ['type', 'rate'], path);
    if ('rate' in format) expectEnum(format.rate, [24000], `${path}.rate`);
    return { type, rate: 24000 };
  }
  checkKeys(format, ['type'], path);
  return { type };
}

/** The built-in Realtime voices (one list with the product's: `@switchboard/realtime/api-values`). */
export { REALTIME_VOICES };

/** Parses a voice: a built-in voice name or `{id}` of a custom voice (`VoiceIdsOrCustomVoice`). */
export function parseVoice(value: unknown, path: string): string | { id: string } {
  if (typeof value === 'string') return expectEnum(value, REALTIME_VOICES, path);
  const v = expectObject(value, path);
  checkKeys(v, ['id'], path);
  requireKey(v, 'id', path);
  return { id: expectString(v.id, `${path}.id`) };
}

/** The same voice, whether named or a custom `{id}`. */
export function sameVoice(a: string | { id: string }, b: string | { id: string }): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/**
 * Refuses a voice change once the session has produced assistant audio, as the real API does. The
 * error's `param` is null, as the real error is reported (openai/openai-agents-python#1661).
 */
export function checkVoiceChange(
  next: string | { id: string },
  current: string | { id: string },
  audioProduced: boolean,
): void {
  if (audioProduced && !sameVoice(next, current)) {
    throw new RealtimeProtocolError(
      'cannot_update_voice',
      "Cannot update a conversation's voice if assistant audio is present.",
      null,
    );
  }
}

/** Parses `output_modalities`: exactly one of `audio` or `text`. */
export function parseModalities(value: unknown, path = 'session.output_modalities'): Array<'audio' | 'text'> {
  const list = expectArray(value, path);
  if (list.length !== 1) {
    throw new RealtimeProtocolError(
      'invalid_value',
      `Invalid '${path}': expected exactly one of 'audio' or 'text'.`,
      path,
    );
  }
  return [expectEnum(list[0], ['audio', 'text'], `${path}[0]`)];
}

const TOOL_NAME_PATTERN = /^[a-zA-Z0-9_-]{1,64}$/;

/** Parses `tools`: function tools only (MCP tools are not simulated). */
export function parseTools(value: unknown, path = 'session.tools'): SimFunctionTool[] {
  const list = expectArray(value, path);
  return list.map((entry, i) => {
    const at = `${path}[${i}]`;
    const tool = expectObject(entry, at);
    requireKey(tool, 'type', at);
    const type = expectEnum(tool.type, ['function', 'mcp'], `${at}.type`);
    if (type === 'mcp') {
      throw new RealtimeProtocolError(
        'invalid_value',
        `Invalid '${at}.type': the simulator does not run MCP tools.`,
        `${at}.type`,
      );
    }
    checkKeys(tool, ['type', 'name', 'description', 'parameters'], at);
    requireKey(tool, 'name', at);
    const name = expectString(tool.name, `${at}.name`);
    if (!TOOL_NAME_PATTERN.test(name)) {
      throw new RealtimeProtocolError(
        'invalid_value',
        `Invalid '${at}.name': string does not match pattern. Expected a string that matches the pattern '^[a-zA-Z0-9_-]{1,64}$'.`,
        `${at}.name`,
      );
    }
    const out: SimFunctionTool = { type: 'function', name };
    if ('description' in tool) out.description = expectString(tool.description, `${at}.description`);
    if ('parameters' in tool) out.parameters = expectObject(tool.parameters, `${at}.parameters`);
    return out;
  });
}

/** Parses `tool_choice`. */
export function parseToolChoice(value: unknown, path = 'session.tool_choice'): SimToolChoice {
  if (typeof value === 'string') return expectEnum(value, ['auto', 'none', 'required'], path);
  const choice = expectObject(value, path);
  const type = expectEnum(choice.type, ['function', 'mcp'], `${path}.type`);
  if (type === 'function') {
    checkKeys(choice, ['type', 'name'], path);
    return { type, name: expectString(choice.name, `${path}.name`) };
  }
  checkKeys(choice, ['type', 'server_label', 'name'], path);
  const out: SimToolChoice = {
    type,
    server_label: expectString(choice.server_label, `${path}.server_label`),
  };
  if ('name' in choice) out.name = choice.name === null ? null : expectString(choice.name, `${path}.name`);
  return out;
}

/** Parses `max_output_tokens`: an integer 1..4096 or `inf`. */
export function parseMaxOutputTokens(value: unknown, path: string): number | 'inf' {
  if (value === 'inf') return 'inf';
  return expectNumber(value, path, { min: 1, max: 4096, integer: true });
}

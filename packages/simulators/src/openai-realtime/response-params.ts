/**
 * The parameters of one response: the session's defaults, overridden field by field by
 * `response.create`'s `response` object (GA schema `RealtimeResponseCreateParams`), which is validated
 * like the real API validates it. `instructions` replace the session's for that response, they are
 * not added to them.
 */
import type { RealtimeAudioFormat } from './audio-format.ts';
import { RealtimeProtocolError } from './errors.ts';
import {
  checkVoiceChange,
  parseFormat,
  parseMaxOutputTokens,
  parseModalities,
  parseToolChoice,
  parseTools,
  parseVoice,
} from './model-params.ts';
import type { SimSessionConfig } from './session-config.ts';
import { checkKeys, expectArray, expectEnum, expectObject, expectString } from './validate.ts';

/** What a response is generated with. */
export interface ResponseParams {
  conversation: 'auto' | 'none';
  modalities: Array<'audio' | 'text'>;
  format: RealtimeAudioFormat;
  voice: string | { id: string };
  maxOutputTokens: number | 'inf';
  metadata: Record<string, string> | null;
  /** The instructions the model answers with: the response's own, or else the session's. */
  instructions: string;
  instructionsFrom: 'session' | 'response';
  /** Output speed, fixed when the response starts (the API changes it only between turns). */
  speed: number;
}

/** The session's settings, for a response the client did not configure (or VAD started). */
export function defaultResponseParams(config: SimSessionConfig): ResponseParams {
  return {
    conversation: 'auto',
    modalities: [...config.output_modalities],
    format: config.audio.output.format,
    voice: config.audio.output.voice,
    maxOutputTokens: config.max_output_tokens,
    metadata: null,
    instructions: config.instructions,
    instructionsFrom: 'session',
    speed: config.audio.output.speed,
  };
}

const RESPONSE_KEYS = [
  'audio',
  'conversation',
  'input',
  'instructions',
  'max_output_tokens',
  'metadata',
  'output_modalities',
  'prompt',
  'tool_choice',
  'tools',
];

/** The params of a `response.create` event; throws a RealtimeProtocolError naming a bad field. */
export function parseResponseCreate(
  event: Record<string, unknown>,
  config: SimSessionConfig,
  context: { audioProduced: boolean },
): ResponseParams {
  const params = defaultResponseParams(config);
  if (event.response === undefined) return params;
  const r = expectObject(event.response, 'response');
  checkKeys(r, RESPONSE_KEYS, 'response');
  if ('output_modalities' in r)
    params.modalities = parseModalities(r.output_modalities, 'response.output_modalities');
  if ('conversation' in r)
    params.conversation = expectEnum(r.conversation, ['auto', 'none'], 'response.conversation');
  if ('instructions' in r) {
    params.instructions = expectString(r.instructions, 'response.instructions');
    params.instructionsFrom = 'response';
  }
  if ('tools' in r) parseTools(r.tools, 'response.tools');
  if ('tool_choice' in r) parseToolChoice(r.tool_choice, 'response.tool_choice');
  if ('input' in r) expectArray(r.input, 'response.input');
  if ('max_output_tokens' in r) {
    params.maxOutputTokens = parseMaxOutputTokens(r.max_output_tokens, 'response.max_output_tokens');
  }
  if ('metadata' in r) params.metadata = parseMetadata(r.metadata, 'response.metadata');
  if ('audio' in r) {
    const audio = expectObject(r.audio, 'response.audio');
    checkKeys(audio, ['output'], 'response.audio');
    if ('output' in audio) {
      const output = expectObject(audio.output, 'response.audio.output');
      checkKeys(output, ['format', 'voice'], 'response.audio.output');
      if ('format' in output) params.format = parseFormat(output.format, 'response.audio.output.format');
      if ('voice' in output) {
        params.voice = parseVoice(output.voice, 'response.audio.output.voice');
        checkVoiceChange(params.voice, config.audio.output.voice, context.audioProduced);
      }
    }
  }
  return params;
}

/**
 * Validates `metadata` (GA schema `Metadata`): at most 16 keys of at most 64 characters, string values
 * of at most 512 characters. The messages follow the API's validation errors.
 */
export function parseMetadata(value: unknown, path: string): Record<string, string> | null {
  if (value === null) return null;
  const obj = expectObject(value, path);
  const keys = Object.keys(obj);
  if (keys.length > 16) {
    throw new RealtimeProtocolError(
      'object_above_max_properties',
      `Invalid '${path}': too many properties. Expected an object with at most 16 properties, but got an object with ${keys.length} properties instead.`,
      path,
    );
  }
  const out: Record<string, string> = {};
  for (const key of keys) {
    if (key.length > 64) {
      throw new RealtimeProtocolError(
        'string_above_max_length',
        `Invalid '${path}': key too long. Expected a key with maximum length 64, but got a key with length ${key.length} instead.`,
        path,
      );
    }
    const text = expectString(obj[key], `${path}.${key}`);
    if (text.length > 512) {
      throw new RealtimeProtocolError(
        'string_above_max_length',
        `Invalid '${path}.${key}': string too long. Expected a string with maximum length 512, but got a string with length ${text.length} instead.`,
        `${path}.${key}`,
      );
    }
    out[key] = text;
  }
  return out;
}

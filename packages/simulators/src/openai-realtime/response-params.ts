/**
 * The parameters of one response: the session's defaults, overridden field by field by
 * `response.create`'s `response` object, which is validated like the real API validates it.
 */
import type { RealtimeAudioFormat } from './audio-format.ts';
import {
  parseFormat,
  parseMaxOutputTokens,
  parseModalities,
  parseToolChoice,
  parseTools,
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
  metadata: Record<string, unknown> | null;
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
): ResponseParams {
  const params = defaultResponseParams(config);
  if (event.response === undefined) return params;
  const r = expectObject(event.response, 'response');
  checkKeys(r, RESPONSE_KEYS, 'response');
  if ('output_modalities' in r)
    params.modalities = parseModalities(r.output_modalities, 'response.output_modalities');
  if ('conversation' in r)
    params.conversation = expectEnum(r.conversation, ['auto', 'none'], 'response.conversation');
  if ('instructions' in r) expectString(r.instructions, 'response.instructions');
  if ('tools' in r) parseTools(r.tools, 'response.tools');
  if ('tool_choice' in r) parseToolChoice(r.tool_choice, 'response.tool_choice');
  if ('input' in r) expectArray(r.input, 'response.input');
  if ('max_output_tokens' in r) {
    params.maxOutputTokens = parseMaxOutputTokens(r.max_output_tokens, 'response.max_output_tokens');
  }
  if ('metadata' in r)
    params.metadata = r.metadata === null ? null : expectObject(r.metadata, 'response.metadata');
  if ('audio' in r) {
    const audio = expectObject(r.audio, 'response.audio');
    checkKeys(audio, ['output'], 'response.audio');
    if ('output' in audio) {
      const output = expectObject(audio.output, 'response.audio.output');
      checkKeys(output, ['format', 'voice'], 'response.audio.output');
      if ('format' in output) params.format = parseFormat(output.format, 'response.audio.output.format');
      if ('voice' in output) {
        params.voice =
          typeof output.voice === 'string'
            ? output.voice
            : {
                id: expectString(
                  expectObject(output.voice, 'response.audio.output.voice').id,
                  'response.audio.output.voice.id',
                ),
              };
      }
    }
  }
  return params;
}

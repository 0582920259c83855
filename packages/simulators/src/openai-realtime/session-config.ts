/**
 * The GA session object: its defaults, and `session.update` validation and merging the way the
 * real API does it (unknown or beta-shaped fields rejected with the offending `param` path, nested
 * fields merged, a bad update leaving the session unchanged).
 */
import { REALTIME_SPEED } from '@switchboard/realtime/api-values';
import type { RealtimeAudioFormat } from './audio-format.ts';
import {
  checkVoiceChange,
  parseFormat,
  parseMaxOutputTokens,
  parseModalities,
  parseToolChoice,
  parseTools,
  parseVoice,
  type SimFunctionTool,
  type SimToolChoice,
} from './model-params.ts';
import { parseTranscription, type TranscriptionConfig } from './transcription-config.ts';
import { DEFAULT_SERVER_VAD, parseTurnDetection, type TurnDetectionConfig } from './turn-detection.ts';
import {
  checkKeys,
  expectArray,
  expectEnum,
  expectNumber,
  expectObject,
  expectString,
  requireKey,
} from './validate.ts';

/** The full effective session configuration, as sent in `session.created` / `session.updated`. */
export interface SimSessionConfig {
  type: 'realtime';
  object: 'realtime.session';
  id: string;
  model: string;
  expires_at: number;
  output_modalities: Array<'audio' | 'text'>;
  instructions: string;
  tools: SimFunctionTool[];
  tool_choice: SimToolChoice;
  max_output_tokens: number | 'inf';
  tracing: 'auto' | Record<string, unknown> | null;
  truncation: 'auto' | 'disabled' | Record<string, unknown>;
  prompt: Record<string, unknown> | null;
  include: string[] | null;
  audio: {
    input: {
      format: RealtimeAudioFormat;
      transcription: TranscriptionConfig | null;
      noise_reduction: { type: 'near_field' | 'far_field' } | null;
      turn_detection: TurnDetectionConfig | null;
    };
    output: {
      format: RealtimeAudioFormat;
      voice: string | { id: string };
      speed: number;
    };
  };
}

/** Session lifetime the real API allows. */
export const SESSION_MAX_DURATION_MS = 60 * 60 * 1000;

/** The session a new connection starts with (the real API's defaults: PCM 24 kHz, server VAD). */
export function defaultSessionConfig(id: string, model: string, nowMs: number): SimSessionConfig {
  return {
    type: 'realtime',
    object: 'realtime.session',
    id,
    model,
    expires_at: Math.floor((nowMs + SESSION_MAX_DURATION_MS) / 1000),
    output_modalities: ['audio'],
    instructions: 'You are a helpful voice assistant.',
    tools: [],
    tool_choice: 'auto',
    max_output_tokens: 'inf',
    tracing: null,
    truncation: 'auto',
    prompt: null,
    include: null,
    audio: {
      input: {
        format: { type: 'audio/pcm', rate: 24000 },
        transcription: null,
        noise_reduction: null,
        turn_detection: { ...DEFAULT_SERVER_VAD },
      },
      output: { format: { type: 'audio/pcm', rate: 24000 }, voice: 'marin', speed: 1 },
    },
  };
}

/** What `applySessionUpdate` needs to know beyond the config. */
export interface SessionUpdateContext {
  /** True once the session has produced assistant audio (the voice is then fixed). */
  audioProduced: boolean;
}

/**
 * Validates the `session` field of a `session.update` against the GA schema and returns the merged
 * config. Throws a RealtimeProtocolError naming the param; `current` is never modified.
 */
export function applySessionUpdate(
  current: SimSessionConfig,
  update: unknown,
  context: SessionUpdateContext,
): SimSessionConfig {
  const next: SimSessionConfig = structuredClone(current);
  const session = expectObject(update, 'session');
  checkKeys(session, TOP_LEVEL_KEYS, 'session');
  requireKey(session, 'type', 'session');
  expectEnum(session.type, ['realtime'], 'session.type');
  if ('model' in session) expectString(session.model, 'session.model');
  if ('instructions' in session)
    next.instructions = expectString(session.instructions, 'session.instructions');
  if ('output_modalities' in session) next.output_modalities = parseModalities(session.output_modalities);
  if ('tools' in session) next.tools = parseTools(session.tools);
  if ('tool_choice' in session) next.tool_choice = parseToolChoice(session.tool_choice);
  if ('max_output_tokens' in session) {
    next.max_output_tokens = parseMaxOutputTokens(session.max_output_tokens, 'session.max_output_tokens');
  }
  if ('tracing' in session) next.tracing = parseTracing(session.tracing);
  if ('truncation' in session) next.truncation = parseTruncation(session.truncation);
  if ('prompt' in session) {
    next.prompt = session.prompt === null ? null : expectObject(session.prompt, 'session.prompt');
  }
  if ('include' in session) next.include = parseInclude(session.include);
  if ('audio' in session) applyAudio(next, session.audio, current, context);
  return next;
}

const TOP_LEVEL_KEYS = [
  'type',
  'model',
  'audio',
  'instructions',
  'tools',
  'tool_choice',
  'output_modalities',
  'max_output_tokens',
  'tracing',
  'truncation',
  'prompt',
  'include',
];

function applyAudio(
  next: SimSessionConfig,
  value: unknown,
  current: SimSessionConfig,
  context: SessionUpdateContext,
): void {
  const audio = expectObject(value, 'session.audio');
  checkKeys(audio, ['input', 'output'], 'session.audio');
  if ('input' in audio) {
    const input = expectObject(audio.input, 'session.audio.input');
    checkKeys(input, ['format', 'transcription', 'noise_reduction', 'turn_detection'], 'session.audio.input');
    if ('format' in input) next.audio.input.format = parseFormat(input.format, 'session.audio.input.format');
    if ('transcription' in input) next.audio.input.transcription = parseTranscription(input.transcription);
    if ('noise_reduction' in input)
      next.audio.input.noise_reduction = parseNoiseReduction(input.noise_reduction);
    if ('turn_detection' in input) next.audio.input.turn_detection = parseTurnDetection(input.turn_detection);
  }
  if ('output' in audio) {
    const output = expectObject(audio.output, 'session.audio.output');
    checkKeys(output, ['format', 'voice', 'speed'], 'session.audio.output');
    if ('format' in output)
      next.audio.output.format = parseFormat(output.format, 'session.audio.output.format');
    if ('speed' in output) {
      next.audio.output.speed = expectNumber(output.speed, 'session.audio.output.speed', REALTIME_SPEED);
    }
    if ('voice' in output) {
      const voice = parseVoice(output.voice, 'session.audio.output.voice');
      checkVoiceChange(voice, current.audio.output.voice, context.audioProduced);
      next.audio.output.voice = voice;
    }
  }
}

function parseNoiseReduction(value: unknown): SimSessionConfig['audio']['input']['noise_reduction'] {
  if (value === null) return null;
  const path = 'session.audio.input.noise_reduction';
  const nr = expectObject(value, path);
  checkKeys(nr, ['type'], path);
  requireKey(nr, 'type', path);
  return { type: expectEnum(nr.type, ['near_field', 'far_field'], `${path}.type`) };
}

function parseTracing(value: unknown): SimSessionConfig['tracing'] {
  if (value === null || value === 'auto') return value;
  const path = 'session.tracing';
  const tracing = expectObject(value, path);
  checkKeys(tracing, ['workflow_name', 'group_id', 'metadata'], path);
  return tracing;
}

function parseTruncation(value: unknown): SimSessionConfig['truncation'] {
  const path = 'session.truncation';
  if (typeof value === 'string') return expectEnum(value, ['auto', 'disabled'], path);
  const t = expectObject(value, path);
  checkKeys(t, ['type', 'retention_ratio', 'token_limits'], path);
  expectEnum(t.type, ['retention_ratio'], `${path}.type`);
  expectNumber(t.retention_ratio, `${path}.retention_ratio`, { min: 0, max: 1 });
  return t;
}

function parseInclude(value: unknown): string[] | null {
  if (value === null) return null;
  const path = 'session.include';
  return expectArray(value, path).map((v, i) =>
    expectEnum(v, ['item.input_audio_transcription.logprobs'], `${path}[${i}]`),
  );
}

// Small validators shared with the session's event handlers.

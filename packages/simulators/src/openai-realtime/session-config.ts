/**
 * The GA session object: its defaults, and `session.update` validation and merging the way the
 * real API does it (unknown or beta-shaped fields rejected with the offending `param` path, nested
 * fields merged, a bad update leaving the session unchanged).
 */
import type { RealtimeAudioFormat } from './audio-format.ts';
import { describeJsonType, RealtimeProtocolError } from './errors.ts';

/** `turn_detection` of type `server_vad`, every field filled in. */
export interface ServerVadConfig {
  type: 'server_vad';
  threshold: number;
  prefix_padding_ms: number;
  silence_duration_ms: number;
  idle_timeout_ms: number | null;
  create_response: boolean;
  interrupt_response: boolean;
}

/** `turn_detection` of type `semantic_vad`, every field filled in. */
export interface SemanticVadConfig {
  type: 'semantic_vad';
  eagerness: 'low' | 'medium' | 'high' | 'auto';
  create_response: boolean;
  interrupt_response: boolean;
}

/** Either kind of turn detection. */
export type TurnDetectionConfig = ServerVadConfig | SemanticVadConfig;

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
      transcription: { model?: string; language?: string; prompt?: string } | null;
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

/** The API's documented `server_vad` defaults. */
export const DEFAULT_SERVER_VAD: Readonly<ServerVadConfig> = Object.freeze({
  type: 'server_vad',
  threshold: 0.5,
  prefix_padding_ms: 300,
  silence_duration_ms: 500,
  idle_timeout_ms: null,
  create_response: true,
  interrupt_response: true,
});

/** The API's documented `semantic_vad` defaults. */
export const DEFAULT_SEMANTIC_VAD: Readonly<SemanticVadConfig> = Object.freeze({
  type: 'semantic_vad',
  eagerness: 'auto',
  create_response: true,
  interrupt_response: true,
});

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
 * config. Throws {@link RealtimeProtocolError} naming the param; `current` is never modified.
 */
export function applySessionUpdate(
  current: SimSessionConfig,
  update: unknown,
  context: SessionUpdateContext,
): SimSessionConfig {
  const next: SimSessionConfig = structuredClone(current);
  const session = expectObject(update, 'session');
  checkKeys(session, TOP_LEVEL_KEYS, 'session');
  if (!('type' in session)) {
    throw new RealtimeProtocolError(
      'missing_required_parameter',
      "Missing required parameter: 'session.type'.",
      'session.type',
    );
  }
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
      next.audio.output.speed = expectNumber(output.speed, 'session.audio.output.speed', {
        min: 0.25,
        max: 1.5,
      });
    }
    if ('voice' in output) {
      const voice = parseVoice(output.voice, 'session.audio.output.voice');
      if (context.audioProduced && JSON.stringify(voice) !== JSON.stringify(current.audio.output.voice)) {
        throw new RealtimeProtocolError(
          'cannot_update_voice',
          "Cannot update a conversation's voice if assistant audio is present.",
          'session.audio.output.voice',
        );
      }
      next.audio.output.voice = voice;
    }
  }
}

/** Parses an audio format object (`{type:'audio/pcmu'}`, `{type:'audio/pcm', rate:24000}`, ...). */
export function parseFormat(value: unknown, path: string): RealtimeAudioFormat {
  const format = expectObject(value, path);
  if (!('type' in format)) {
    throw new RealtimeProtocolError(
      'missing_required_parameter',
      `Missing required parameter: '${path}.type'.`,
      `${path}.type`,
    );
  }
  const type = expectEnum(format.type, ['audio/pcm', 'audio/pcmu', 'audio/pcma'], `${path}.type`);
  if (type === 'audio/pcm') {
    checkKeys(format, ['type', 'rate'], path);
    if ('rate' in format) expectEnum(format.rate, [24000], `${path}.rate`);
    return { type, rate: 24000 };
  }
  checkKeys(format, ['type'], path);
  return { type };
}

function parseTranscription(value: unknown): SimSessionConfig['audio']['input']['transcription'] {
  if (value === null) return null;
  const path = 'session.audio.input.transcription';
  const t = expectObject(value, path);
  checkKeys(t, ['model', 'language', 'prompt'], path);
  const out: { model?: string; language?: string; prompt?: string } = {};
  if ('model' in t) out.model = expectString(t.model, `${path}.model`);
  if ('language' in t) out.language = expectString(t.language, `${path}.language`);
  if ('prompt' in t) out.prompt = expectString(t.prompt, `${path}.prompt`);
  return out;
}

function parseNoiseReduction(value: unknown): SimSessionConfig['audio']['input']['noise_reduction'] {
  if (value === null) return null;
  const path = 'session.audio.input.noise_reduction';
  const nr = expectObject(value, path);
  checkKeys(nr, ['type'], path);
  if (!('type' in nr)) {
    throw new RealtimeProtocolError(
      'missing_required_parameter',
      `Missing required parameter: '${path}.type'.`,
      `${path}.type`,
    );
  }
  return { type: expectEnum(nr.type, ['near_field', 'far_field'], `${path}.type`) };
}

/** Parses `turn_detection` (null, server_vad or semantic_vad), filling the API's defaults. */
export function parseTurnDetection(value: unknown): TurnDetectionConfig | null {
  if (value === null) return null;
  const path = 'session.audio.input.turn_detection';
  const td = expectObject(value, path);
  if (!('type' in td)) {
    throw new RealtimeProtocolError(
      'missing_required_parameter',
      `Missing required parameter: '${path}.type'.`,
      `${path}.type`,
    );
  }
  const type = expectEnum(td.type, ['server_vad', 'semantic_vad'], `${path}.type`);
  if (type === 'semantic_vad') {
    checkKeys(td, ['type', 'eagerness', 'create_response', 'interrupt_response'], path);
    const out: SemanticVadConfig = { ...DEFAULT_SEMANTIC_VAD };
    if ('eagerness' in td) {
      out.eagerness = expectEnum(td.eagerness, ['low', 'medium', 'high', 'auto'], `${path}.eagerness`);
    }
    if ('create_response' in td)
      out.create_response = expectBoolean(td.create_response, `${path}.create_response`);
    if ('interrupt_response' in td) {
      out.interrupt_response = expectBoolean(td.interrupt_response, `${path}.interrupt_response`);
    }
    return out;
  }
  checkKeys(
    td,
    [
      'type',
      'threshold',
      'prefix_padding_ms',
      'silence_duration_ms',
      'idle_timeout_ms',
      'create_response',
      'interrupt_response',
    ],
    path,
  );
  const out: ServerVadConfig = { ...DEFAULT_SERVER_VAD };
  if ('threshold' in td) out.threshold = expectNumber(td.threshold, `${path}.threshold`, { min: 0, max: 1 });
  if ('prefix_padding_ms' in td) {
    out.prefix_padding_ms = expectNumber(td.prefix_padding_ms, `${path}.prefix_padding_ms`, {
      min: 0,
      integer: true,
    });
  }
  if ('silence_duration_ms' in td) {
    out.silence_duration_ms = expectNumber(td.silence_duration_ms, `${path}.silence_duration_ms`, {
      min: 0,
      integer: true,
    });
  }
  if ('idle_timeout_ms' in td) {
    out.idle_timeout_ms =
      td.idle_timeout_ms === null
        ? null
        : expectNumber(td.idle_timeout_ms, `${path}.idle_timeout_ms`, { min: 1, integer: true });
  }
  if ('create_response' in td)
    out.create_response = expectBoolean(td.create_response, `${path}.create_response`);
  if ('interrupt_response' in td) {
    out.interrupt_response = expectBoolean(td.interrupt_response, `${path}.interrupt_response`);
  }
  return out;
}

function parseVoice(value: unknown, path: string): string | { id: string } {
  if (typeof value === 'string') {
    if (value.length === 0)
      throw new RealtimeProtocolError('invalid_value', `Invalid '${path}': empty string.`, path);
    return value;
  }
  const v = expectObject(value, path);
  checkKeys(v, ['id'], path);
  return { id: expectString(v.id, `${path}.id`) };
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
    if (!('type' in tool)) {
      throw new RealtimeProtocolError(
        'missing_required_parameter',
        `Missing required parameter: '${at}.type'.`,
        `${at}.type`,
      );
    }
    const type = expectEnum(tool.type, ['function', 'mcp'], `${at}.type`);
    if (type === 'mcp') {
      throw new RealtimeProtocolError(
        'invalid_value',
        `Invalid '${at}.type': the simulator does not run MCP tools.`,
        `${at}.type`,
      );
    }
    checkKeys(tool, ['type', 'name', 'description', 'parameters'], at);
    if (!('name' in tool)) {
      throw new RealtimeProtocolError(
        'missing_required_parameter',
        `Missing required parameter: '${at}.name'.`,
        `${at}.name`,
      );
    }
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

/** Requires a plain object. */
export function expectObject(value: unknown, path: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new RealtimeProtocolError(
      'invalid_type',
      `Invalid type for '${path}': expected an object, but got ${describeJsonType(value)} instead.`,
      path,
    );
  }
  return value as Record<string, unknown>;
}

/** Requires an array. */
export function expectArray(value: unknown, path: string): unknown[] {
  if (!Array.isArray(value)) {
    throw new RealtimeProtocolError(
      'invalid_type',
      `Invalid type for '${path}': expected an array, but got ${describeJsonType(value)} instead.`,
      path,
    );
  }
  return value;
}

/** Requires a string. */
export function expectString(value: unknown, path: string): string {
  if (typeof value !== 'string') {
    throw new RealtimeProtocolError(
      'invalid_type',
      `Invalid type for '${path}': expected a string, but got ${describeJsonType(value)} instead.`,
      path,
    );
  }
  return value;
}

/** Requires a boolean. */
export function expectBoolean(value: unknown, path: string): boolean {
  if (typeof value !== 'boolean') {
    throw new RealtimeProtocolError(
      'invalid_type',
      `Invalid type for '${path}': expected a boolean, but got ${describeJsonType(value)} instead.`,
      path,
    );
  }
  return value;
}

/** Requires a number within bounds (and an integer when asked). */
export function expectNumber(
  value: unknown,
  path: string,
  bounds: { min?: number; max?: number; integer?: boolean } = {},
): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    const expected = bounds.integer ? 'an integer' : 'a decimal';
    throw new RealtimeProtocolError(
      'invalid_type',
      `Invalid type for '${path}': expected ${expected}, but got ${describeJsonType(value)} instead.`,
      path,
    );
  }
  if (bounds.integer && !Number.isInteger(value)) {
    throw new RealtimeProtocolError(
      'invalid_type',
      `Invalid type for '${path}': expected an integer, but got a decimal instead.`,
      path,
    );
  }
  const kind = bounds.integer ? 'integer' : 'decimal';
  if (bounds.min !== undefined && value < bounds.min) {
    throw new RealtimeProtocolError(
      bounds.integer ? 'integer_below_min_value' : 'decimal_below_min_value',
      `Invalid '${path}': ${kind} below minimum value. Expected a value >= ${bounds.min}, but got ${value} instead.`,
      path,
    );
  }
  if (bounds.max !== undefined && value > bounds.max) {
    throw new RealtimeProtocolError(
      bounds.integer ? 'integer_above_max_value' : 'decimal_above_max_value',
      `Invalid '${path}': ${kind} above maximum value. Expected a value <= ${bounds.max}, but got ${value} instead.`,
      path,
    );
  }
  return value;
}

/** Requires one of `values`. */
export function expectEnum<const T extends string | number>(
  value: unknown,
  values: readonly T[],
  path: string,
): T {
  if (!values.includes(value as T)) {
    const supported = values.map((v) => `'${v}'`).join(', ');
    throw new RealtimeProtocolError(
      'invalid_value',
      `Invalid value: '${String(value)}'. Supported values are: ${supported}.`,
      path,
    );
  }
  return value as T;
}

/** Rejects keys outside `allowed`, naming the first unknown one. */
export function checkKeys(obj: Record<string, unknown>, allowed: readonly string[], path: string): void {
  for (const key of Object.keys(obj)) {
    if (!allowed.includes(key)) {
      throw new RealtimeProtocolError(
        'unknown_parameter',
        `Unknown parameter: '${path}.${key}'.`,
        `${path}.${key}`,
      );
    }
  }
}

/**
 * `turn_detection`: the two kinds (server VAD, semantic VAD), the API's documented defaults, and
 * the parser that fills them in.
 */
import { checkKeys, expectBoolean, expectEnum, expectNumber, expectObject, requireKey } from './validate.ts';

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

/** Parses `turn_detection` (null, server_vad or semantic_vad), filling the API's defaults. */
export function parseTurnDetection(value: unknown): TurnDetectionConfig | null {
  if (value === null) return null;
  const path = 'session.audio.input.turn_detection';
  const td = expectObject(value, path);
  requireKey(td, 'type', path);
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

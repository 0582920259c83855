/**
 * The Realtime event boundary: every server event is checked where it enters, against the fields the
 * official API schema marks required (openai/openai-openapi, components.schemas.RealtimeServerEvent*)
 * for the events the product acts on. An event that fails is a rejection naming its type and the
 * field, never an exception; event types the product does not act on pass as they are.
 */
import type { RealtimeEventResult, RealtimeRejectCode, RealtimeServerEvent } from './types.ts';

const refuse = (type: string, code: RealtimeRejectCode, reason: string): RealtimeEventResult => ({
  ok: false,
  type,
  code,
  reason,
});

type Kind = 'string' | 'integer' | 'object' | 'array' | 'string|null';

/** Required fields per event type, with the product's own needs (e.g. a response id) added. */
const REQUIRED: Record<string, Record<string, Kind>> = {
  'session.created': { session: 'object' },
  'session.updated': { session: 'object' },
  error: { error: 'object' },
  'input_audio_buffer.speech_started': { item_id: 'string' },
  'input_audio_buffer.speech_stopped': { item_id: 'string' },
  'input_audio_buffer.committed': { item_id: 'string' },
  'conversation.item.done': { item: 'object' },
  'conversation.item.input_audio_transcription.delta': { item_id: 'string' },
  'conversation.item.input_audio_transcription.completed': { item_id: 'string', transcript: 'string' },
  'conversation.item.input_audio_transcription.failed': { item_id: 'string', error: 'object' },
  'response.created': { response: 'object' },
  'response.done': { response: 'object' },
  'response.output_item.added': { response_id: 'string', item: 'object' },
  'response.output_item.done': { response_id: 'string', item: 'object' },
  'response.output_audio.delta': { response_id: 'string', item_id: 'string', delta: 'string' },
  'response.output_audio_transcript.done': { response_id: 'string', item_id: 'string', transcript: 'string' },
  'response.output_text.delta': { response_id: 'string', item_id: 'string', delta: 'string' },
  'response.output_text.done': { response_id: 'string', item_id: 'string', text: 'string' },
  'rate_limits.updated': { rate_limits: 'array' },
};

function kindOf(v: unknown): Kind | 'other' {
  if (typeof v === 'string') return 'string';
  if (Number.isInteger(v)) return 'integer';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'object' && v !== null) return 'object';
  return 'other';
}

function fits(v: unknown, kind: Kind): boolean {
  if (kind === 'string|null') return v === null || typeof v === 'string';
  return kindOf(v) === kind;
}

/** The nested fields the product reads, checked once their parent is known to be an object. */
function nested(type: string, e: Record<string, unknown>): string | undefined {
  switch (type) {
    case 'error': {
      const err = e.error as Record<string, unknown>;
      if (typeof err.message !== 'string') return 'error.message must be a string';
      if (typeof err.type !== 'string') return 'error.type must be a string';
      if ('code' in err && !fits(err.code, 'string|null')) return 'error.code must be a string or null';
      return undefined;
    }
    case 'response.created':
    case 'response.done': {
      const r = e.response as Record<string, unknown>;
      if (typeof r.id !== 'string') return 'response.id must be a string';
      if ('status' in r && typeof r.status !== 'string') return 'response.status must be a string';
      if ('status_details' in r && r.status_details !== null && kindOf(r.status_details) !== 'object')
        return 'response.status_details must be an object';
      if ('output' in r && !Array.isArray(r.output)) return 'response.output must be an array';
      return undefined;
    }
    case 'response.output_item.added':
    case 'response.output_item.done':
    case 'conversation.item.done': {
      const item = e.item as Record<string, unknown>;
      if (typeof item.type !== 'string') return 'item.type must be a string';
      if ('id' in item && item.id !== null && typeof item.id !== 'string') return 'item.id must be a string';
      if (item.type === 'function_call') {
        for (const f of ['name', 'arguments', 'call_id'])
          if (typeof item[f] !== 'string') return `item.${f} must be a string`;
      }
      if (item.type === 'message') {
        if ('role' in item && typeof item.role !== 'string') return 'item.role must be a string';
        if ('content' in item && !Array.isArray(item.content)) return 'item.content must be an array';
      }
      return undefined;
    }
    case 'conversation.item.input_audio_transcription.failed': {
      const err = e.error as Record<string, unknown>;
      if ('message' in err && typeof err.message !== 'string') return 'error.message must be a string';
      return undefined;
    }
    default:
      return undefined;
  }
}

/** Checks a parsed server event. Never throws. */
export function checkServerEvent(value: unknown): RealtimeEventResult {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    return refuse('unknown', 'not_object', 'not a JSON object');
  const e = value as Record<string, unknown>;
  if (typeof e.type !== 'string' || e.type.length === 0 || e.type.length > 128)
    return refuse('unknown', 'wrong_type', 'type must be a short string');
  const type = e.type;
  const required = REQUIRED[type];
  if (required) {
    for (const field in required) {
      if (!(field in e)) return refuse(type, 'missing_field', `${field} is missing`);
      if (!fits(e[field], required[field]!))
        return refuse(type, 'wrong_type', `${field} must be ${required[field]}`);
    }
    const problem = nested(type, e);
    if (problem) return refuse(type, 'wrong_type', problem);
  }
  return { ok: true, event: value as RealtimeServerEvent };
}

/** Parses and checks one text frame from the Realtime socket. Never throws. */
export function decodeServerEvent(text: string): RealtimeEventResult {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return refuse('unknown', 'not_json', 'not JSON');
  }
  return checkServerEvent(value);
}

/**
 * The simulator's error catalog: every `error` event it sends carries one of these codes. Where the
 * real Realtime API's code is publicly known it is used verbatim; the README lists which are ours.
 */

/** Codes the simulator puts in `error.code`. */
export const REALTIME_ERROR_CODES = [
  'invalid_json',
  'invalid_value',
  'invalid_type',
  'missing_required_parameter',
  'unknown_parameter',
  'decimal_below_min_value',
  'decimal_above_max_value',
  'integer_below_min_value',
  'integer_above_max_value',
  'empty_array',
  'string_above_max_length',
  'object_above_max_properties',
  'input_audio_buffer_commit_empty',
  'conversation_already_has_active_response',
  'response_cancel_not_active',
  'item_truncate_invalid_item_id',
  'item_retrieve_invalid_item_id',
  'item_delete_invalid_item_id',
  'unsupported_content_type',
  'cannot_update_voice',
  'unsupported_event',
  'session_expired',
] as const;

/** One code from {@link REALTIME_ERROR_CODES}. */
export type RealtimeErrorCode = (typeof REALTIME_ERROR_CODES)[number];

/** The message the real API sends when a session reaches its maximum duration. */
export const SESSION_EXPIRED_MESSAGE = 'Your session hit the maximum duration of 60 minutes.';

/**
 * A protocol-level rejection of a client event. Validators throw it; the session turns it into an
 * `error` event and leaves its state unchanged.
 */
export class RealtimeProtocolError extends Error {
  readonly code: RealtimeErrorCode;
  readonly param: string | null;
  readonly errorType: string;

  constructor(code: RealtimeErrorCode, message: string, param: string | null = null) {
    super(message);
    this.name = 'RealtimeProtocolError';
    this.code = code;
    this.param = param;
    this.errorType = 'invalid_request_error';
  }
}

/** Describes a JSON value's type the way the real API's messages do ("a string", "an object"). */
export function describeJsonType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'an integer' : 'a decimal';
  if (typeof value === 'string') return 'a string';
  if (typeof value === 'boolean') return 'a boolean';
  if (typeof value === 'object') return 'an object';
  return typeof value;
}

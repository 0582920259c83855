/**
 * Scripted ways a response ends other than `completed`, as the real API ends them: `failed` with
 * `status_details.error` (GA schema `RealtimeResponse.status_details`; the server error's shape and
 * message as reported in openai/openai-realtime-api-beta#116), optionally with an `error` event of
 * type `server_error`; `incomplete` with `status_details.reason` `max_output_tokens` or
 * `content_filter`. A scenario reply or a fault plan carries one.
 */

/** The `status_details.error` of a failed response. */
export interface FailedResponseError {
  type?: string;
  code?: string | null;
  message?: string;
}

/** How a scripted response ends. */
export type ResponseOutcome =
  | {
      status: 'failed';
      error?: FailedResponseError;
      /** Also send an `error` event of type `server_error` (event_id null) before `response.done`. */
      serverErrorEvent?: boolean;
      /** Audio produced before the failure (default 0: no output at all). */
      afterAudioMs?: number;
    }
  | {
      status: 'incomplete';
      reason: 'max_output_tokens' | 'content_filter';
      /** Audio produced before the cut (default: half the reply). */
      afterAudioMs?: number;
    };

/** The message of the real API's `server_error` (it names the session). */
export function serverErrorMessage(sessionId: string): string {
  return `The server had an error while processing your request. Sorry about that! Please contact us through our help center at help.openai.com if the error persists. (include session ID in your message: ${sessionId}). We recommend you retry your request.`;
}

/** The `status_details.error` a failed response reports (the real server error unless scripted). */
export function failedError(outcome: { error?: FailedResponseError }, sessionId: string) {
  return {
    type: outcome.error?.type ?? 'server_error',
    code: outcome.error?.code === undefined ? null : outcome.error.code,
    message: outcome.error?.message ?? serverErrorMessage(sessionId),
  };
}

/** Validates an outcome given as JSON; throws an Error naming the field. */
export function parseResponseOutcome(value: unknown, path: string): ResponseOutcome {
  const obj = asObject(value, path);
  const afterAudioMs = obj.afterAudioMs === undefined ? undefined : nonNegative(obj.afterAudioMs, path);
  if (obj.status === 'failed') {
    allowKeys(obj, ['status', 'error', 'serverErrorEvent', 'afterAudioMs'], path);
    const out: ResponseOutcome = { status: 'failed' };
    if (obj.error !== undefined) out.error = parseError(obj.error, `${path}.error`);
    if (obj.serverErrorEvent !== undefined) {
      if (typeof obj.serverErrorEvent !== 'boolean')
        throw new Error(`${path}.serverErrorEvent: expected a boolean`);
      out.serverErrorEvent = obj.serverErrorEvent;
    }
    if (afterAudioMs !== undefined) out.afterAudioMs = afterAudioMs;
    return out;
  }
  if (obj.status === 'incomplete') {
    allowKeys(obj, ['status', 'reason', 'afterAudioMs'], path);
    if (obj.reason !== 'max_output_tokens' && obj.reason !== 'content_filter') {
      throw new Error(`${path}.reason: expected 'max_output_tokens' or 'content_filter'`);
    }
    return {
      status: 'incomplete',
      reason: obj.reason,
      ...(afterAudioMs !== undefined ? { afterAudioMs } : {}),
    };
  }
  throw new Error(`${path}.status: expected 'failed' or 'incomplete'`);
}

function parseError(value: unknown, path: string): FailedResponseError {
  const obj = asObject(value, path);
  allowKeys(obj, ['type', 'code', 'message'], path);
  const out: FailedResponseError = {};
  if (obj.type !== undefined) out.type = asString(obj.type, `${path}.type`);
  if (obj.code !== undefined) out.code = obj.code === null ? null : asString(obj.code, `${path}.code`);
  if (obj.message !== undefined) out.message = asString(obj.message, `${path}.message`);
  return out;
}

function asObject(value: unknown, path: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new Error(`${path}: expected an object`);
  }
  return value as Record<string, unknown>;
}

function asString(value: unknown, path: string): string {
  if (typeof value !== 'string') throw new Error(`${path}: expected a string`);
  return value;
}

function nonNegative(value: unknown, path: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw new Error(`${path}.afterAudioMs: expected a number >= 0`);
  }
  return value;
}

function allowKeys(obj: Record<string, unknown>, keys: string[], path: string): void {
  for (const key of Object.keys(obj))
    if (!keys.includes(key)) throw new Error(`${path}.${key}: unknown field`);
}

import { ServiceError } from '@switchboard/service-kit';

/** Socket-level failures: the peer could not be reached or the connection broke. */
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENETDOWN',
  'EAI_AGAIN',
  'ENOTFOUND',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'UND_ERR_CLOSED',
]);

/** The HTTP status an error carries, when it carries one. */
export function statusOf(err: unknown): number | undefined {
  if (err instanceof ServiceError) return err.statusCode;
  const status = (err as { statusCode?: unknown; status?: unknown } | null)?.statusCode;
  return typeof status === 'number' ? status : undefined;
}

/**
 * True when `err` means the peer is unreachable, overloaded or slow (network error, timeout, 5xx, 408,
 * 429): an answer may come later. A 4xx answer is the peer's verdict and is never "unreachable".
 */
export function isPeerUnavailable(err: unknown): boolean {
  if (err instanceof ServiceError)
    return err.retryable || err.statusCode >= 500 || err.statusCode === 408 || err.statusCode === 429;
  // Walk the cause chain: fetch wraps socket errors in a TypeError("fetch failed").
  for (let e: unknown = err, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const { name, code } = e as { name?: unknown; code?: unknown };
    if (name === 'TimeoutError' || name === 'AbortError') return true;
    if (typeof code === 'string' && NETWORK_CODES.has(code)) return true;
  }
  return false;
}

/**
 * True when the peer refused the request for good (a 4xx other than 408 and 429): sending it again
 * would get the same answer.
 */
export function isPeerRejection(err: unknown): boolean {
  const status = statusOf(err);
  return status !== undefined && status >= 400 && status < 500 && status !== 408 && status !== 429;
}

/** What of an error may be logged: its code and status, never its message (paths may carry numbers). */
export function errSummary(err: unknown): { code?: string; statusCode?: number; name?: string } {
  if (err instanceof ServiceError) return { code: err.code, statusCode: err.statusCode };
  const e = err as { name?: unknown; code?: unknown; cause?: { code?: unknown } } | null;
  const code =
    typeof e?.code === 'string' ? e.code : typeof e?.cause?.code === 'string' ? e.cause.code : undefined;
  return {
    ...(typeof e?.name === 'string' ? { name: e.name } : {}),
    ...(code ? { code } : {}),
  };
}

/**
 * What one outcome webhook try leads to: delivered on a 2xx; stopped for good on a 3xx (redirects are
 * not followed, so a redirect is a receiver that will never take the event here) and on a 4xx other
 * than 408 and 429; otherwise tried again after the back-off, or, on a 429 or 503 that says when
 * (`Retry-After`, seconds or an HTTP date, RFC 9110 §10.2.3), at that time, capped.
 */

/** Longest a receiver's `Retry-After` may put the next try off. */
export const RETRY_AFTER_CAP_MS = 6 * 3600_000;

/** Statuses that stop an event: the receiver will not take it, whatever we do. */
export const isPermanentRefusal = (status: number) =>
  (status >= 300 && status < 400) || (status >= 400 && status < 500 && status !== 408 && status !== 429);

/**
 * The wait a `Retry-After` value asks for, in ms (0 for a date already past), or undefined when the
 * value is neither delay-seconds nor an HTTP date.
 */
export function retryAfterMs(value: string | null | undefined, nowMs: number): number | undefined {
  const v = value?.trim();
  if (!v) return undefined;
  if (/^\d+$/.test(v)) return Math.min(Number(v) * 1000, Number.MAX_SAFE_INTEGER);
  // An HTTP date names its weekday and zone (IMF-fixdate, or the obsolete RFC 850 / asctime forms).
  if (!/^[A-Za-z]{3}/.test(v)) return undefined;
  const at = Date.parse(v);
  return Number.isNaN(at) ? undefined : Math.max(0, at - nowMs);
}

export type TryResult =
  | { kind: 'delivered' }
  | { kind: 'stopped' }
  | { kind: 'failed' }
  | { kind: 'again'; waitMs: number };

/** What follows a try that got `status` (undefined: no answer) as try number `attempts`. */
export function afterTry(
  status: number | undefined,
  attempts: number,
  settings: { maxAttempts: number; backoffMs: number },
  retryAfter: string | null | undefined,
  nowMs: number,
): TryResult {
  if (status !== undefined && status >= 200 && status < 300) return { kind: 'delivered' };
  if (status !== undefined && isPermanentRefusal(status)) return { kind: 'stopped' };
  if (attempts >= settings.maxAttempts) return { kind: 'failed' };
  const asked = status === 429 || status === 503 ? retryAfterMs(retryAfter, nowMs) : undefined;
  if (asked !== undefined) return { kind: 'again', waitMs: Math.min(asked, RETRY_AFTER_CAP_MS) };
  return { kind: 'again', waitMs: settings.backoffMs * 2 ** (attempts - 1) };
}

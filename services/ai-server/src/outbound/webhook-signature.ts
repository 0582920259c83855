/**
 * How outcome webhooks are signed, and how a receiver checks them. Each try carries
 *
 *   Switchboard-Event-Id: <uuid>                 the same on every try of one event: dedupe on it
 *   Switchboard-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>
 *
 * The receiver recomputes the HMAC over the timestamp, a dot and the raw body bytes with the secret
 * it was shown when the webhook was created, compares in constant time, and refuses a timestamp more
 * than `toleranceSec` (default 300) from its clock, so a captured request cannot be replayed later.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

export const SIGNATURE_HEADER = 'switchboard-signature';
export const EVENT_ID_HEADER = 'switchboard-event-id';
/** How far a signature's timestamp may be from the receiver's clock, by default. */
export const DEFAULT_TOLERANCE_SEC = 300;

/** A new signing secret: `whsec_` and 32 random bytes, base64url. */
export function newWebhookSecret(): string {
  return `whsec_${randomBytes(32).toString('base64url')}`;
}

function hmac(secret: string, timestampSec: number, body: string): string {
  return createHmac('sha256', secret).update(`${timestampSec}.`).update(body).digest('hex');
}

/** The `Switchboard-Signature` value for `body` sent at `timestampSec`. */
export function signWebhook(secret: string, timestampSec: number, body: string): string {
  return `t=${timestampSec},v1=${hmac(secret, timestampSec, body)}`;
}

export type VerifyResult =
  | { ok: true; timestampSec: number }
  | { ok: false; reason: 'malformed' | 'bad_signature' | 'too_old' | 'too_new' };

/**
 * Checks a received webhook: the header's shape, the HMAC over `<t>.<body>` (constant time), and the
 * timestamp within `toleranceSec` of `nowSec`. `body` must be the raw text as received.
 */
export function verifyWebhook(
  secret: string,
  header: string | undefined,
  body: string,
  opts: { nowSec?: number; toleranceSec?: number } = {},
): VerifyResult {
  const parts = new Map<string, string[]>();
  for (const item of (header ?? '').split(',')) {
    const eq = item.indexOf('=');
    if (eq <= 0) continue;
    const k = item.slice(0, eq).trim();
    parts.set(k, [...(parts.get(k) ?? []), item.slice(eq + 1).trim()]);
  }
  const t = parts.get('t')?.[0];
  const signatures = parts.get('v1') ?? [];
  if (!t || !/^\d{1,12}$/.test(t) || !signatures.length) return { ok: false, reason: 'malformed' };
  const timestampSec = Number(t);
  const expected = Buffer.from(hmac(secret, timestampSec, body), 'hex');
  const matches = signatures.some((s) => {
    if (!/^[0-9a-f]{64}$/.test(s)) return false;
    return timingSafeEqual(Buffer.from(s, 'hex'), expected);
  });
  if (!matches) return { ok: false, reason: 'bad_signature' };
  const now = opts.nowSec ?? Math.floor(Date.now() / 1000);
  const tolerance = opts.toleranceSec ?? DEFAULT_TOLERANCE_SEC;
  if (timestampSec < now - tolerance) return { ok: false, reason: 'too_old' };
  if (timestampSec > now + tolerance) return { ok: false, reason: 'too_new' };
  return { ok: true, timestampSec };
}

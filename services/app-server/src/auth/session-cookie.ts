import { createHmac, timingSafeEqual } from 'node:crypto';

/** The session cookie's name. */
export const SESSION_COOKIE = 'sb_session';

/** The cookie that marks a browser an account signed in from before (exempt from account-wide limits). */
export const DEVICE_COOKIE = 'sb_device';

/** What a session cookie vouches for. */
export interface SessionClaims {
  /** The server-side session (revocable). */
  sessionId: string;
  staffId: string;
  /** The account's sessionVersion when signed in; a bump signs the session out. */
  version: number;
  /** Expiry, ms since epoch. */
  expiresAtMs: number;
}

function sign(payload: string, secret: string): string {
  return createHmac('sha256', secret).update(payload).digest('base64url');
}

/** `<payload b64url>.<hmac-sha256 b64url>` */
export function encodeSession(claims: SessionClaims, secret: string): string {
  const payload = Buffer.from(
    JSON.stringify([claims.sessionId, claims.staffId, claims.version, claims.expiresAtMs]),
  ).toString('base64url');
  return `${payload}.${sign(payload, secret)}`;
}

/** The claims of a well-signed, unexpired cookie value; undefined otherwise. */
export function decodeSession(value: string, secret: string, nowMs = Date.now()): SessionClaims | undefined {
  const dot = value.indexOf('.');
  if (dot <= 0) return undefined;
  const payload = value.slice(0, dot);
  const given = Buffer.from(value.slice(dot + 1), 'base64url');
  const expected = Buffer.from(sign(payload, secret), 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
  } catch {
    return undefined;
  }
  if (!Array.isArray(parsed) || parsed.length !== 4) return undefined;
  const [sessionId, staffId, version, expiresAtMs] = parsed as [unknown, unknown, unknown, unknown];
  if (
    typeof sessionId !== 'string' ||
    typeof staffId !== 'string' ||
    typeof version !== 'number' ||
    typeof expiresAtMs !== 'number'
  )
    return undefined;
  if (expiresAtMs <= nowMs) return undefined;
  return { sessionId, staffId, version, expiresAtMs };
}

/** Reads one cookie from a Cookie header. */
export function readCookie(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    if (part.slice(0, eq).trim() === name) {
      const v = part.slice(eq + 1).trim();
      try {
        return decodeURIComponent(v);
      } catch {
        return undefined;
      }
    }
  }
  return undefined;
}

export interface CookieOptions {
  secure: boolean;
  /** Omit for a cookie that clears the session. */
  maxAgeSec?: number;
}

/** A signed device marker for an account: `<staffId b64url>.<hmac>`. */
export function encodeDevice(staffId: string, secret: string): string {
  const payload = Buffer.from(staffId).toString('base64url');
  return `${payload}.${sign(`device:${payload}`, secret)}`;
}

/** True when `value` is a device marker of `staffId` signed with `secret`. */
export function isDeviceOf(value: string | undefined, staffId: string, secret: string): boolean {
  if (!value) return false;
  const expected = Buffer.from(encodeDevice(staffId, secret));
  const given = Buffer.from(value);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/** A Set-Cookie value: HttpOnly, SameSite=Lax, Path=/, Secure when configured. */
export function sessionSetCookie(value: string, opts: CookieOptions, name = SESSION_COOKIE): string {
  const parts = [`${name}=${encodeURIComponent(value)}`, 'Path=/', 'HttpOnly', 'SameSite=Lax'];
  parts.push(`Max-Age=${opts.maxAgeSec ?? 0}`);
  if (opts.secure) parts.push('Secure');
  return parts.join('; ');
}

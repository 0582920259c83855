import { createHmac, timingSafeEqual } from 'node:crypto';

/** The session cookie's name. */
export const SESSION_COOKIE = 'sb_session';

/** What a session cookie vouches for. */
export interface SessionClaims {
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
  const payload = Buffer.from(JSON.stringify([claims.staffId, claims.version, claims.expiresAtMs])).toString(
    'base64url',
  );
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
  if (!Array.isArray(parsed) || parsed.length !== 3) return undefined;
  const [staffId, version, expiresAtMs] = parsed as [unknown, unknown, unknown];
  if (typeof staffId !== 'string' || typeof version !== 'number' || typeof expiresAtMs !== 'number')
    return undefined;
  if (expiresAtMs <= nowMs) return undefined;
  return { staffId, version, expiresAtMs };
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

/** A Set-Cookie value: HttpOnly, SameSite=Lax, Path=/, Secure when configured. */
export function sessionSetCookie(value: string, opts: CookieOptions): string {
  const parts = [`${SESSION_COOKIE}=${encodeURIComponent(value)}`, 'Path=/', 'HttpOnly', 'SameSite=Lax'];
  parts.push(`Max-Age=${opts.maxAgeSec ?? 0}`);
  if (opts.secure) parts.push('Secure');
  return parts.join('; ');
}

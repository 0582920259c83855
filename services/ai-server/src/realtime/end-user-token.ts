/**
 * End-user tokens: what a brand's backend hands its app so the app can ask ai-server for a Realtime
 * client secret without holding the brand's API key. A token is a compact JWT signed with HS256
 * (RFC 7515/7519) under the brand's client-token secret (POST /admin/client-token-secret):
 *
 *   header  {"alg":"HS256","typ":"JWT"}
 *   payload {"brand":"<brand id>","profile":"<profile key>","sub":"<your user id>","exp":<unix s>}
 *   token   base64url(header) "." base64url(payload) "." base64url(HMAC-SHA256(secret, first two parts))
 *
 * `exp` must lie in the future and at most {@link MAX_TOKEN_LIFETIME_SEC} ahead; `sub` (1–200
 * characters) names the end user and is never logged. Any JWT library that signs HS256 can mint one.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/** The furthest ahead a token's `exp` may be: a leaked token is good for an hour at most. */
export const MAX_TOKEN_LIFETIME_SEC = 3600;
/** Client-token secrets start with this (recognisable in config files and secret scanners). */
export const CLIENT_TOKEN_SECRET_PREFIX = 'sbts_';

export interface EndUserClaims {
  brand: string;
  profile: string;
  sub: string;
  exp: number;
}

const b64 = (s: string | Buffer) => Buffer.from(s).toString('base64url');
const HEADER = b64(JSON.stringify({ alg: 'HS256', typ: 'JWT' }));

/** A new signing secret for a brand: 256 random bits. */
export function generateClientTokenSecret(): string {
  return `${CLIENT_TOKEN_SECRET_PREFIX}${randomBytes(32).toString('base64url')}`;
}

function sign(secret: string, signingInput: string): Buffer {
  return createHmac('sha256', secret).update(signingInput).digest();
}

/** Mints a token, as a brand's backend would (tests and the README example use it). */
export function mintEndUserToken(secret: string, claims: EndUserClaims): string {
  const payload = b64(JSON.stringify(claims));
  return `${HEADER}.${payload}.${b64(sign(secret, `${HEADER}.${payload}`))}`;
}

/** Whether a bearer credential has a JWT's shape (three base64url parts). */
export function looksLikeJwt(token: string): boolean {
  return /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/.test(token) && token.length <= 4096;
}

/** The unverified claims, only to find whose secret verifies them; undefined when malformed. */
export function unverifiedClaims(token: string): EndUserClaims | undefined {
  if (!looksLikeJwt(token)) return undefined;
  const [header, payload] = token.split('.') as [string, string, string];
  try {
    const h = JSON.parse(Buffer.from(header, 'base64url').toString('utf8')) as unknown;
    if (!isRecord(h) || h.alg !== 'HS256') return undefined;
    const p = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as unknown;
    if (!isRecord(p)) return undefined;
    const { brand, profile, sub, exp } = p;
    if (typeof brand !== 'string' || !/^[0-9a-f-]{36}$/.test(brand)) return undefined;
    if (typeof profile !== 'string' || profile.length > 64) return undefined;
    if (typeof sub !== 'string' || sub.length < 1 || sub.length > 200) return undefined;
    if (typeof exp !== 'number' || !Number.isInteger(exp)) return undefined;
    return { brand, profile, sub, exp };
  } catch {
    return undefined;
  }
}

/** Why the token does not hold under `secret` at `nowSec`, or undefined when it does. */
export function tokenProblem(token: string, secret: string, nowSec: number): string | undefined {
  const claims = unverifiedClaims(token);
  if (!claims) return 'malformed end-user token';
  const [header, payload, signature] = token.split('.') as [string, string, string];
  const expected = sign(secret, `${header}.${payload}`);
  const given = Buffer.from(signature, 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected))
    return 'end-user token signature does not match';
  if (claims.exp <= nowSec) return 'end-user token expired';
  if (claims.exp > nowSec + MAX_TOKEN_LIFETIME_SEC)
    return `end-user token exp is more than ${MAX_TOKEN_LIFETIME_SEC} s ahead`;
  return undefined;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

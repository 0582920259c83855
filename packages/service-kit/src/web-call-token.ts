import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/** How long a browser has to open its test call once app-server minted the token. */
export const WEB_CALL_TOKEN_TTL_MS = 60_000;

/** What a web-call token grants: one call to one profile of one brand, placed by one staff member. */
export interface WebCallGrant {
  brandId: string;
  profileKey: string;
  /** The staff member who asked (for the logs; never a phone number). */
  staffId: string;
  /** The call's SID, `WC` and 32 hex digits: the conversation is found by it. */
  callSid: string;
}

export type WebCallTokenVerdict =
  | { ok: true; grant: WebCallGrant }
  | { ok: false; reason: 'missing' | 'malformed' | 'forged' | 'expired' | 'replayed' };

const TOKEN = /^v1\.([A-Za-z0-9_-]{1,1400})\.([A-Za-z0-9_-]{43})$/;
const WEB_CALL_SID = /^WC[0-9a-f]{32}$/;

/** A fresh web call's SID (`WC` and 32 hex digits, as Twilio's `CA…` are, so links and lookups hold). */
export function newWebCallSid(): string {
  return `WC${randomBytes(16).toString('hex')}`;
}

/**
 * Short-lived, single-use tokens for browser test calls. app-server mints one for a signed-in staff
 * member; voice-server checks it on the call's `start` message. Both hold the same secret
 * (WEB_CALL_SECRET); the token is `v1.<payload>.<HMAC-SHA256>`, payload and MAC base64url.
 */
export class WebCallTokens {
  private readonly key: Buffer;
  /** Tokens already used (by call SID), with their expiry (s); forgotten once expired. */
  private readonly used = new Map<string, number>();

  constructor(
    secret: string,
    private readonly now: () => number = Date.now,
    private readonly ttlMs = WEB_CALL_TOKEN_TTL_MS,
  ) {
    this.key = createHash('sha256').update(`switchboard web call token\0${secret}`).digest();
  }

  issue(grant: Omit<WebCallGrant, 'callSid'> & { callSid?: string }): { token: string; grant: WebCallGrant } {
    const full: WebCallGrant = { ...grant, callSid: grant.callSid ?? newWebCallSid() };
    const expires = Math.ceil((this.now() + this.ttlMs) / 1000);
    const payload = Buffer.from(
      JSON.stringify({ b: full.brandId, p: full.profileKey, s: full.staffId, c: full.callSid, e: expires }),
    ).toString('base64url');
    return { token: `v1.${payload}.${this.mac(payload)}`, grant: full };
  }

  /** Checks a token; an accepted one is used up (once per process: one voice-server holds the call). */
  verify(token: unknown): WebCallTokenVerdict {
    if (typeof token !== 'string' || token === '') return { ok: false, reason: 'missing' };
    const m = TOKEN.exec(token);
    if (!m) return { ok: false, reason: 'malformed' };
    const expected = Buffer.from(this.mac(m[1]!));
    const given = Buffer.from(m[2]!);
    if (given.length !== expected.length || !timingSafeEqual(given, expected))
      return { ok: false, reason: 'forged' };
    const fields = parsePayload(m[1]!);
    if (!fields) return { ok: false, reason: 'malformed' };
    const nowSec = this.now() / 1000;
    if (fields.expires < nowSec) return { ok: false, reason: 'expired' };
    this.forgetExpired(nowSec);
    if (this.used.has(fields.grant.callSid)) return { ok: false, reason: 'replayed' };
    this.used.set(fields.grant.callSid, fields.expires);
    return { ok: true, grant: fields.grant };
  }

  private mac(payload: string): string {
    return createHmac('sha256', this.key).update(payload).digest('base64url');
  }

  private forgetExpired(nowSec: number): void {
    if (this.used.size < 1024) return;
    for (const [sid, expires] of this.used) if (expires < nowSec) this.used.delete(sid);
  }
}

function parsePayload(b64: string): { grant: WebCallGrant; expires: number } | undefined {
  let v: unknown;
  try {
    v = JSON.parse(Buffer.from(b64, 'base64url').toString('utf8'));
  } catch {
    return undefined;
  }
  if (typeof v !== 'object' || v === null) return undefined;
  const { b, p, s, c, e } = v as Record<string, unknown>;
  if (typeof b !== 'string' || typeof p !== 'string' || typeof s !== 'string') return undefined;
  if (typeof c !== 'string' || !WEB_CALL_SID.test(c) || typeof e !== 'number' || !Number.isInteger(e))
    return undefined;
  return { grant: { brandId: b, profileKey: p, staffId: s, callSid: c }, expires: e };
}

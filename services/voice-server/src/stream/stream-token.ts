import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

/** The `<Parameter>` that carries a stream's token. */
export const STREAM_TOKEN_PARAM = 'stream_token';
/** How long after the webhook answered its stream may start. Twilio connects within a second or two. */
export const STREAM_TOKEN_TTL_MS = 120_000;

export type StreamTokenVerdict = 'ok' | 'missing' | 'malformed' | 'expired' | 'forged' | 'replayed';

/**
 * Per-call stream tokens. The upgrade's Twilio signature covers only the stream URL, the same for every
 * call, so a captured upgrade could open streams as any call. The webhook (whose signature covers the
 * call's own parameters) therefore puts a token in the TwiML: an HMAC over the call SID, the stream's
 * other parameters and an expiry, keyed from the Twilio auth token. The stream's `start` must carry
 * it unaltered, before it expires, and only once per process.
 */
export class StreamTokens {
  private readonly key: Buffer;
  /** Tokens already used, with their expiry (s); forgotten once expired. */
  private readonly used = new Map<string, number>();

  constructor(
    authToken: string,
    private readonly now: () => number = Date.now,
    private readonly ttlMs = STREAM_TOKEN_TTL_MS,
  ) {
    this.key = createHash('sha256').update(`switchboard stream token\0${authToken}`).digest();
  }

  /** The token for a call's stream with these `<Parameter>`s (the token's own left out). */
  issue(callSid: string, parameters: Record<string, string>): string {
    const expires = Math.ceil((this.now() + this.ttlMs) / 1000);
    return `${expires}.${this.mac(callSid, parameters, expires)}`;
  }

  /** Checks a `start`'s token against its call SID and parameters; an accepted token is used up. */
  verify(callSid: string, parameters: Record<string, string>): StreamTokenVerdict {
    const token = parameters[STREAM_TOKEN_PARAM];
    if (!token) return 'missing';
    const m = /^(\d{1,12})\.([A-Za-z0-9_-]{43})$/.exec(token);
    if (!m) return 'malformed';
    const expires = Number(m[1]);
    const expected = Buffer.from(this.mac(callSid, parameters, expires));
    const given = Buffer.from(m[2]!);
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return 'forged';
    const nowSec = this.now() / 1000;
    if (expires < nowSec) return 'expired';
    this.forgetExpired(nowSec);
    if (this.used.has(token)) return 'replayed';
    this.used.set(token, expires);
    return 'ok';
  }

  private mac(callSid: string, parameters: Record<string, string>, expires: number): string {
    const fields = Object.keys(parameters)
      .filter((k) => k !== STREAM_TOKEN_PARAM)
      .sort()
      .map((k) => [k, parameters[k]]);
    return createHmac('sha256', this.key)
      .update(JSON.stringify([callSid, expires, fields]))
      .digest('base64url');
  }

  private forgetExpired(nowSec: number): void {
    if (this.used.size < 1024) return;
    for (const [token, expires] of this.used) if (expires < nowSec) this.used.delete(token);
  }
}

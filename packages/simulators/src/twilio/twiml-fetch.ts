/**
 * Twilio's HTTP side of a call: posting the signed voice webhook (and `<Redirect>` / REST `Url`
 * fetches) to the voice server the way Twilio does, and reading the TwiML that comes back.
 */
import { parseTwiml, signTwilioRequest, type TwimlVerb } from '@switchboard/telephony';
import type { CallEnd } from './call-types.ts';

/** Twilio gives a voice webhook 15 s to answer. */
export const WEBHOOK_TIMEOUT_MS = 15_000;

/** What a TwiML request returned. */
export interface TwimlFetch {
  httpStatus?: number;
  twiml?: string;
  verbs?: TwimlVerb[];
  error?: string;
}

/** Who signs and where requests really go. */
export interface TwimlFetchContext {
  authToken: string;
  /** The call's webhook fields; fetches send them with `CallStatus=in-progress`. */
  params: Record<string, string>;
  /** Maps a public URL to the one the simulator connects to. */
  toLocalHttp: (url: string) => string;
}

/** Posts (or GETs) a signed TwiML request and parses the answer. Never throws. */
export async function requestTwiml(
  target: string,
  signature: string,
  method: 'GET' | 'POST',
  params?: Record<string, string>,
): Promise<TwimlFetch> {
  let res: Response;
  try {
    res = await fetch(target, {
      method,
      headers: {
        'x-twilio-signature': signature,
        'user-agent': 'TwilioProxy/1.1',
        accept: '*/*',
        'i-twilio-idempotency-token': crypto.randomUUID(),
        ...(params ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
      },
      ...(params ? { body: new URLSearchParams(params).toString() } : {}),
      signal: AbortSignal.timeout(WEBHOOK_TIMEOUT_MS),
    });
  } catch (err) {
    const cause = (err as { cause?: { code?: unknown; message?: unknown } }).cause;
    const why =
      typeof cause?.code === 'string' ? cause.code : typeof cause?.message === 'string' ? cause.message : '';
    return { error: `request failed: ${(err as Error).message}${why ? ` (${why})` : ''}` };
  }
  const text = await res.text().catch(() => '');
  if (!res.ok) return { httpStatus: res.status, error: `HTTP ${res.status}` };
  const parsed = parseTwimlSafe(text);
  return { httpStatus: res.status, twiml: text, ...parsed };
}

/** Fetches TwiML from `url` (a `<Redirect>` or REST `Url`), signed as Twilio signs it. */
export function fetchTwiml(url: string, method: string, ctx: TwimlFetchContext): Promise<TwimlFetch> {
  const params = { ...ctx.params, CallStatus: 'in-progress' };
  if (method.toUpperCase() === 'GET') {
    const full = url + (url.includes('?') ? '&' : '?') + new URLSearchParams(params).toString();
    return requestTwiml(ctx.toLocalHttp(full), signTwilioRequest(ctx.authToken, full), 'GET');
  }
  return requestTwiml(ctx.toLocalHttp(url), signTwilioRequest(ctx.authToken, url, params), 'POST', params);
}

/** Parses TwiML; an error instead of a throw. */
export function parseTwimlSafe(text: string): { verbs?: TwimlVerb[]; error?: string } {
  try {
    return { verbs: parseTwiml(text) };
  } catch (err) {
    return { error: `invalid TwiML: ${(err as Error).message}` };
  }
}

/** How a call ends when its TwiML could not be had. */
export function failureEnd(f: TwimlFetch): Omit<CallEnd, 'atMs'> {
  if (f.twiml !== undefined && !f.verbs) return { reason: 'invalid_twiml', detail: f.error ?? '' };
  return {
    reason: 'webhook_failed',
    ...(f.httpStatus !== undefined ? { httpStatus: f.httpStatus } : {}),
    ...(f.error ? { detail: f.error } : {}),
  };
}

/** `url` resolved against the TwiML document's URL. */
export function resolveUrl(url: string, base: string): string {
  try {
    return new URL(url, base).toString();
  } catch {
    return url;
  }
}

/** Flips one character of a base64 signature so it no longer matches. */
export function tamperSignature(signature: string): string {
  const first = signature[0] === 'A' ? 'B' : 'A';
  return first + signature.slice(1);
}

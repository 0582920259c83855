/**
 * What Twilio's Calls API refuses when a call is created (`POST /Accounts/{AccountSid}/Calls.json`),
 * with Twilio's codes and messages. Sources: the Call resource's create parameters (To, From, and one
 * of Url / Twiml / ApplicationSid; StatusCallbackEvent initiated|ringing|answered|completed;
 * MachineDetection Enable|DetectMessageEnd), and the error pages 21200 (missing instructions), 21201
 * (no To), 21213 (no From), 21205 (invalid Url), 21210 ('From' not a number of the account), 21211
 * (invalid 'To' number), 21215 (geo permissions).
 */
import type { AccountNumbers } from './twilio-rules.ts';

/** A refusal as Twilio answers it: HTTP status, error code, message. */
export interface CreateCallProblem {
  httpStatus: number;
  code: number;
  message: string;
}

/** The create request's parameters the simulator acts on (form fields; repeated ones as arrays). */
export interface CreateCallRequest {
  to: string;
  from: string;
  url?: string;
  method: 'GET' | 'POST';
  twiml?: string;
  statusCallback?: string;
  /** Events posted to `statusCallback`; Twilio's default is `completed` alone. */
  statusCallbackEvents: StatusCallbackEvent[];
  machineDetection?: 'Enable' | 'DetectMessageEnd';
  asyncAmd: boolean;
  asyncAmdStatusCallback?: string;
  /** Ring time before `no-answer`, seconds (Twilio: default 60, 5..600). */
  timeoutSec: number;
}

export type StatusCallbackEvent = 'initiated' | 'ringing' | 'answered' | 'completed';
const EVENTS: readonly StatusCallbackEvent[] = ['initiated', 'ringing', 'answered', 'completed'];
const E164 = /^\+[1-9]\d{1,14}$/;

/** True for a number the North American Numbering Plan could assign (NPA and NXX start 2-9). */
function validNanp(number: string): boolean {
  return /^\+1[2-9]\d{2}[2-9]\d{6}$/.test(number);
}

/** True when Twilio would take `number` as a dialable phone number. */
export function isDialableNumber(number: string): boolean {
  if (!E164.test(number)) return false;
  if (number.startsWith('+1')) return validNanp(number);
  return number.length >= 8;
}

function absoluteHttpUrl(value: string): boolean {
  try {
    const u = new URL(value);
    return (u.protocol === 'https:' || u.protocol === 'http:') && Boolean(u.hostname);
  } catch {
    return false;
  }
}

function problem(code: number, message: string, httpStatus = 400): CreateCallProblem {
  return { httpStatus, code, message };
}

/** Options of the account that decide what it may call. */
export interface OutboundAccountRules {
  accountNumbers: AccountNumbers;
  /** Prefixes (E.164, e.g. `+882`) the account's geo permissions do not allow; default none. */
  blockedPrefixes?: readonly string[];
}

/**
 * Reads and checks a create request; the problem Twilio answers when it refuses it. The checks run in
 * the order Twilio's answers show: required fields, the numbers, then the URLs.
 */
export function parseCreateCall(
  form: URLSearchParams,
  rules: OutboundAccountRules,
): { request: CreateCallRequest } | { problem: CreateCallProblem } {
  const to = form.get('To')?.trim() ?? '';
  const from = form.get('From')?.trim() ?? '';
  if (!to) return { problem: problem(21201, "No 'To' number is specified") };
  if (!from) return { problem: problem(21213, "No 'From' number is specified") };
  const url = form.get('Url') ?? undefined;
  const twiml = form.get('Twiml') ?? undefined;
  if (url === undefined && twiml === undefined && !form.get('ApplicationSid'))
    return { problem: problem(21200, 'Either a Url, Twiml or ApplicationSid parameter is required') };
  if (!isDialableNumber(to)) return { problem: problem(21211, `Invalid 'To' Phone Number: ${clip(to)}`) };
  const owned = [...(rules.accountNumbers.owned ?? []), ...(rules.accountNumbers.verified ?? [])];
  if (!owned.includes(from))
    return {
      problem: problem(
        21210,
        `The source phone number provided, ${clip(from)}, is not yet verified for your account. You may only make calls from phone numbers that you've verified or purchased from Twilio.`,
      ),
    };
  if (rules.blockedPrefixes?.some((p) => to.startsWith(p)))
    return {
      problem: problem(
        21215,
        `Account not authorized to call ${clip(to)}. Perhaps you need to enable some international permissions: https://www.twilio.com/console/voice/calls/geo-permissions/low-risk`,
      ),
    };
  for (const [field, value] of [
    ['Url', url],
    ['StatusCallback', form.get('StatusCallback') ?? undefined],
    ['AsyncAmdStatusCallback', form.get('AsyncAmdStatusCallback') ?? undefined],
  ] as const) {
    if (value !== undefined && !absoluteHttpUrl(value))
      return { problem: problem(21205, `${field} is not a valid URL: ${clip(value)}`) };
  }
  const method = (form.get('Method') ?? 'POST').toUpperCase();
  if (method !== 'GET' && method !== 'POST')
    return { problem: problem(21200, `Method must be GET or POST, not ${clip(method)}`) };
  const events = form.getAll('StatusCallbackEvent').flatMap((e) => e.split(/[\s,]+/).filter(Boolean));
  const unknown = events.find((e) => !EVENTS.includes(e as StatusCallbackEvent));
  if (unknown) return { problem: problem(21200, `Invalid StatusCallbackEvent: ${clip(unknown)}`) };
  const md = form.get('MachineDetection') ?? undefined;
  if (md !== undefined && md !== 'Enable' && md !== 'DetectMessageEnd')
    return {
      problem: problem(21200, `MachineDetection must be Enable or DetectMessageEnd, not ${clip(md)}`),
    };
  const timeoutRaw = form.get('Timeout');
  const timeoutSec = timeoutRaw === null ? 60 : Number(timeoutRaw);
  if (!Number.isInteger(timeoutSec) || timeoutSec < 1)
    return { problem: problem(21200, `Timeout must be a positive whole number of seconds`) };
  const statusCallback = form.get('StatusCallback') ?? undefined;
  const asyncAmdStatusCallback = form.get('AsyncAmdStatusCallback') ?? undefined;
  return {
    request: {
      to,
      from,
      method,
      statusCallbackEvents: events.length ? (events as StatusCallbackEvent[]) : ['completed'],
      asyncAmd: form.get('AsyncAmd') === 'true',
      // Twilio caps the ring time at 600 s and raises anything under 5 to 5.
      timeoutSec: Math.min(600, Math.max(5, timeoutSec)),
      ...(url !== undefined ? { url } : {}),
      ...(twiml !== undefined ? { twiml } : {}),
      ...(statusCallback !== undefined ? { statusCallback } : {}),
      ...(md !== undefined ? { machineDetection: md } : {}),
      ...(asyncAmdStatusCallback !== undefined ? { asyncAmdStatusCallback } : {}),
    },
  };
}

function clip(value: string): string {
  return value.length > 64 ? `${value.slice(0, 64)}…` : value;
}

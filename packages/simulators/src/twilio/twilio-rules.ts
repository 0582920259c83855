/**
 * What Twilio refuses in the TwiML a voice application hands it, as pure checks with Twilio's error
 * codes. Sources (twilio.com/docs): `<Stream>` ("The url does not support query string parameters…
 * make use of Custom Parameters instead"; error 31920 lists a query string among the causes of a
 * failed stream handshake); error 32018 ("Twiml size exceeded maximum allowed value of 4000
 * characters"); error 13214 (callerId "must be the calling number, called number, or a validated
 * outgoing number"); `<Sip>` ("For SIP calls, the callerId attribute does not need to be a validated
 * phone number. Enter any alphanumeric string. Optionally include the following chars: +-_., but no
 * whitespace"); error 13224 (a dialed number not in E.164; `<Number>` also takes unformatted US
 * numbers).
 */
import type { TwimlDial } from '@switchboard/telephony';

/** A problem Twilio reports in its debugger (the Notifications resource of the call). */
export interface TwilioNotificationCode {
  errorCode: number;
  message: string;
}

/** The most TwiML a call update may carry. */
export const MAX_UPDATE_TWIML_CHARS = 4000;

/** E.164: a plus, a country code that does not start with 0, at most 15 digits. */
const E164 = /^\+[1-9]\d{1,14}$/;
/** What Twilio accepts as a `<Dial><Sip>` callerId. */
const SIP_CALLER_ID = /^[A-Za-z0-9+\-_.]+$/;
/** How a withheld caller reaches Twilio: +266696687 spells ANONYMOUS on a keypad. */
const WITHHELD = new Set(['+266696687', 'anonymous', 'restricted', 'unknown', 'unavailable', 'blocked', '']);

/** The numbers an account may show as caller ID besides the call's own From and To. */
export interface AccountNumbers {
  /** Incoming phone numbers the account owns (E.164). */
  owned?: readonly string[];
  /** Verified outgoing caller IDs (E.164). */
  verified?: readonly string[];
}

/** True when `from` is a withheld or unusable caller ID rather than a number. */
export function isWithheld(from: string): boolean {
  return WITHHELD.has(from.trim().toLowerCase());
}

/** 31920 when a `<Stream>` url carries a query string; null when Twilio takes the url. */
export function streamUrlProblem(url: string): TwilioNotificationCode | null {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return { errorCode: 31920, message: `Stream - WebSocket - Handshake Error: invalid url '${url}'` };
  }
  if (parsed.search === '' && !url.includes('?')) return null;
  return {
    errorCode: 31920,
    message:
      'Stream - WebSocket - Handshake Error: the <Stream> url has a query string, which Media Streams do not support; pass custom values in <Parameter> nouns',
  };
}

/** 32018 when a call update's `Twiml` is over 4,000 characters; null otherwise. */
export function updateTwimlProblem(twiml: string): TwilioNotificationCode | null {
  const chars = [...twiml].length;
  if (chars <= MAX_UPDATE_TWIML_CHARS) return null;
  return {
    errorCode: 32018,
    message: `Twiml size exceeded maximum allowed value of ${MAX_UPDATE_TWIML_CHARS} characters`,
  };
}

/**
 * Why Twilio would not place this `<Dial>` (13214 for the caller ID, 13224 for the number), or null.
 * `call` is the inbound call: its From and To are always acceptable caller IDs for a PSTN dial when
 * they are real numbers; a SIP identity (`sip:…`), a client, or a withheld number is not, so such a
 * call needs a `callerId` the account owns or verified.
 */
export function dialProblem(
  verb: TwimlDial,
  call: { from: string; to: string },
  account: AccountNumbers,
): TwilioNotificationCode | null {
  const callerId = verb.callerId?.trim();
  if (verb.sip !== undefined) {
    if (callerId === undefined || SIP_CALLER_ID.test(callerId)) return null;
    return callerIdRefused(callerId, 'a SIP callerId may hold only letters, digits and +-_.');
  }
  if (verb.number === undefined) return null; // <Client>, <Conference>…: not modelled
  const number = verb.number.trim();
  if (!dialable(number)) {
    return {
      errorCode: 13224,
      message: `Dial: Twilio does not support calling this number or the number is invalid: '${number}'`,
    };
  }
  const shown = callerId ?? call.from;
  if (!E164.test(shown) || isWithheld(shown)) {
    return callerIdRefused(
      shown,
      callerId === undefined
        ? 'the caller has no E.164 number to pass on (SIP identity, client or withheld): set callerId'
        : 'not an E.164 phone number',
    );
  }
  const allowed = new Set([call.from, call.to, ...(account.owned ?? []), ...(account.verified ?? [])]);
  if (allowed.has(shown)) return null;
  return callerIdRefused(
    shown,
    'not the calling or called number, nor a number the account owns or verified',
  );
}

/** E.164, or the unformatted US numbers Twilio also accepts (`(415) 555-1212`, `415-555-1212`). */
function dialable(number: string): boolean {
  if (E164.test(number)) return true;
  return /^1?\d{10}$/.test(number.replace(/[\s().-]/g, ''));
}

function callerIdRefused(callerId: string, why: string): TwilioNotificationCode {
  return { errorCode: 13214, message: `Dial: Invalid callerId value '${callerId}': ${why}` };
}

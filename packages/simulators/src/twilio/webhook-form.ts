/**
 * The request Twilio makes when a call comes in: the voice webhook's form fields (PSTN or SIP), and the
 * mapping from the public URLs Twilio signs to the address the simulator actually connects to (the
 * part a TLS-terminating proxy plays in production).
 */
import { randomBytes, randomUUID } from 'node:crypto';

/** A Twilio SID: two-letter prefix and 32 hex digits. */
export function newSid(prefix: string): string {
  return prefix + randomBytes(16).toString('hex');
}

/** What identifies an inbound call in its webhook. */
export interface InboundCallFields {
  callSid: string;
  accountSid: string;
  /** Caller's number, E.164 (`+15551234567`), or a SIP URI when `sip` is set and it already is one. */
  from: string;
  /** Called number, E.164, or a SIP URI. */
  to: string;
  /** A SIP call: From/To become `sip:<number>@<domain>` and SipDomain is sent. */
  sip?: { domain: string };
  applicationSid?: string;
  /** More fields, sent as given (e.g. `FreshcallerCallId`); they override computed ones. */
  extraFields?: Record<string, string>;
}

/** Country of an E.164 number for the geographic fields, when the prefix is one we recognise. */
function countryOf(number: string): string {
  if (/^\+1\d{10}$/.test(number)) return 'US';
  if (number.startsWith('+44')) return 'GB';
  if (number.startsWith('+49')) return 'DE';
  if (number.startsWith('+33')) return 'FR';
  if (number.startsWith('+61')) return 'AU';
  if (number.startsWith('+91')) return 'IN';
  return '';
}

function sipUri(value: string, domain: string): string {
  return /^sips?:/i.test(value) ? value : `sip:${value}@${domain}`;
}

/**
 * The form fields of Twilio's voice webhook for an inbound call that is ringing (the fields a real
 * request carries; values Twilio fills from carrier data are left empty where unknown).
 */
export function inboundCallForm(call: InboundCallFields, callStatus = 'ringing'): Record<string, string> {
  const form: Record<string, string> = {
    AccountSid: call.accountSid,
    ApiVersion: '2010-04-01',
    CallSid: call.callSid,
    CallStatus: callStatus,
    Direction: 'inbound',
  };
  if (call.applicationSid) form.ApplicationSid = call.applicationSid;
  if (call.sip) {
    const from = sipUri(call.from, call.sip.domain);
    const to = sipUri(call.to, call.sip.domain);
    Object.assign(form, {
      From: from,
      To: to,
      Caller: from,
      Called: to,
      SipDomain: call.sip.domain,
      SipDomainSid: newSid('SD'),
      SipCallId: `${randomUUID()}@127.0.0.1`,
      SipSourceIp: '127.0.0.1',
    });
  } else {
    Object.assign(form, {
      From: call.from,
      To: call.to,
      Caller: call.from,
      Called: call.to,
      CallerCountry: countryOf(call.from),
      CallerState: '',
      CallerCity: '',
      CallerZip: '',
      FromCountry: countryOf(call.from),
      FromState: '',
      FromCity: '',
      FromZip: '',
      CalledCountry: countryOf(call.to),
      CalledState: '',
      CalledCity: '',
      CalledZip: '',
      ToCountry: countryOf(call.to),
      ToState: '',
      ToCity: '',
      ToZip: '',
    });
  }
  return { ...form, ...call.extraFields };
}

function trimSlash(url: string): string {
  return url.replace(/\/+$/, '');
}

/** `http(s)://` → `ws(s)://`. */
export function toWebSocketUrl(url: string): string {
  return url.replace(/^http(s?):\/\//i, 'ws$1://');
}

/**
 * Maps URLs Twilio would use (on `publicBaseUrl`) to where the simulator connects (`voiceServerUrl`):
 * `https://public/x` → `http://local/x` and `wss://public/x` → `ws://local/x`. Others pass unchanged.
 */
export function createUrlMapper(publicBaseUrl: string, voiceServerUrl: string) {
  const publicHttp = trimSlash(publicBaseUrl);
  const localHttp = trimSlash(voiceServerUrl);
  const publicWs = toWebSocketUrl(publicHttp);
  const localWs = toWebSocketUrl(localHttp);
  const swap = (url: string, from: string, to: string) =>
    url.toLowerCase().startsWith(from.toLowerCase()) && /^($|[/?#])/.test(url.slice(from.length))
      ? to + url.slice(from.length)
      : undefined;
  return {
    http: (url: string) => swap(url, publicHttp, localHttp) ?? url,
    ws: (url: string) => swap(url, publicWs, localWs) ?? swap(url, publicHttp, localWs) ?? url,
  };
}

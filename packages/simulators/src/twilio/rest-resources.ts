/**
 * The Calls REST API's resources and plumbing, as the fake answers them: the Twilio-shaped call
 * resource (snake_case JSON, RFC 2822 dates), Twilio's error body, Basic auth and the form body.
 */
import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

/** Twilio's call states. */
export type TwilioCallStatus =
  | 'queued'
  | 'ringing'
  | 'in-progress'
  | 'completed'
  | 'busy'
  | 'failed'
  | 'no-answer'
  | 'canceled';

/** What the fake keeps of a call. */
export interface CallRecord {
  from: string;
  to: string;
  status: TwilioCallStatus;
  createdAt: Date;
  updatedAt: Date;
  endedAt?: Date;
  /** `outbound-api` for calls placed through the Calls API; default `inbound`. */
  direction?: 'inbound' | 'outbound-api';
  /** Answering machine detection's verdict (`human`, `machine_end_beep`, ...), when it ran. */
  answeredBy?: string;
}

export const API_VERSION = '2010-04-01';
const MAX_BODY_BYTES = 1024 * 1024;

/** Twilio's date format in API resources (RFC 2822). */
function rfc2822(date: Date): string {
  return date.toUTCString().replace('GMT', '+0000');
}

/** Twilio's REST error body. */
export function twilioError(code: number, status: number, message: string) {
  return { code, message, more_info: `https://www.twilio.com/docs/errors/${code}`, status };
}

/** True when the request's Basic credentials are this account's SID and auth token. */
export function basicAuthMatches(req: IncomingMessage, accountSid: string, authToken: string): boolean {
  const basic = /^Basic\s+(.+)$/i.exec(req.headers.authorization ?? '');
  const decoded = basic ? Buffer.from(basic[1]!, 'base64').toString('utf8') : '';
  const colon = decoded.indexOf(':');
  return (
    colon > 0 &&
    sameSecret(decoded.slice(0, colon), accountSid) &&
    sameSecret(decoded.slice(colon + 1), authToken)
  );
}

function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** The request body as text; null when it is over 1 MB. */
export function readBody(req: IncomingMessage): Promise<string | null> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_BODY_BYTES) chunks.push(chunk);
    });
    req.on('end', () => resolve(size > MAX_BODY_BYTES ? null : Buffer.concat(chunks).toString('utf8')));
    req.on('error', () => resolve(null));
  });
}

/** The call resource Twilio answers for GET and POST on a call. */
export function callResource(accountSid: string, callSid: string, call: CallRecord) {
  const uri = `/${API_VERSION}/Accounts/${accountSid}/Calls/${callSid}.json`;
  const durationSec = call.endedAt
    ? String(Math.round((call.endedAt.getTime() - call.createdAt.getTime()) / 1000))
    : null;
  return {
    sid: callSid,
    account_sid: accountSid,
    parent_call_sid: null,
    date_created: rfc2822(call.createdAt),
    date_updated: rfc2822(call.updatedAt),
    start_time: rfc2822(call.createdAt),
    end_time: call.endedAt ? rfc2822(call.endedAt) : null,
    duration: durationSec,
    to: call.to,
    to_formatted: call.to,
    from: call.from,
    from_formatted: call.from,
    phone_number_sid: null,
    status: call.status,
    direction: call.direction ?? 'inbound',
    answered_by: call.answeredBy ?? null,
    api_version: API_VERSION,
    forwarded_from: null,
    group_sid: null,
    caller_name: null,
    queue_time: '0',
    trunk_sid: null,
    price: null,
    price_unit: 'USD',
    uri,
    subresource_uris: {
      notifications: uri.replace('.json', '/Notifications.json'),
      recordings: uri.replace('.json', '/Recordings.json'),
      payments: uri.replace('.json', '/Payments.json'),
      events: uri.replace('.json', '/Events.json'),
      siprec: uri.replace('.json', '/Siprec.json'),
      streams: uri.replace('.json', '/Streams.json'),
      transcriptions: uri.replace('.json', '/Transcriptions.json'),
      user_defined_message_subscriptions: uri.replace('.json', '/UserDefinedMessageSubscriptions.json'),
      user_defined_messages: uri.replace('.json', '/UserDefinedMessages.json'),
    },
  };
}

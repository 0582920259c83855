/**
 * The requests Twilio makes about an outbound call besides its TwiML: status callbacks
 * (`CallbackSource=call-progress-events`, a `SequenceNumber` per call, `Timestamp` in RFC 2822, the
 * duration once it ended) and the asynchronous AMD result (`AnsweredBy`, `MachineDetectionDuration`),
 * each form-encoded and signed with `X-Twilio-Signature` over the URL as given.
 */
import { signTwilioRequest } from '@switchboard/telephony';

/** One callback the simulator posted. */
export interface PostedCallback {
  kind: 'status' | 'amd';
  callSid: string;
  /** The URL signed (as given in the create request). */
  url: string;
  params: Record<string, string>;
  /** HTTP status answered; undefined when the request failed. */
  httpStatus?: number;
  error?: string;
}

/** Posts `params` to `url` (signed over it), at the address `mapUrl` gives. */
export async function postSignedForm(
  url: string,
  params: Record<string, string>,
  authToken: string,
  mapUrl: (url: string) => string,
): Promise<{ httpStatus?: number; error?: string }> {
  try {
    const res = await fetch(mapUrl(url), {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        'x-twilio-signature': signTwilioRequest(authToken, url, params),
      },
      body: new URLSearchParams(params).toString(),
      signal: AbortSignal.timeout(15_000),
    });
    await res.arrayBuffer();
    return { httpStatus: res.status };
  } catch (err) {
    return { error: (err as Error).message };
  }
}

/** Twilio's date format in callbacks (RFC 2822). */
export function rfc2822Now(): string {
  return new Date().toUTCString().replace('GMT', '+0000');
}

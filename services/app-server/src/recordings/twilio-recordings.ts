/**
 * Twilio's Recordings resource as app-server uses it, with the account's credentials (Basic auth):
 * the media (`.wav`, `.mp3`) streamed through to staff, and DELETE. URLs are built from the configured
 * API base and the recording's SIDs, never taken from a callback, so the credentials go nowhere else.
 */

export type MediaFormat = 'wav' | 'mp3';

export interface TwilioRecordings {
  /** The media response (status 200 with a body), or Twilio's answer when it is not. */
  media(accountSid: string, recordingSid: string, format: MediaFormat): Promise<Response>;
  /** Deletes the recording; `gone` when Twilio no longer has it (already deleted). */
  remove(accountSid: string, recordingSid: string): Promise<'deleted' | 'gone'>;
}

const SID = /^(AC|RE)[0-9a-fA-F]{32}$/;

/** TwilioRecordings over HTTP (`apiBaseUrl` points it at a simulator). */
export function httpTwilioRecordings(opts: {
  accountSid: string;
  authToken: string;
  apiBaseUrl?: string;
  timeoutMs?: number;
}): TwilioRecordings {
  const base = (opts.apiBaseUrl ?? 'https://api.twilio.com').replace(/\/+$/, '');
  const authorization = `Basic ${Buffer.from(`${opts.accountSid}:${opts.authToken}`).toString('base64')}`;
  const url = (accountSid: string, recordingSid: string, ext: string) => {
    if (!SID.test(accountSid) || !SID.test(recordingSid)) throw new Error('not a Twilio SID');
    return `${base}/2010-04-01/Accounts/${accountSid}/Recordings/${recordingSid}.${ext}`;
  };
  return {
    media(accountSid, recordingSid, format) {
      return fetch(url(accountSid, recordingSid, format), {
        headers: { authorization },
        signal: AbortSignal.timeout(opts.timeoutMs ?? 30_000),
      });
    },
    async remove(accountSid, recordingSid) {
      const res = await fetch(url(accountSid, recordingSid, 'json'), {
        method: 'DELETE',
        headers: { authorization },
        signal: AbortSignal.timeout(opts.timeoutMs ?? 10_000),
      });
      await res.arrayBuffer();
      if (res.status === 204) return 'deleted';
      if (res.status === 404) return 'gone';
      throw new Error(`Twilio answered ${res.status} to a recording deletion`);
    },
  };
}

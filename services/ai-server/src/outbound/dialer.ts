/**
 * How ai-server asks for a call to be placed: voice-server's `POST /internal/outbound-calls` (service
 * token), which creates it through Twilio's Calls API. Twilio's refusal (a bad number, a caller ID the
 * account does not own) comes back as such, with Twilio's code.
 */

/** What to place. */
export interface PlaceCallRequest {
  outboundCallId: string;
  to: string;
  from: string;
  /** Answering machine detection: `DetectMessageEnd` waits for the greeting's end (to leave a message). */
  machineDetection: 'Enable' | 'DetectMessageEnd';
  /** Ring time before no-answer, seconds. */
  timeoutSec: number;
}

export type PlaceCallResult =
  | { ok: true; callSid: string; status: string }
  /** Twilio refused the call (4xx with its error code). */
  | { ok: false; refused: true; twilioCode?: number; message: string }
  /** voice-server or Twilio could not be reached, or failed. */
  | { ok: false; refused: false; message: string };

export interface OutboundDialer {
  place(req: PlaceCallRequest): Promise<PlaceCallResult>;
}

/** The dialer over voice-server's internal API; `baseUrl` may be set after start (tests). */
export function httpOutboundDialer(opts: {
  baseUrl: string | (() => string | undefined);
  serviceToken: string;
  fetch?: typeof fetch;
  timeoutMs?: number;
}): OutboundDialer {
  const doFetch = opts.fetch ?? fetch;
  return {
    async place(req) {
      const base = typeof opts.baseUrl === 'function' ? opts.baseUrl() : opts.baseUrl;
      if (!base) return { ok: false, refused: false, message: 'no voice-server to place calls through' };
      let res: Response;
      try {
        res = await doFetch(`${base.replace(/\/+$/, '')}/internal/outbound-calls`, {
          method: 'POST',
          headers: { authorization: `Bearer ${opts.serviceToken}`, 'content-type': 'application/json' },
          body: JSON.stringify(req),
          signal: AbortSignal.timeout(opts.timeoutMs ?? 15_000),
        });
      } catch (err) {
        return { ok: false, refused: false, message: `voice-server unreachable: ${(err as Error).message}` };
      }
      const body = (await res.json().catch(() => ({}))) as {
        callSid?: string;
        status?: string;
        error?: { code?: string; message?: string; details?: { twilioCode?: number } };
      };
      if (res.ok && typeof body.callSid === 'string')
        return { ok: true, callSid: body.callSid, status: body.status ?? 'queued' };
      if (res.status >= 400 && res.status < 500 && body.error?.code === 'TWILIO_REFUSED')
        return {
          ok: false,
          refused: true,
          message: body.error.message ?? 'Twilio refused the call',
          ...(typeof body.error.details?.twilioCode === 'number'
            ? { twilioCode: body.error.details.twilioCode }
            : {}),
        };
      return { ok: false, refused: false, message: `voice-server answered ${res.status}` };
    },
  };
}

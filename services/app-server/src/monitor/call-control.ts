import { JsonClient, ServiceError } from '@switchboard/service-kit';
import { CALL_CONTROL_PATHS, type StaffActor } from '@switchboard/service-kit/clients/app-server';

/** How a staff action on a live call went. */
export type ControlOutcome =
  | { ok: true }
  /** The voice-server instance does not hold the call (it ended meanwhile). */
  | { ok: false; reason: 'gone' }
  /** voice-server refused it, or could not be reached; `message` is for staff. */
  | { ok: false; reason: 'failed'; status: number; message: string };

/** The actions staff take on a live call, sent to the voice-server instance holding it. */
export interface CallControl {
  end(controlUrl: string, callSid: string, staff: StaffActor): Promise<ControlOutcome>;
  transfer(controlUrl: string, callSid: string, to: string, staff: StaffActor): Promise<ControlOutcome>;
}

/** CallControl over HTTP with the service token (voice-server's /internal/calls routes). */
export function httpCallControl(o: {
  serviceToken: string;
  timeoutMs?: number;
  fetch?: typeof fetch;
}): CallControl {
  const send = async (controlUrl: string, path: string, body: unknown): Promise<ControlOutcome> => {
    const http = new JsonClient({
      baseUrl: controlUrl,
      token: o.serviceToken,
      timeoutMs: o.timeoutMs ?? 5_000,
      ...(o.fetch ? { fetch: o.fetch } : {}),
    });
    try {
      await http.request({ method: 'POST', path, body });
      return { ok: true };
    } catch (err) {
      if (!(err instanceof ServiceError)) throw err;
      if (err.statusCode === 404) return { ok: false, reason: 'gone' };
      return { ok: false, reason: 'failed', status: err.statusCode, message: err.message };
    }
  };
  return {
    end: (url, callSid, staff) => send(url, CALL_CONTROL_PATHS.end(callSid), staff),
    transfer: (url, callSid, to, staff) => send(url, CALL_CONTROL_PATHS.transfer(callSid), { ...staff, to }),
  };
}

import { JsonClient, type Logger } from '@switchboard/service-kit';
import { APP_SERVER_PATHS } from '@switchboard/service-kit/clients/app-server';
import type { LevelsSink } from '../session/audio-levels.ts';
import { errInfo } from '../session/call-types.ts';

/**
 * Sends each call's level batches to app-server, at most one request per call at a time: a batch that
 * finds the previous one still under way is dropped (levels are only worth having live), and a failed
 * one is not retried.
 */
export function httpLevelsSink(o: { baseUrl: string; token: string; log: Logger }): LevelsSink {
  const http = new JsonClient({ baseUrl: o.baseUrl, token: o.token, timeoutMs: 2_000 });
  const busy = new Set<string>();
  return (callSid, levels) => {
    if (busy.has(callSid)) return;
    busy.add(callSid);
    http
      .request({ method: 'POST', path: APP_SERVER_PATHS.levels(callSid), body: levels })
      .catch((err) => o.log.debug({ err: errInfo(err), callSid }, 'audio levels not delivered'))
      .finally(() => busy.delete(callSid));
  };
}

/**
 * `POST /twilio-recording/status`: Twilio's recording status callback, verified by its signature over
 * PUBLIC_BASE_URL. A finished recording (completed, absent, failed) is reported to app-server with its
 * SID, account, length and channels; `in-progress` and anything malformed are acknowledged and dropped.
 * With the app-server outbox the report is queued after the call's conversation and retried until
 * app-server takes it, and Twilio gets its 204 at once; a repeated callback (Twilio retries on timeouts
 * and connection failures) is acknowledged without a second report, by RecordingSid.
 */
import { validateTwilioRequest } from '@switchboard/telephony';
import type { FastifyPluginAsync } from 'fastify';
import type { VoiceMetrics } from '../metrics.ts';
import type { DurableTasks } from '../ports/app-server.ts';
import { RECORDING_STATUS_PATH } from './consent.ts';
import type { RecordingReport, RecordingReports } from './recording-reports.ts';

export interface RecordingRouteOptions {
  publicBaseUrl: string;
  authToken: string;
  metrics: VoiceMetrics;
  /** Where finished recordings go; without it they are only logged. */
  reports?: RecordingReports;
  /** app-server's outbox: reports go through it, so an app-server outage loses none. */
  outbox?: DurableTasks;
  /** Deletes a recording at Twilio: one whose call never got a conversation (see `linkOrDelete`). */
  deleteRecording?: (recordingSid: string) => Promise<void>;
  /** How long a report waits for its call's conversation; default RECORDING_LINK_WAIT_MS. */
  linkWaitMs?: number;
  now?: () => number;
}

/**
 * How long a recording report waits for its conversation. Twilio may post the callback to a replica
 * that did not carry the call while the call's own replica still holds the conversation's start.
 */
export const RECORDING_LINK_WAIT_MS = 30 * 60_000;

/**
 * The outbox task of one report. app-server's 404 (no conversation for the call) is retried while
 * the conversation may still come; after `waitMs` no conversation will: the call never reached its
 * media stream (the caller hung up during the consent notice, the stream was refused), so nobody
 * consented to the rest and no brand can see, keep to its retention or delete the recording. It is
 * deleted at Twilio (or, without a way to, left and logged). Other refusals stay final; the rest
 * is retried by the outbox.
 */
export function linkOrDelete(
  send: () => Promise<unknown>,
  recordingSid: string,
  o: {
    waitMs: number;
    now: () => number;
    deleteRecording?: (recordingSid: string) => Promise<void>;
    log: { warn: (obj: object, msg: string) => void };
  },
): () => Promise<unknown> {
  const since = o.now();
  return async () => {
    try {
      return await send();
    } catch (err) {
      if ((err as { statusCode?: number }).statusCode !== 404) throw err;
      // No status code: the outbox retries it with its back-off.
      if (o.now() - since < o.waitMs) throw new Error('no conversation for the recording yet');
      if (!o.deleteRecording) {
        o.log.warn({ recordingSid }, 'recording of a call without a conversation left at Twilio');
        return undefined;
      }
      await o.deleteRecording(recordingSid);
      o.log.warn({ recordingSid }, 'recording of a call without a conversation deleted at Twilio');
      return undefined;
    }
  };
}

/** Recording SIDs already reported or queued, the most recent this many. */
const SEEN_LIMIT = 10_000;

type Form = Record<string, unknown>;
const field = (form: Form, name: string): string | undefined =>
  typeof form[name] === 'string' ? (form[name] as string) : undefined;

const FINISHED = new Set(['completed', 'absent', 'failed']);

/** The report a signed callback's form makes, or why it makes none. */
export function recordingReportOf(
  form: Form,
): { callSid: string; report: RecordingReport } | { ignored: string } {
  const status = field(form, 'RecordingStatus') ?? '';
  if (!FINISHED.has(status)) return { ignored: `status ${status.slice(0, 20) || '(none)'}` };
  const callSid = field(form, 'CallSid') ?? '';
  const recordingSid = field(form, 'RecordingSid') ?? '';
  const accountSid = field(form, 'AccountSid') ?? '';
  if (!/^CA[0-9a-f]{32}$/i.test(callSid)) return { ignored: 'CallSid' };
  if (!/^RE[0-9a-f]{32}$/i.test(recordingSid)) return { ignored: 'RecordingSid' };
  if (!/^AC[0-9a-f]{32}$/i.test(accountSid)) return { ignored: 'AccountSid' };
  const rawDuration = field(form, 'RecordingDuration');
  const duration = rawDuration && /^\d{1,6}$/.test(rawDuration) ? Number(rawDuration) : 0;
  const channels = field(form, 'RecordingChannels') === '2' ? 2 : 1;
  const started = Date.parse(field(form, 'RecordingStartTime') ?? '');
  return {
    callSid,
    report: {
      recordingSid,
      accountSid,
      status: status as RecordingReport['status'],
      durationSec: Math.min(duration, 86_400),
      channels,
      ...(Number.isFinite(started) ? { startedAt: new Date(started).toISOString() } : {}),
    },
  };
}

export const recordingRoutes: FastifyPluginAsync<RecordingRouteOptions> = async (app, opts) => {
  const base = opts.publicBaseUrl.replace(/\/+$/, '');
  const seen = new Set<string>();
  const remember = (recordingSid: string) => {
    seen.add(recordingSid);
    if (seen.size > SEEN_LIMIT) seen.delete(seen.values().next().value!);
  };
  app.post<{ Body: Form }>(RECORDING_STATUS_PATH, async (req, reply) => {
    const sig = req.headers['x-twilio-signature'];
    const form = (req.body && typeof req.body === 'object' ? req.body : {}) as Form;
    if (
      typeof sig !== 'string' ||
      !validateTwilioRequest(opts.authToken, sig, base + req.url, form as Record<string, string>)
    ) {
      opts.metrics.webhooksRefused++;
      req.log.warn({ reason: 'recording callback signature does not match' }, 'webhook refused');
      return reply.status(403).send({ error: { code: 'FORBIDDEN', message: 'invalid signature' } });
    }
    const made = recordingReportOf(form);
    if ('ignored' in made) {
      req.log.info({ reason: made.ignored }, 'recording callback not reported');
      return reply.status(204).send();
    }
    const { callSid, report } = made;
    const log = req.log.child({ callSid, recordingSid: report.recordingSid });
    if (seen.has(report.recordingSid)) {
      log.info({ status: report.status }, 'repeated recording callback acknowledged');
      return reply.status(204).send();
    }
    log.info({ status: report.status, durationSec: report.durationSec }, 'call recording finished');
    const reports = opts.reports;
    if (reports && opts.outbox) {
      // Keyed by the call: it follows that call's conversation start, which app-server needs first.
      const run = linkOrDelete(() => reports.report(callSid, report), report.recordingSid, {
        waitMs: opts.linkWaitMs ?? RECORDING_LINK_WAIT_MS,
        now: opts.now ?? Date.now,
        ...(opts.deleteRecording ? { deleteRecording: opts.deleteRecording } : {}),
        log,
      });
      const queued = opts.outbox.enqueueTask(callSid, 'recording', run);
      if (!queued) {
        log.error('recording report not queued: shutting down');
        return reply.status(503).send({ error: { code: 'SHUTTING_DOWN', message: 'not stored' } });
      }
    } else if (reports) {
      try {
        await reports.report(callSid, report);
      } catch (err) {
        log.error({ err: { message: (err as Error).message } }, 'recording not reported to app-server');
        return reply.status(502).send({ error: { code: 'APP_SERVER_UNAVAILABLE', message: 'not stored' } });
      }
    }
    remember(report.recordingSid);
    return reply.status(204).send();
  });
};

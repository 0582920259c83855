/**
 * `POST /twilio-recording/status`: Twilio's recording status callback, verified by its signature over
 * PUBLIC_BASE_URL. A finished recording (completed, absent, failed) is reported to app-server with its
 * SID, account, length and channels; `in-progress` and anything malformed are acknowledged and dropped.
 */
import { validateTwilioRequest } from '@switchboard/telephony';
import type { FastifyPluginAsync } from 'fastify';
import type { VoiceMetrics } from '../metrics.ts';
import { RECORDING_STATUS_PATH } from './call-recordings.ts';
import type { RecordingReport, RecordingReports } from './recording-reports.ts';

export interface RecordingRouteOptions {
  publicBaseUrl: string;
  authToken: string;
  metrics: VoiceMetrics;
  /** Where finished recordings go; without it they are only logged. */
  reports?: RecordingReports;
}

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
    const log = req.log.child({ callSid: made.callSid, recordingSid: made.report.recordingSid });
    log.info({ status: made.report.status, durationSec: made.report.durationSec }, 'call recording finished');
    if (opts.reports) {
      try {
        await opts.reports.report(made.callSid, made.report);
      } catch (err) {
        // Twilio does not retry a recording callback: the recording stays in the account, unlinked.
        log.error({ err: { message: (err as Error).message } }, 'recording not reported to app-server');
        return reply.status(502).send({ error: { code: 'APP_SERVER_UNAVAILABLE', message: 'not stored' } });
      }
    }
    return reply.status(204).send();
  });
};

/**
 * What voice-server tells app-server about a call's recording: Twilio's recording SID and account,
 * its status and length. app-server keeps them on the conversation and plays the audio to the
 * brand's staff through itself (the recording's Twilio URL is never passed on).
 */

export interface RecordingReport {
  recordingSid: string;
  accountSid: string;
  /** completed, absent or failed. */
  status: 'completed' | 'absent' | 'failed';
  durationSec: number;
  channels: 1 | 2;
  /** When Twilio started it (ISO 8601), when it said. */
  startedAt?: string;
}

/** app-server's `/internal/conversations/:callSid/recording`. */
export interface RecordingReports {
  report(callSid: string, report: RecordingReport): Promise<void>;
}

/** RecordingReports over HTTP with the service token. */
export function httpRecordingReports(opts: {
  baseUrl: string;
  serviceToken: string;
  timeoutMs?: number;
}): RecordingReports {
  const base = opts.baseUrl.replace(/\/+$/, '');
  return {
    async report(callSid, report) {
      const res = await fetch(`${base}/internal/conversations/${encodeURIComponent(callSid)}/recording`, {
        method: 'POST',
        headers: { authorization: `Bearer ${opts.serviceToken}`, 'content-type': 'application/json' },
        body: JSON.stringify(report),
        signal: AbortSignal.timeout(opts.timeoutMs ?? 5_000),
      });
      await res.arrayBuffer();
      // The status goes with the error: the outbox drops a 4xx (final) and retries the rest.
      if (!res.ok)
        throw Object.assign(new Error(`app-server answered ${res.status} to a recording report`), {
          statusCode: res.status,
        });
    },
  };
}

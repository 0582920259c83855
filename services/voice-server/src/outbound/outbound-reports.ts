/**
 * What voice-server tells ai-server about an outbound call (Twilio's statuses, the AMD verdict, what the
 * agent did on a machine), and what it hears back: the call's profile and voicemail message.
 */

export interface OutboundReport {
  callSid: string;
  status?: string;
  answeredBy?: string;
  durationSec?: number;
  voicemail?: 'left_message' | 'hung_up';
}

export interface OutboundReportAnswer {
  /** The bot profile reference the call runs with. */
  profileRef: string;
  status: string;
  /** Said after a machine's beep; null: hang up on a machine. */
  voicemailMessage: string | null;
  /** Answering machine detection's verdict so far; null or absent while it has none. */
  answeredBy?: string | null;
}

/** ai-server's `/internal/outbound-calls/:id/events`. */
export interface OutboundReports {
  report(outboundCallId: string, report: OutboundReport): Promise<OutboundReportAnswer>;
}

/** OutboundReports over HTTP with the service token. */
export function httpOutboundReports(opts: {
  baseUrl: string;
  serviceToken: string;
  timeoutMs?: number;
}): OutboundReports {
  const base = opts.baseUrl.replace(/\/+$/, '');
  return {
    async report(id, report) {
      const res = await fetch(`${base}/internal/outbound-calls/${encodeURIComponent(id)}/events`, {
        method: 'POST',
        headers: { authorization: `Bearer ${opts.serviceToken}`, 'content-type': 'application/json' },
        body: JSON.stringify(report),
        signal: AbortSignal.timeout(opts.timeoutMs ?? 5_000),
      });
      const text = await res.text();
      if (!res.ok) throw new Error(`ai-server answered ${res.status} to an outbound call report`);
      return JSON.parse(text) as OutboundReportAnswer;
    },
  };
}

/** What the agent does when answering machine detection says `answeredBy`. */
export function machineAction(
  answeredBy: string,
  voicemailMessage: string | null,
): 'leave_message' | 'hang_up' | 'continue' {
  if (answeredBy === 'fax' || answeredBy === 'machine_start') return 'hang_up';
  if (answeredBy.startsWith('machine_end')) return voicemailMessage ? 'leave_message' : 'hang_up';
  // human, unknown: the agent goes on.
  return 'continue';
}

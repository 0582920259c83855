/**
 * Holds an outbound call's opening until answering machine detection has spoken. With async AMD
 * Twilio connects the call (and its stream) at once and posts the verdict seconds later, so an agent
 * that opened straight away would talk over a voicemail greeting until the beep. The session asks
 * ai-server for the verdict (the AMD callback may reach another replica; ai-server has it either way)
 * until one arrives or `timeoutMs` passes: a person (or `unknown`, or no verdict in time) gets the
 * opening; on a machine the AMD route has already put the voicemail message or a hang-up in place,
 * so the session says nothing.
 */
import { machineAction, type OutboundReports } from './outbound-reports.ts';

/** Twilio's default MachineDetectionTimeout: by then AMD answers, `unknown` at worst. */
export const AMD_GATE_TIMEOUT_MS = 30_000;
const TERMINAL = new Set(['completed', 'busy', 'no-answer', 'failed', 'canceled']);

export type AmdWait = 'human' | 'machine' | 'no_verdict' | 'ended';

export interface AmdGateRequest {
  outboundCallId: string;
  callSid: string;
  /** The call ended meanwhile: stop asking. */
  isEnded: () => boolean;
}

export type AmdGate = (req: AmdGateRequest) => Promise<AmdWait>;

export function amdGate(
  reports: OutboundReports,
  opts: { timeoutMs?: number; pollMs?: number; onError?: (err: Error) => void } = {},
): AmdGate {
  const timeoutMs = opts.timeoutMs ?? AMD_GATE_TIMEOUT_MS;
  const pollMs = opts.pollMs ?? 250;
  return async ({ outboundCallId, callSid, isEnded }) => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (isEnded()) return 'ended';
      try {
        const answer = await reports.report(outboundCallId, { callSid });
        if (TERMINAL.has(answer.status)) return 'ended';
        if (answer.answeredBy)
          return machineAction(answer.answeredBy, answer.voicemailMessage) === 'continue'
            ? 'human'
            : 'machine';
      } catch (err) {
        // ai-server did not answer this time: ask again until the deadline.
        opts.onError?.(err as Error);
      }
      const left = deadline - Date.now();
      if (left <= 0) return 'no_verdict';
      await new Promise((r) => setTimeout(r, Math.min(pollMs, left)));
    }
  };
}

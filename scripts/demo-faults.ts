// Provider faults the offline demo can play (`pnpm demo:run --fault NAME`): each is a Realtime
// simulator fault plan, what the caller should hear, and the voice-server metric that shows it.
// The README's operations table lists the same; e2e/provider-faults.test.ts proves the behaviour.
import type { FaultPlan } from '../packages/simulators/src/openai-realtime/faults.ts';

export interface DemoFault {
  /** The simulator's fault plan, for every session from the start of the call. */
  readonly plan: FaultPlan;
  /** The fault hits the call's first Realtime session only (later sessions are healthy). */
  readonly firstSessionOnly?: boolean;
  /** What happens on the line, in a sentence. */
  readonly hears: string;
  /** The metric lines (by name prefix) that show it on voice-server's /metrics. */
  readonly metrics: readonly string[];
}

export const DEMO_FAULTS = {
  drop: {
    plan: { dropSocket: { afterAudioDeltas: 120, mode: 'terminate' } },
    firstSessionOnly: true,
    hears:
      'the Realtime socket dies mid-answer: "one moment", a new session with the conversation so far, the call goes on',
    metrics: ['voice_realtime_drops_total', 'voice_realtime_reconnects_total'],
  },
  outage: {
    plan: { acceptThenDrop: { afterMs: 50, mode: 'close-1011' } },
    hears:
      'every new Realtime socket drops: filler (at most 10 s), three reconnects, then the transfer or a callback promise',
    metrics: ['voice_realtime_drops_total', 'voice_realtime_reconnects_total'],
  },
  quota: {
    plan: { refuseSession: { code: 'insufficient_quota' } },
    hears:
      'OpenAI refuses the session (insufficient_quota): no retry, the transfer or a callback promise at once',
    metrics: ['voice_realtime_errors_total', 'voice_realtime_reconnects_total'],
  },
  malformed: {
    plan: { malformedEvents: { at: 'response' } },
    hears:
      'events of known types with broken fields are dropped and counted; the call goes on as if they never came',
    metrics: ['voice_realtime_events_dropped_total'],
  },
  oversized: {
    plan: { oversizedAudioDeltas: { bytes: 2 * 1024 * 1024 } },
    hears:
      'a 2 MB audio delta is sent to Twilio in ~100 ms pieces, each with its mark, so barge-in still cuts it where heard',
    metrics: ['voice_oversized_deltas_total', 'voice_barge_ins_total'],
  },
  'failed-response': {
    plan: { responseOutcome: { status: 'failed', count: 2 } },
    hears: 'a response fails: retried once, then a short apology from the platform; the call goes on',
    metrics: ['voice_realtime_errors_total'],
  },
  transcription: {
    plan: { transcriptionFails: true },
    hears:
      "the caller's words are not transcribed: the call goes on, and the transcript marks those turns as not transcribed",
    metrics: ['voice_calls_ended_total'],
  },
} as const satisfies Record<string, DemoFault>;

export type DemoFaultName = keyof typeof DEMO_FAULTS;

export function isDemoFault(name: string): name is DemoFaultName {
  return Object.hasOwn(DEMO_FAULTS, name);
}

/** The lines of a Prometheus text page that belong to `names` and are not zero. */
export function metricLines(page: string, names: readonly string[]): string[] {
  return page
    .split('\n')
    .filter((l) => !l.startsWith('#') && names.some((n) => l.startsWith(n)))
    .filter((l) => !/ 0$/.test(l));
}

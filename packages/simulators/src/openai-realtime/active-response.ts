import type { ItemRecord } from './conversation.ts';
import type { Sleeper } from './pacing.ts';
import type { ResponseOutcome } from './response-outcomes.ts';
import type { ResponseParams } from './response-params.ts';
import type { PlannedReply } from './scenario.ts';
import type { ResponseTiming } from './timing.ts';

export type CancelReason = 'turn_detected' | 'client_cancelled';

/** How a response stopped short of `completed` without being cancelled. */
export type ResponseEnd =
  | { status: 'failed'; outcome: Extract<ResponseOutcome, { status: 'failed' }> }
  | { status: 'incomplete'; reason: 'max_output_tokens' | 'content_filter' };

/** A response being generated, with the params it was created with. */
export interface ActiveResponse extends ResponseParams {
  id: string;
  plan: PlannedReply;
  output: ItemRecord[];
  cancel: { reason: CancelReason; lateDeltas: number } | null;
  audioMsSent: number;
  textSent: string;
  inputMsAtStart: number;
  inputTokens: { text: number; audio: number };
  sleeper: Sleeper;
  /** Realistic delays for this response; null when timing is instant. */
  timing: ResponseTiming | null;
  /** A scripted failed/incomplete end, and how much audio comes first (`half`: half the reply). */
  ending: { outcome: ResponseOutcome; atAudioMs: number | 'half' } | null;
  /** Set once the response stopped short (the scripted end, or `max_output_tokens` reached). */
  ended: ResponseEnd | null;
}

/** Output tokens so far, counted the way the simulator bills them (text tokens + 20 per audio second). */
export function outputTokensSoFar(r: ActiveResponse, tokensForText: (text: string) => number): number {
  return tokensForText(r.textSent) + Math.ceil(r.audioMsSent / 50);
}

/** Marks the response as ended by its scripted outcome. */
export function endAsScripted(r: ActiveResponse, outcome: ResponseOutcome): void {
  r.ended =
    outcome.status === 'failed'
      ? { status: 'failed', outcome }
      : { status: 'incomplete', reason: outcome.reason };
}

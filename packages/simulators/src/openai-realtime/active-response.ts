import type { ItemRecord } from './conversation.ts';
import type { Sleeper } from './pacing.ts';
import type { ResponseParams } from './response-params.ts';
import type { PlannedReply } from './scenario.ts';

export type CancelReason = 'turn_detected' | 'client_cancelled';

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
}

/**
 * What the parts of a session share: the outbox, the conversation, the scenario player, the input
 * buffer, the effective config and fault plan, the model timing, and the session-wide audio counter. The session
 * builds one and hands it to each part.
 */
import type { Conversation } from './conversation.ts';
import type { FaultPlan, SocketDropMode } from './faults.ts';
import type { InputAudioBuffer } from './input-buffer.ts';
import type { ServerEventOutbox } from './outbox.ts';
import type { SimClock } from './pacing.ts';
import type { ScenarioPlayer } from './scenario.ts';
import type { SimSessionConfig } from './session-config.ts';
import type { RealtimeSimSessionOptions } from './session-types.ts';
import type { TimingSampler } from './timing.ts';

/** The state every part of one session reads and writes. */
export interface SessionCore {
  readonly options: RealtimeSimSessionOptions;
  /** The session's id (`sess_…`), which the real API's server-error messages name. */
  readonly sessionId: string;
  /** The session's model timing (instant unless realistic timing was asked for). */
  readonly timing: TimingSampler;
  readonly clock: SimClock;
  readonly out: ServerEventOutbox;
  readonly conversation: Conversation;
  readonly player: ScenarioPlayer;
  readonly buffer: InputAudioBuffer;
  /** The effective session configuration (live, not a copy: do not modify). */
  readonly config: SimSessionConfig;
  /** The faults in force (live). */
  readonly faults: FaultPlan;
  /** `response.output_audio.delta` events sent in the session so far. */
  audioDeltasSent: number;
  /** Drops the socket (a fault). */
  dropSocket(mode: SocketDropMode): void;
}

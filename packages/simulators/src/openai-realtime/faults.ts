/**
 * Fault injection for the Realtime simulator: latency, dropped sockets, expired sessions and the
 * late-delta race after `response.cancel`. A plan can be set for the whole simulator, carried by a
 * scenario, or changed on one live session from a test.
 */

/** How a dropped socket goes away. */
export type SocketDropMode = 'terminate' | 'close-1011';

/** Faults to inject; every field is optional and absent means "no fault". */
export interface FaultPlan {
  /** Wait before every server event (order is kept). */
  eventLatencyMs?: number;
  /** Wait before the first delta of every response (model think time). */
  firstDeltaLatencyMs?: number;
  /**
   * Drop the socket after this many `response.output_audio.delta` events in the session:
   * `terminate` destroys it without a close frame, `close-1011` closes with code 1011.
   */
  dropSocket?: { afterAudioDeltas: number; mode: SocketDropMode };
  /** Send the `session_expired` error and close with 1001 this long after connecting. */
  sessionExpiresAfterMs?: number;
  /**
   * Audio deltas that still go out after a client's `response.cancel` (they were "in flight"),
   * before the cancelled `response.done`. Models the race clients must handle; default 0.
   */
  lateDeltasAfterCancel?: number;
}

/** Later plans override earlier ones field by field. */
export function mergeFaultPlans(...plans: Array<FaultPlan | undefined>): FaultPlan {
  const out: FaultPlan = {};
  for (const plan of plans) {
    if (!plan) continue;
    for (const [key, value] of Object.entries(plan)) {
      if (value !== undefined) (out as Record<string, unknown>)[key] = value;
    }
  }
  return out;
}

/** Validates a fault plan given as JSON; throws an Error naming the field. */
export function parseFaultPlan(value: unknown): FaultPlan {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new Error('expected an object');
  const obj = value as Record<string, unknown>;
  const out: FaultPlan = {};
  for (const [key, v] of Object.entries(obj)) {
    switch (key) {
      case 'eventLatencyMs':
      case 'firstDeltaLatencyMs':
      case 'sessionExpiresAfterMs':
      case 'lateDeltasAfterCancel':
        out[key] = nonNegative(v, key);
        break;
      case 'dropSocket': {
        if (typeof v !== 'object' || v === null) throw new Error('dropSocket: expected an object');
        const drop = v as Record<string, unknown>;
        const mode = drop.mode ?? 'terminate';
        if (mode !== 'terminate' && mode !== 'close-1011') {
          throw new Error("dropSocket.mode: expected 'terminate' or 'close-1011'");
        }
        out.dropSocket = {
          afterAudioDeltas: nonNegative(drop.afterAudioDeltas, 'dropSocket.afterAudioDeltas'),
          mode,
        };
        break;
      }
      default:
        throw new Error(`${key}: unknown fault`);
    }
  }
  return out;
}

function nonNegative(value: unknown, name: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw new Error(`${name}: expected a number >= 0`);
  }
  return value;
}

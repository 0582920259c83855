/**
 * Fault injection for the Realtime simulator: latency, dropped sockets, expired sessions, the
 * late-delta race after `response.cancel`, and provider faults (every new socket dropped, a session
 * refused for quota, malformed events, oversized audio deltas, failed or cut-short responses, failed
 * input transcripts, rate limits running low). A plan can be set for the whole
 * simulator, carried by a scenario, or changed on one live session from a test. All are off by default.
 */
import { isMalformedEventKind, MALFORMED_EVENT_KINDS, type MalformedEventKind } from './malformed-events.ts';
import { parseResponseOutcome, type ResponseOutcome } from './response-outcomes.ts';

/** How a dropped socket goes away. */
export type SocketDropMode = 'terminate' | 'close-1011';

/** Why a session is refused right after the upgrade (the error event's `code`). */
export type SessionRefusalCode = 'insufficient_quota';

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
  /**
   * Accept every new socket (`session.created` goes out), then drop it `afterMs` after it opened:
   * an outage where connecting works and nothing lasts.
   */
  acceptThenDrop?: { afterMs: number; mode: SocketDropMode };
  /**
   * Refuse every new session: instead of `session.created`, the `error` event the real API sends
   * (e.g. `insufficient_quota`), then a close with `closeCode` (default 1000).
   */
  refuseSession?: { code: SessionRefusalCode; closeCode?: number };
  /**
   * Send malformed events of known types (see malformed-events.ts): on `connect` (right after
   * `session.created`) or after every `response.created` (`response`). `kinds` defaults to all.
   */
  malformedEvents?: { at: 'connect' | 'response'; kinds?: MalformedEventKind[] };
  /** Send response audio in deltas of `bytes` decoded bytes each (e.g. 2 MB); a reply is never shorter. */
  oversizedAudioDeltas?: { bytes: number };
  /**
   * End responses `failed` or `incomplete` (see response-outcomes.ts): the next `count` responses of
   * each session (default: every response while the plan is in force).
   */
  responseOutcome?: ResponseOutcome & { count?: number };
  /** Every input transcription fails (`conversation.item.input_audio_transcription.failed`). */
  transcriptionFails?: boolean;
  /** What `rate_limits.updated` reports (figures not given keep the simulator's roomy defaults). */
  rateLimits?: { requests?: Partial<RateLimitFigures>; tokens?: Partial<RateLimitFigures> };
}

/** One entry of `rate_limits.updated` (GA schema `RealtimeServerEventRateLimitsUpdated`). */
export interface RateLimitFigures {
  limit: number;
  remaining: number;
  resetSeconds: number;
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
  const obj = asObject(value, 'fault plan');
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
        const drop = asObject(v, 'dropSocket');
        out.dropSocket = {
          afterAudioDeltas: nonNegative(drop.afterAudioDeltas, 'dropSocket.afterAudioDeltas'),
          mode: dropMode(drop.mode, 'dropSocket.mode'),
        };
        break;
      }
      case 'acceptThenDrop': {
        const drop = asObject(v, 'acceptThenDrop');
        out.acceptThenDrop = {
          afterMs: nonNegative(drop.afterMs, 'acceptThenDrop.afterMs'),
          mode: dropMode(drop.mode, 'acceptThenDrop.mode'),
        };
        break;
      }
      case 'refuseSession': {
        const refuse = asObject(v, 'refuseSession');
        if (refuse.code !== 'insufficient_quota')
          throw new Error("refuseSession.code: expected 'insufficient_quota'");
        out.refuseSession = { code: refuse.code };
        if (refuse.closeCode !== undefined) out.refuseSession.closeCode = closeCode(refuse.closeCode);
        break;
      }
      case 'malformedEvents': {
        const m = asObject(v, 'malformedEvents');
        if (m.at !== 'connect' && m.at !== 'response') {
          throw new Error("malformedEvents.at: expected 'connect' or 'response'");
        }
        out.malformedEvents = { at: m.at };
        if (m.kinds !== undefined) {
          if (!Array.isArray(m.kinds) || !m.kinds.every(isMalformedEventKind)) {
            throw new Error(`malformedEvents.kinds: expected some of ${MALFORMED_EVENT_KINDS.join(', ')}`);
          }
          out.malformedEvents.kinds = m.kinds;
        }
        break;
      }
      case 'oversizedAudioDeltas': {
        const o = asObject(v, 'oversizedAudioDeltas');
        const bytes = nonNegative(o.bytes, 'oversizedAudioDeltas.bytes');
        if (!Number.isInteger(bytes) || bytes < 1)
          throw new Error('oversizedAudioDeltas.bytes: expected an integer >= 1');
        out.oversizedAudioDeltas = { bytes };
        break;
      }
      case 'responseOutcome': {
        const o = asObject(v, 'responseOutcome');
        const { count, ...outcome } = o;
        out.responseOutcome = parseResponseOutcome(outcome, 'responseOutcome');
        if (count !== undefined) {
          if (typeof count !== 'number' || !Number.isInteger(count) || count < 1)
            throw new Error('responseOutcome.count: expected an integer >= 1');
          out.responseOutcome.count = count;
        }
        break;
      }
      case 'transcriptionFails':
        if (typeof v !== 'boolean') throw new Error('transcriptionFails: expected a boolean');
        out.transcriptionFails = v;
        break;
      case 'rateLimits':
        out.rateLimits = parseRateLimits(v);
        break;
      default:
        throw new Error(`${key}: unknown fault`);
    }
  }
  return out;
}

function parseRateLimits(value: unknown): NonNullable<FaultPlan['rateLimits']> {
  const obj = asObject(value, 'rateLimits');
  const out: NonNullable<FaultPlan['rateLimits']> = {};
  for (const [name, figures] of Object.entries(obj)) {
    if (name !== 'requests' && name !== 'tokens') throw new Error(`rateLimits.${name}: unknown field`);
    const f = asObject(figures, `rateLimits.${name}`);
    const parsed: Partial<RateLimitFigures> = {};
    for (const [k, n] of Object.entries(f)) {
      if (k !== 'limit' && k !== 'remaining' && k !== 'resetSeconds')
        throw new Error(`rateLimits.${name}.${k}: unknown field`);
      parsed[k] = nonNegative(n, `rateLimits.${name}.${k}`);
    }
    out[name] = parsed;
  }
  return out;
}

function asObject(value: unknown, name: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new Error(name === 'fault plan' ? 'expected an object' : `${name}: expected an object`);
  }
  return value as Record<string, unknown>;
}

function dropMode(value: unknown, name: string): SocketDropMode {
  const mode = value ?? 'terminate';
  if (mode !== 'terminate' && mode !== 'close-1011')
    throw new Error(`${name}: expected 'terminate' or 'close-1011'`);
  return mode;
}

/** Close codes a server may send (RFC 6455 section 7.4: 1000-1003, 1007-1014, 3000-4999). */
function closeCode(value: unknown): number {
  const ok =
    typeof value === 'number' &&
    Number.isInteger(value) &&
    ((value >= 1000 && value <= 1003) ||
      (value >= 1007 && value <= 1014) ||
      (value >= 3000 && value <= 4999));
  if (!ok) throw new Error('refuseSession.closeCode: expected a WebSocket close code a server may send');
  return value as number;
}

function nonNegative(value: unknown, name: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw new Error(`${name}: expected a number >= 0`);
  }
  return value;
}

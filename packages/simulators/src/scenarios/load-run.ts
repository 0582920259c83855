/**
 * Load: N concurrent calls, started over a ramp, each asking a question, listening to the answer and
 * asking again until its time is up, then hanging up. Reports reply latency percentiles, frames the
 * generator dropped (a lagging generator measures itself, not the server), and failed calls by cause.
 */

import type { CallerScriptStep } from '../twilio/caller-script.ts';
import { createFrameTicker } from '../twilio/frame-ticker.ts';
import { placeCall, type SimulatedCall } from '../twilio/simulated-call.ts';
import { newSid } from '../twilio/webhook-form.ts';
import type { RunTarget } from './run-scenario.ts';
import { unusableTarget } from './run-scenario.ts';

export interface LoadOptions {
  calls: number;
  /** How long each call lasts once placed. */
  seconds: number;
  /** Calls start evenly over this many seconds (0: together, 20 ms apart). */
  rampSeconds: number;
  /** The question the callers ask, as line audio. */
  question: Uint8Array;
  /** The simulated model's answer (used on the simulators). */
  answer: string;
  quietMs?: number;
  onProgress?: (p: LoadProgress) => void;
}

/** Where a load run is. */
export interface LoadProgress {
  placed: number;
  live: number;
  finished: number;
  elapsedMs: number;
  totalMs: number;
  turns: number;
}

/** Latency figures, ms. */
export interface Percentiles {
  count: number;
  p50?: number;
  p90?: number;
  p99?: number;
  max?: number;
}

export interface LoadResult {
  calls: number;
  completed: number;
  /** Failed calls by cause. */
  failures: Record<string, number>;
  replyLatencyMs: Percentiles;
  /** Caller turns that got no answer. */
  unanswered: number;
  /** Frames the load generator could not send in time (ticker skips). */
  droppedFrames: number;
  /** The generator's worst lag behind its 20 ms schedule. */
  generatorMaxLagMs: number;
  protocolErrors: number;
  durationMs: number;
}

/** Runs the load; resolves when every call has ended. */
export async function runLoad(target: RunTarget, opts: LoadOptions): Promise<LoadResult> {
  const started = performance.now();
  const ticker = createFrameTicker();
  const quietMs = opts.quietMs ?? 800;
  if (target.access) await target.access.beginCall({ default: opts.answer, turns: [] });
  const callMs = opts.seconds * 1000;
  const totalMs = opts.rampSeconds * 1000 + callMs;
  const calls: SimulatedCall[] = [];
  const failures: Record<string, number> = {};
  let placed = 0;
  let finished = 0;
  const progress = setInterval(() => {
    opts.onProgress?.({
      placed,
      live: placed - finished,
      finished,
      elapsedMs: performance.now() - started,
      totalMs,
      turns: calls.reduce((n, c) => n + c.turns.length, 0),
    });
  }, 500);

  const one = async (i: number): Promise<void> => {
    await new Promise((r) =>
      setTimeout(r, opts.rampSeconds > 0 ? (i * opts.rampSeconds * 1000) / opts.calls : i * 20),
    );
    placed++;
    try {
      const call = await placeCall({
        voiceServerUrl: target.voiceServerUrl,
        ...(target.publicBaseUrl ? { publicBaseUrl: target.publicBaseUrl } : {}),
        authToken: target.authToken,
        accountSid: target.accountSid,
        from: target.from,
        to: target.to,
        callSid: newSid('CA'),
        ticker,
        recordAudio: false,
        source: loopScript(opts.question, quietMs, callMs),
      });
      calls.push(call);
      const cap = setTimeout(() => void call.hangup(), callMs);
      const end = await call.ended;
      clearTimeout(cap);
      if (end.reason !== 'caller_hangup') {
        const cause = unusableTarget(call, end, target.voiceServerUrl) ?? `ended early: ${end.reason}`;
        failures[cause] = (failures[cause] ?? 0) + 1;
      }
    } catch (err) {
      const cause = (err as Error).message;
      failures[cause] = (failures[cause] ?? 0) + 1;
    } finally {
      finished++;
    }
  };
  await Promise.all(Array.from({ length: opts.calls }, (_, i) => one(i)));
  clearInterval(progress);
  const stats = ticker.stats();
  ticker.close();
  const latencies = calls.flatMap((c) =>
    c.turns.flatMap((t) => (t.responseLatencyMs === undefined ? [] : [t.responseLatencyMs])),
  );
  // the last turn of a call may be cut by its hang-up: only earlier turns count as unanswered
  const unanswered = calls.reduce(
    (n, c) => n + c.turns.slice(0, -1).filter((t) => t.responseLatencyMs === undefined).length,
    0,
  );
  return {
    calls: opts.calls,
    completed: opts.calls - Object.values(failures).reduce((a, b) => a + b, 0),
    failures,
    replyLatencyMs: percentiles(latencies),
    unanswered,
    droppedFrames: stats.skippedFrames,
    generatorMaxLagMs: stats.maxLagMs,
    protocolErrors: calls.reduce((n, c) => n + c.protocolErrors.length, 0),
    durationMs: performance.now() - started,
  };
}

/** Ask, wait for the answer and a quiet line, ask again: enough rounds to fill the call. */
function loopScript(
  question: Uint8Array,
  quietMs: number,
  callMs: number,
): CallerScriptStep<SimulatedCall>[] {
  const waitQuiet = (): CallerScriptStep<SimulatedCall> => {
    let quietSince: number | undefined;
    let turnsAtStart: number | undefined;
    return {
      timeoutMs: 20_000,
      until: (call) => {
        turnsAtStart ??= call.turns.length;
        const last = call.turns.at(-1);
        const answered = turnsAtStart === 0 ? call.heardMs > 0 : last?.responseLatencyMs !== undefined;
        if (call.isHearingAudio || !answered) {
          quietSince = undefined;
          return false;
        }
        quietSince ??= call.nowMs();
        return call.nowMs() - quietSince >= quietMs;
      },
    };
  };
  const rounds = Math.ceil(callMs / (question.length / 8 + quietMs)) + 1;
  const steps: CallerScriptStep<SimulatedCall>[] = [waitQuiet()];
  for (let i = 0; i < rounds; i++) steps.push({ audio: question, label: `question ${i + 1}` }, waitQuiet());
  return steps;
}

/** Nearest-rank percentiles. */
export function percentiles(values: number[]): Percentiles {
  if (values.length === 0) return { count: 0 };
  const sorted = [...values].sort((a, b) => a - b);
  const at = (p: number) =>
    sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
  return { count: values.length, p50: at(50), p90: at(90), p99: at(99), max: sorted.at(-1)! };
}

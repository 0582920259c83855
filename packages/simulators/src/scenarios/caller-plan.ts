/**
 * A scenario's caller turns as a caller script: before each turn the caller listens until the agent
 * has answered the previous one and the line has been quiet for `quietMs` (or, for an interruption,
 * until the answer has played for `afterMs`), then speaks, presses keys, coughs or stays silent. Each
 * turn's times are noted as the call runs, for the reports.
 */
import type { CallerScriptStep } from '../twilio/caller-script.ts';
import { FRAME_MS } from '../twilio/frame-ticker.ts';
import type { SimulatedCall } from '../twilio/simulated-call.ts';
import type { CallerTurn, CallScenario } from './scenario-types.ts';

/** What a turn does, in one word. */
export type TurnKind = 'say' | 'wav' | 'dtmf' | 'silence' | 'noise' | 'pause' | 'hangup';

/** One turn as it happened, in call time (ms since the call was placed). */
export interface TurnTiming {
  index: number;
  kind: TurnKind;
  label: string;
  /** When the caller began and finished the turn. */
  startMs?: number;
  endMs?: number;
  /** The label of the utterance in the call's turn reports (spoken turns). */
  utterance?: string;
  /** Set when the caller gave up waiting before this turn (e.g. no answer came). */
  waitNote?: string;
}

/** Timings the plan needs. */
export interface PlanOptions {
  quietMs: number;
  /** Longest wait for the greeting, and for each answer. */
  greetingTimeoutMs: number;
  replyTimeoutMs: number;
  /** After the last turn, how long the caller stays on the line for the agent to end the call. */
  endGraceMs: number;
}

/** The caller script and the timings it fills in. */
export interface CallerPlan {
  steps: CallerScriptStep<SimulatedCall>[];
  timings: TurnTiming[];
}

/** A turn that makes the agent answer. */
const ANSWERED: ReadonlySet<TurnKind> = new Set(['say', 'wav', 'dtmf']);

export function turnKind(turn: CallerTurn): TurnKind {
  if ('say' in turn) return 'say';
  if ('wav' in turn) return 'wav';
  if ('dtmf' in turn) return 'dtmf';
  if ('silenceMs' in turn) return 'silence';
  if ('noiseMs' in turn) return 'noise';
  if ('pauseMs' in turn) return 'pause';
  return 'hangup';
}

export function turnLabel(turn: CallerTurn): string {
  if (turn.label) return turn.label;
  if ('say' in turn) return turn.say;
  if ('wav' in turn) return turn.wav;
  if ('dtmf' in turn) return `keys ${turn.dtmf}`;
  if ('silenceMs' in turn) return `silent for up to ${(turn.silenceMs / 1000).toFixed(1)} s`;
  if ('noiseMs' in turn) return `noise ${turn.noiseMs} ms`;
  if ('pauseMs' in turn) return `pause ${turn.pauseMs} ms`;
  return 'hangs up';
}

/**
 * Compiles the caller's side. `audio` holds each spoken turn's mu-law audio by turn index (say and
 * wav turns); noise turns are rendered here.
 */
export function planCaller(
  scenario: CallScenario,
  audio: ReadonlyMap<number, Uint8Array>,
  opts: PlanOptions,
): CallerPlan {
  const steps: CallerScriptStep<SimulatedCall>[] = [];
  const timings: TurnTiming[] = scenario.turns.map((turn, index) => ({
    index,
    kind: turnKind(turn),
    label: turnLabel(turn),
  }));
  const heard = new HeardIndex();
  /** When the answer to the previous turn began to be heard (undefined: not yet). */
  let answerStart: (call: SimulatedCall) => number | undefined = (call) => heard.firstAfter(call, 0);
  let expectsAnswer = true;
  let previous: TurnTiming | undefined;
  let hungUp = false;

  const waitFor = (timing: TurnTiming | undefined, interrupt: { afterMs: number } | undefined) => {
    const started = answerStart;
    const answered = expectsAnswer;
    const timeoutMs = previous ? opts.replyTimeoutMs : opts.greetingTimeoutMs;
    let deadline: number | undefined;
    steps.push({
      timeoutMs: timeoutMs + 60_000,
      until: (call) => {
        const now = call.nowMs();
        deadline ??= now + timeoutMs;
        const begun = started(call);
        const ready = interrupt
          ? begun !== undefined && now >= begun + interrupt.afterMs
          : (!answered || begun !== undefined) && heard.quietFor(call) >= opts.quietMs;
        if (ready) return true;
        if (now < deadline) return false;
        if (timing)
          timing.waitNote =
            begun === undefined && answered
              ? `no answer was heard within ${timeoutMs} ms, so the caller went on`
              : `the line was not quiet for ${opts.quietMs} ms within ${timeoutMs} ms, so the caller went on`;
        return true;
      },
    });
  };
  const mark = (fn: (call: SimulatedCall) => void) =>
    steps.push({
      until: (call) => {
        fn(call);
        return true;
      },
    });

  scenario.turns.forEach((turn, index) => {
    const timing = timings[index]!;
    const interrupt = 'interrupt' in turn ? turn.interrupt : undefined;
    if (timing.kind === 'pause') {
      steps.push({ pauseMs: (turn as { pauseMs: number }).pauseMs });
      return;
    }
    if (timing.kind === 'hangup') {
      waitFor(timing, undefined);
      steps.push({ hangup: true });
      hungUp = true;
      return;
    }
    waitFor(timing, interrupt);
    if (timing.kind === 'say' || timing.kind === 'wav') {
      const utterance = `#${index} ${timing.label}`;
      timing.utterance = utterance;
      steps.push({ audio: audio.get(index)!, label: utterance });
      answerStart = (call) => {
        const report = call.turns.find((t) => t.label === utterance);
        if (report) {
          timing.startMs = report.startMs;
          if (report.endMs !== undefined) timing.endMs = report.endMs;
        }
        return report?.endMs !== undefined && report.responseLatencyMs !== undefined
          ? report.endMs + report.responseLatencyMs
          : undefined;
      };
    } else if (timing.kind === 'noise') {
      const noiseMs = (turn as { noiseMs: number }).noiseMs;
      mark((call) => (timing.startMs = call.nowMs()));
      steps.push({ audio: { noiseMs, seed: index + 1 }, label: `#${index} ${timing.label}` });
      mark((call) => (timing.endMs = call.nowMs()));
    } else if (timing.kind === 'dtmf') {
      const digits = (turn as { dtmf: string }).dtmf;
      mark((call) => (timing.startMs = call.nowMs()));
      steps.push({ dtmf: digits });
      mark((call) => (timing.endMs = call.nowMs() + FRAME_MS));
      answerStart = (call) => (timing.endMs === undefined ? undefined : heard.firstAfter(call, timing.endMs));
    } else {
      mark((call) => (timing.startMs = call.nowMs()));
      steps.push({ pauseMs: (turn as { silenceMs: number }).silenceMs });
      mark((call) => (timing.endMs = call.nowMs()));
    }
    if (timing.kind !== 'noise') expectsAnswer = ANSWERED.has(timing.kind);
    previous = timing;
  });
  if (!hungUp) {
    waitFor(undefined, undefined);
    steps.push({ pauseMs: opts.endGraceMs });
    steps.push({ hangup: true });
  }
  return { steps, timings };
}

/** What the caller heard, indexed as it grows: when the line went quiet, the first audio after a time. */
export class HeardIndex {
  private scanned = 0;
  private lastEndMs = 0;
  private readonly starts: number[] = [];

  private update(call: SimulatedCall): void {
    const chunks = call.heard;
    for (; this.scanned < chunks.length; this.scanned++) {
      const chunk = chunks[this.scanned]!;
      this.starts.push(chunk.atMs);
      this.lastEndMs = Math.max(this.lastEndMs, chunk.atMs + chunk.audio.length / 8);
    }
  }

  /** How long nothing has been heard. */
  quietFor(call: SimulatedCall): number {
    this.update(call);
    if (call.isHearingAudio) return 0;
    return call.nowMs() - this.lastEndMs;
  }

  /** When the first audio at or after `ms` was heard. */
  firstAfter(call: SimulatedCall, ms: number): number | undefined {
    this.update(call);
    // chunks are in time order: binary search
    let lo = 0;
    let hi = this.starts.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.starts[mid]! < ms) lo = mid + 1;
      else hi = mid;
    }
    return this.starts[lo];
  }
}

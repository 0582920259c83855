/**
 * Latency probes for the "no request can stall a service" tests: routes polled on their own timers
 * while some work runs, each request timed, with the time the main thread spent waiting for a CPU
 * during it. On a shared machine other processes can keep this process waiting for a CPU for hundreds
 * of milliseconds, which no code here can prevent; Linux reports that wait per thread
 * (/proc/<pid>/task/<tid>/schedstat), so a figure "less CPU waits" is what this process itself cost.
 */
import { readFileSync } from 'node:fs';

/** Time (ms) the main thread has waited runnable for a CPU, or undefined where the OS does not say. */
export function mainThreadRunQueueMs(): number | undefined {
  try {
    const [, waitNs] = readFileSync(`/proc/self/task/${process.pid}/schedstat`, 'utf8').split(' ');
    const ms = Number(waitNs) / 1e6;
    return Number.isFinite(ms) ? ms : undefined;
  } catch {
    return undefined;
  }
}

export interface Probe {
  name: string;
  /** One request; throws when the answer is wrong (the probe fails the test). */
  request(): Promise<void>;
  /** Time between the starts of two requests. */
  everyMs: number;
}

export interface ProbeFigures {
  name: string;
  requests: number;
  /** Latency of each request, wall clock. */
  wallMs: number[];
  /** Latency of each request less the time the main thread waited for a CPU during it. */
  ownMs: number[];
  /** Longest time between two answers (wall, and less CPU waits). */
  worstGapMs: number;
  worstOwnGapMs: number;
}

const percentile = (xs: readonly number[], p: number): number => {
  if (!xs.length) return 0;
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
};
export const median = (xs: readonly number[]) => percentile(xs, 50);
export const over = (xs: readonly number[], ms: number) => xs.filter((x) => x > ms).length;

/** Runs every probe on its timer until `work` settles; returns each probe's figures. */
export async function probeWhile(work: Promise<unknown>, probes: readonly Probe[]): Promise<ProbeFigures[]> {
  let done = false;
  void work.finally(() => {
    done = true;
  });
  const results = await Promise.all(
    probes.map(async (probe) => {
      const figures: ProbeFigures = {
        name: probe.name,
        requests: 0,
        wallMs: [],
        ownMs: [],
        worstGapMs: 0,
        worstOwnGapMs: 0,
      };
      let last = performance.now();
      let lastWait = mainThreadRunQueueMs();
      while (!done) {
        const started = performance.now();
        const waitBefore = mainThreadRunQueueMs();
        await probe.request();
        const now = performance.now();
        const wait = mainThreadRunQueueMs();
        const waited = (from: number | undefined) =>
          wait === undefined || from === undefined ? 0 : wait - from;
        figures.wallMs.push(now - started);
        figures.ownMs.push(now - started - waited(waitBefore));
        figures.worstGapMs = Math.max(figures.worstGapMs, now - last);
        figures.worstOwnGapMs = Math.max(figures.worstOwnGapMs, now - last - waited(lastWait));
        figures.requests++;
        last = now;
        lastWait = wait;
        await new Promise((r) => setTimeout(r, Math.max(0, probe.everyMs - (now - started))));
      }
      return figures;
    }),
  );
  await work;
  return results;
}

/** One line of figures for the test output. */
export function describeFigures(f: ProbeFigures): string {
  const r = (x: number) => Math.round(x);
  return (
    `${f.name}: ${f.requests} requests, median ${r(median(f.wallMs))} ms (${r(median(f.ownMs))} less CPU waits), ` +
    `p95 ${r(percentile(f.wallMs, 95))} ms, max ${r(Math.max(0, ...f.wallMs))} ms ` +
    `(${r(Math.max(0, ...f.ownMs))}); over 200 ms: ${over(f.wallMs, 200)} (${over(f.ownMs, 200)} less CPU waits); ` +
    `worst gap ${r(f.worstGapMs)} ms (${r(f.worstOwnGapMs)})`
  );
}

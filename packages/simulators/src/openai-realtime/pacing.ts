/**
 * Time for the simulator: an injectable clock, and the pacing of response deltas
 * (real time, a speed factor, or burst = as fast as the socket takes them).
 */

/** Clock used for timestamps, pacing and session timers. */
export interface SimClock {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

/** The process clock. */
export const systemClock: SimClock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

/**
 * How fast response deltas go out: `realtime` (one audio chunk per chunk duration), `burst`
 * (no waiting, like the real API which generates faster than real time), or a speed factor
 * (2 = twice real time).
 */
export type Pacing = 'realtime' | 'burst' | number;

/** Milliseconds of wall time one `audioMs` of audio takes under `pacing` (0 for burst). */
export function pacedDurationMs(pacing: Pacing, audioMs: number): number {
  if (pacing === 'burst') return 0;
  const factor = pacing === 'realtime' ? 1 : pacing;
  return factor > 0 ? audioMs / factor : 0;
}

/** A sleep that `wake()` can end early (used so a cancel never waits for a paced delta). */
export class Sleeper {
  private wakeCurrent: (() => void) | null = null;
  private readonly clock: SimClock;

  constructor(clock: SimClock) {
    this.clock = clock;
  }

  /** Waits `ms` on the clock, or one macrotask turn when `ms` is 0 so socket input gets processed. */
  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      let handle: unknown = null;
      let immediate: ReturnType<typeof setImmediate> | null = null;
      const done = () => {
        if (handle !== null) this.clock.clearTimeout(handle);
        if (immediate !== null) clearImmediate(immediate);
        this.wakeCurrent = null;
        resolve();
      };
      this.wakeCurrent = done;
      if (ms > 0) handle = this.clock.setTimeout(done, ms);
      else immediate = setImmediate(done);
    });
  }

  /** Ends the current sleep now. */
  wake(): void {
    this.wakeCurrent?.();
  }
}

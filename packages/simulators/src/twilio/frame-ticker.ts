/**
 * The 20 ms frame clock of simulated phone lines. One ticker drives any number of calls: every tick
 * each subscribed call sends one media frame and advances its playback model, so 300 calls cost one
 * timer, not 300. Time is "media time" in milliseconds: real time × `speed`, or whatever a manual
 * ticker has been advanced to.
 */

/** Length of one Twilio media frame (160 mu-law bytes). */
export const FRAME_MS = 20;

/** Called once per frame with the frame's media time in ms (a multiple of {@link FRAME_MS}). */
export type FrameListener = (frameMs: number) => void;

/** Counters a benchmark reads to see whether the process kept up with real time. */
export interface FrameTickerStats {
  /** Frames dispatched so far. */
  frames: number;
  /** Worst lateness of a frame behind its scheduled time, in media ms. */
  maxLagMs: number;
  /** Frames dropped because the process fell more than `maxCatchUpFrames` behind. */
  skippedFrames: number;
  /** Listener calls that threw (the ticker keeps going). */
  listenerErrors: number;
}

/** A shared frame clock; see {@link createFrameTicker} and {@link createManualTicker}. */
export interface FrameTicker {
  /** Media time now, in ms; monotonic. Inside a listener it is that frame's time. */
  nowMs(): number;
  /** Calls `listener` on every frame from the next one on; returns the unsubscribe function. */
  subscribe(listener: FrameListener): () => void;
  /** Number of current subscribers. */
  readonly subscriberCount: number;
  /** True after `close()`. */
  readonly isClosed: boolean;
  stats(): FrameTickerStats;
  /** Stops the ticker; subscribers get no more frames. */
  close(): void;
}

/** A wall clock and timers, injectable for tests (e.g. vitest fake timers). */
export interface WallClock {
  /** Monotonic milliseconds. */
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

/** `performance.now()` and the global timers (unref'd, so an idle ticker never holds the process). */
export const systemWallClock: WallClock = {
  now: () => performance.now(),
  setTimeout: (fn, ms) => {
    const handle = setTimeout(fn, ms);
    handle.unref?.();
    return handle;
  },
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

export interface FrameTickerOptions {
  /** Media time per wall time: 1 = real time (default), 10 = ten times faster. */
  speed?: number;
  clock?: WallClock;
  /**
   * When the process stalls, up to this many overdue frames are dispatched at once (so the frame
   * count matches elapsed time); beyond it frames are skipped and counted. Default 50 (1 s).
   */
  maxCatchUpFrames?: number;
}

abstract class BaseTicker implements FrameTicker {
  protected readonly listeners = new Set<FrameListener>();
  protected readonly counters: FrameTickerStats = {
    frames: 0,
    maxLagMs: 0,
    skippedFrames: 0,
    listenerErrors: 0,
  };
  protected closed = false;
  /** Set while dispatching, so listeners all see the frame's own time. */
  protected dispatchingMs: number | null = null;
  protected lastFrameMs = 0;

  abstract nowMs(): number;
  protected abstract onFirstSubscriber(): void;
  protected abstract onLastUnsubscribed(): void;

  get subscriberCount(): number {
    return this.listeners.size;
  }

  get isClosed(): boolean {
    return this.closed;
  }

  subscribe(listener: FrameListener): () => void {
    if (this.closed) return () => {};
    // Wrapped so the same function may subscribe twice and each unsubscribe removes its own entry.
    const entry: FrameListener = (ms) => listener(ms);
    this.listeners.add(entry);
    if (this.listeners.size === 1) this.onFirstSubscriber();
    return () => {
      if (this.listeners.delete(entry) && this.listeners.size === 0) this.onLastUnsubscribed();
    };
  }

  stats(): FrameTickerStats {
    return { ...this.counters };
  }

  close(): void {
    this.closed = true;
    this.listeners.clear();
    this.onLastUnsubscribed();
  }

  protected dispatch(frameMs: number): void {
    this.dispatchingMs = frameMs;
    this.lastFrameMs = frameMs;
    this.counters.frames++;
    for (const listener of this.listeners) {
      try {
        listener(frameMs);
      } catch {
        this.counters.listenerErrors++;
      }
    }
    this.dispatchingMs = null;
  }
}

class RealtimeTicker extends BaseTicker {
  private readonly speed: number;
  private readonly clock: WallClock;
  private readonly maxCatchUpFrames: number;
  private readonly originWallMs: number;
  private nextFrame = 0;
  private timer: unknown = null;

  constructor(opts: FrameTickerOptions) {
    super();
    const speed = opts.speed ?? 1;
    if (!(speed > 0) || !Number.isFinite(speed)) throw new RangeError('speed must be a positive number');
    this.speed = speed;
    this.clock = opts.clock ?? systemWallClock;
    this.maxCatchUpFrames = Math.max(1, opts.maxCatchUpFrames ?? 50);
    this.originWallMs = this.clock.now();
  }

  private continuousMs(): number {
    return (this.clock.now() - this.originWallMs) * this.speed;
  }

  nowMs(): number {
    if (this.dispatchingMs !== null) return this.dispatchingMs;
    return Math.max(this.lastFrameMs, this.continuousMs());
  }

  protected onFirstSubscriber(): void {
    // Frames stay on one grid (multiples of FRAME_MS since the origin) however often the ticker idles.
    this.nextFrame = Math.floor(this.continuousMs() / FRAME_MS) + 1;
    this.schedule();
  }

  protected onLastUnsubscribed(): void {
    if (this.timer !== null) this.clock.clearTimeout(this.timer);
    this.timer = null;
  }

  private schedule(): void {
    // Aim at the frame's absolute time, so timer lateness never accumulates into drift.
    const dueWallMs = (this.nextFrame * FRAME_MS) / this.speed;
    const delayMs = Math.max(0, dueWallMs - (this.clock.now() - this.originWallMs));
    this.timer = this.clock.setTimeout(() => this.onTimer(), delayMs);
  }

  private onTimer(): void {
    this.timer = null;
    if (this.closed || this.listeners.size === 0) return;
    const now = this.continuousMs();
    let fired = 0;
    while (this.nextFrame * FRAME_MS <= now && this.listeners.size > 0) {
      if (fired >= this.maxCatchUpFrames) {
        const resumeAt = Math.floor(now / FRAME_MS) + 1;
        this.counters.skippedFrames += resumeAt - this.nextFrame;
        this.nextFrame = resumeAt;
        break;
      }
      const frameMs = this.nextFrame * FRAME_MS;
      const lag = now - frameMs;
      if (lag > this.counters.maxLagMs) this.counters.maxLagMs = lag;
      this.dispatch(frameMs);
      this.nextFrame++;
      fired++;
    }
    if (!this.closed && this.listeners.size > 0 && this.timer === null) this.schedule();
  }
}

/**
 * A drift-free frame ticker on a wall clock: frame n fires at origin + n × 20 ms / speed, whatever the
 * timer lateness of frame n−1. It runs a timer only while it has subscribers.
 */
export function createFrameTicker(opts: FrameTickerOptions = {}): FrameTicker {
  return new RealtimeTicker(opts);
}

/** A ticker that only moves when told: for deterministic tests. */
export interface ManualFrameTicker extends FrameTicker {
  /** Moves media time forward by `ms`, dispatching every frame on the way, synchronously. */
  advance(ms: number): void;
  /**
   * Resolves with `promise`, moving media time a frame at a time (yielding to I/O between frames)
   * while it is pending: for waits that take call time, such as a `<Say>`.
   */
  runUntil<T>(promise: Promise<T>, maxMs?: number): Promise<T>;
}

class ManualTicker extends BaseTicker implements ManualFrameTicker {
  private currentMs = 0;

  nowMs(): number {
    return this.dispatchingMs ?? this.currentMs;
  }

  protected onFirstSubscriber(): void {}
  protected onLastUnsubscribed(): void {}

  advance(ms: number): void {
    if (!(ms >= 0) || !Number.isFinite(ms)) throw new RangeError('advance needs a non-negative number of ms');
    const target = this.currentMs + ms;
    let next = (Math.floor(this.currentMs / FRAME_MS) + 1) * FRAME_MS;
    while (next <= target && !this.closed) {
      this.currentMs = next;
      this.dispatch(next);
      next += FRAME_MS;
    }
    this.currentMs = target;
  }

  async runUntil<T>(promise: Promise<T>, maxMs = 600_000): Promise<T> {
    let settled = false;
    const watched = promise.finally(() => {
      settled = true;
    });
    watched.catch(() => {});
    for (let movedMs = 0; !settled && movedMs < maxMs && !this.closed; movedMs += FRAME_MS) {
      this.advance(FRAME_MS);
      await new Promise((r) => setImmediate(r));
    }
    return watched;
  }
}

/** A ticker whose time moves only through `advance(ms)`. */
export function createManualTicker(): ManualFrameTicker {
  return new ManualTicker();
}

let shared: FrameTicker | undefined;

/** The process-wide real-time ticker that calls use when given no ticker or speed. */
export function sharedFrameTicker(): FrameTicker {
  if (!shared || shared.isClosed) shared = createFrameTicker();
  return shared;
}

import { afterEach, describe, expect, it } from 'vitest';
import {
  createFrameTicker,
  createManualTicker,
  FRAME_MS,
  type FrameTicker,
  type WallClock,
} from './frame-ticker.ts';

/** A wall clock the test moves by hand; timers fire in due order. */
function fakeWall() {
  let now = 1000;
  let nextId = 1;
  const timers = new Map<number, { at: number; fn: () => void }>();
  const delays: number[] = [];
  const clock: WallClock = {
    now: () => now,
    setTimeout: (fn, ms) => {
      delays.push(ms);
      const id = nextId++;
      timers.set(id, { at: now + ms, fn });
      return id;
    },
    clearTimeout: (h) => {
      timers.delete(h as number);
    },
  };
  /** Moves time to `target`, firing due timers; `lateMs` models event-loop lateness of each timer. */
  const runTo = (target: number, lateMs = 0) => {
    for (;;) {
      const due = [...timers.entries()].sort((a, b) => a[1].at - b[1].at)[0];
      if (!due || due[1].at + lateMs > target) break;
      timers.delete(due[0]);
      now = Math.max(now, due[1].at + lateMs);
      due[1].fn();
    }
    now = target;
  };
  return { clock, runTo, delays, pending: () => timers.size };
}

let ticker: FrameTicker | undefined;
afterEach(() => ticker?.close());

describe('createFrameTicker', () => {
  it('fires frames on a fixed grid: timer lateness does not accumulate', () => {
    const wall = fakeWall();
    ticker = createFrameTicker({ clock: wall.clock });
    const frames: number[] = [];
    ticker.subscribe((ms) => frames.push(ms));
    // Every timer fires 7 ms late; a chained 20 ms timer would drift 7 ms per frame.
    wall.runTo(1000 + 1000, 7);
    expect(frames.length).toBeGreaterThanOrEqual(49);
    expect(frames.length).toBeLessThanOrEqual(50);
    expect(frames.every((ms, i) => ms === (i + 1) * FRAME_MS)).toBe(true);
    // After the first frame, each delay is shortened to make up for the lateness.
    expect(wall.delays.slice(1).every((d) => d <= FRAME_MS - 7 + 1e-9)).toBe(true);
  });

  it('runs speed times faster in media time', () => {
    const wall = fakeWall();
    ticker = createFrameTicker({ clock: wall.clock, speed: 10 });
    const frames: number[] = [];
    ticker.subscribe((ms) => frames.push(ms));
    wall.runTo(1000 + 100);
    expect(frames).toHaveLength(50);
    expect(frames.at(-1)).toBe(1000);
  });

  it('catches up after a stall, then skips beyond the limit and counts it', () => {
    const wall = fakeWall();
    ticker = createFrameTicker({ clock: wall.clock, maxCatchUpFrames: 5 });
    const frames: number[] = [];
    ticker.subscribe((ms) => frames.push(ms));
    wall.runTo(1000 + 95, 75); // the first timer fires 75 ms late: frames 20..80 are overdue
    expect(frames).toEqual([20, 40, 60, 80]);
    wall.runTo(1000 + 400, 300);
    const stats = ticker.stats();
    expect(stats.skippedFrames).toBeGreaterThan(0);
    expect(stats.maxLagMs).toBeGreaterThanOrEqual(60);
    expect(stats.frames).toBe(frames.length);
  });

  it('shares one timer between subscribers and stops it when the last leaves', () => {
    const wall = fakeWall();
    ticker = createFrameTicker({ clock: wall.clock });
    const a: number[] = [];
    const b: number[] = [];
    const offA = ticker.subscribe((ms) => a.push(ms));
    const offB = ticker.subscribe((ms) => b.push(ms));
    wall.runTo(1100);
    expect(wall.pending()).toBe(1);
    expect(a).toEqual(b);
    offA();
    offB();
    expect(wall.pending()).toBe(0);
    expect(ticker.subscriberCount).toBe(0);
  });

  it('keeps dispatching when a listener throws', () => {
    const wall = fakeWall();
    ticker = createFrameTicker({ clock: wall.clock });
    const frames: number[] = [];
    ticker.subscribe(() => {
      throw new Error('boom');
    });
    ticker.subscribe((ms) => frames.push(ms));
    wall.runTo(1060);
    expect(frames).toEqual([20, 40, 60]);
    expect(ticker.stats().listenerErrors).toBe(3);
  });

  it('rejects a non-positive speed', () => {
    expect(() => createFrameTicker({ speed: 0 })).toThrow(RangeError);
  });
});

describe('createManualTicker', () => {
  it('dispatches each frame boundary crossed, reporting frame time inside listeners', () => {
    const manual = createManualTicker();
    ticker = manual;
    const seen: Array<[number, number]> = [];
    manual.subscribe((ms) => seen.push([ms, manual.nowMs()]));
    manual.advance(15);
    expect(seen).toEqual([]);
    manual.advance(30);
    expect(seen).toEqual([
      [20, 20],
      [40, 40],
    ]);
    expect(manual.nowMs()).toBe(45);
  });
});

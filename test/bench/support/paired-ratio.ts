/**
 * The CPU ratio of a relay against the forwarder, over repeats. Each repeat runs both back to back, so
 * a ratio compares two runs under the same machine load. The figure is the median over every pair:
 * whether the load generator kept its pacing depends on the relay's own CPU use (they share the
 * machine), so keeping only the pairs it drove would keep the relay's cheap runs. The pairs it drove
 * are counted, with their own median beside the figure, not instead of it.
 */
import { median } from './stats.ts';

/** One repeat's ratio, and whether the generator drove both of its runs. */
export interface RatioPair {
  ratio: number | null;
  drove: boolean;
}

export interface PairedRatio {
  /** The median over every pair with a ratio; null when none has one. */
  median: number | null;
  /** The median over the pairs the generator drove; null when it drove none. */
  drivenMedian: number | null;
  /** Pairs the generator drove / pairs with a ratio. */
  drove: number;
  pairs: number;
}

export function pairedRatio(pairs: readonly RatioPair[]): PairedRatio {
  const withRatio = pairs.filter(
    (p): p is { ratio: number; drove: boolean } => p.ratio !== null && Number.isFinite(p.ratio),
  );
  const driven = withRatio.filter((p) => p.drove);
  return {
    median: withRatio.length ? median(withRatio.map((p) => p.ratio)) : null,
    drivenMedian: driven.length ? median(driven.map((p) => p.ratio)) : null,
    drove: driven.length,
    pairs: withRatio.length,
  };
}

/**
 * The order of the targets in repeat `rep` (1…): reversed every other repeat, so with an even number
 * of repeats a drift of the machine over the run (caches, a neighbour) weighs on both sides alike.
 */
export function targetOrder<T>(targets: readonly T[], rep: number): T[] {
  return rep % 2 === 0 ? [...targets].reverse() : [...targets];
}

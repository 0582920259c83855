/**
 * The CPU ratio of a relay against the forwarder, over repeats. Each repeat runs both back to back, so
 * a ratio compares two runs under the same machine load; a pair in which the load generator could not
 * keep its pacing (in either run) measured the generator, not the relays, and is left out while at
 * least one pair held it.
 */
import { median } from './stats.ts';

/** One repeat's ratio, and whether the generator drove both of its runs. */
export interface RatioPair {
  ratio: number | null;
  drove: boolean;
}

export interface PairedRatio {
  /** The median of the pairs counted; null when no pair has a ratio. */
  median: number | null;
  /** Pairs counted in the median (those the generator drove, or all when none did). */
  counted: number;
  /** Pairs the generator drove / pairs with a ratio. */
  drove: number;
  pairs: number;
}

export function pairedRatio(pairs: readonly RatioPair[]): PairedRatio {
  const withRatio = pairs.filter((p): p is { ratio: number; drove: boolean } => p.ratio !== null);
  const driven = withRatio.filter((p) => p.drove);
  const counted = driven.length > 0 ? driven : withRatio;
  return {
    median: counted.length ? median(counted.map((p) => p.ratio)) : null,
    counted: counted.length,
    drove: driven.length,
    pairs: withRatio.length,
  };
}

/**
 * The order of the targets in repeat `rep` (1…): reversed every other repeat, so a drift of the
 * machine over the session (caches, thermal, a neighbour) weighs on both sides of a ratio alike.
 */
export function targetOrder<T>(targets: readonly T[], rep: number): T[] {
  return rep % 2 === 0 ? [...targets].reverse() : [...targets];
}

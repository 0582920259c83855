/** Small statistics helpers for benchmark figures. */

/** Nearest-rank percentile (`p` in 0..100) of unsorted values; NaN when there are none. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = Float64Array.from(values).sort();
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))]!;
}

/** Median of the finite values (the mean of the middle two for an even count); NaN when there are none. */
export function median(values: readonly number[]): number {
  const v = values.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (v.length === 0) return Number.NaN;
  const m = Math.floor(v.length / 2);
  return v.length % 2 ? v[m]! : (v[m - 1]! + v[m]!) / 2;
}

/** p50, p99 and max of a sample, with its size. */
export interface Summary {
  count: number;
  p50: number;
  p99: number;
  max: number;
}

/** Summarises a sample (NaN figures when it is empty). */
export function summarize(values: readonly number[]): Summary {
  let max = Number.NaN;
  for (const v of values) if (!(v <= max)) max = v;
  return { count: values.length, p50: percentile(values, 50), p99: percentile(values, 99), max };
}

/** Rounds for printing and JSON: 3 significant decimals for small figures, fewer for big ones. */
export function round(value: number, decimals = 3): number {
  if (!Number.isFinite(value)) return value;
  const f = 10 ** decimals;
  return Math.round(value * f) / f;
}

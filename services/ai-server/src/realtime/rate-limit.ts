/**
 * Client secrets a brand may mint per minute, counted in memory by each ai-server replica (a secret is
 * never stored, so there is nothing to count in the database): a sliding window of the last minute's
 * mint times per brand. A refusal says when the oldest leaves the window (sent as Retry-After).
 */
const WINDOW_MS = 60_000;

export class PerBrandRateLimit {
  private readonly recent = new Map<string, number[]>();

  constructor(
    private readonly maxPerMinute: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Takes a place for `brandId`; returns the seconds to wait instead when the window is full. */
  take(brandId: string): { ok: true } | { ok: false; retryAfterSec: number } {
    const now = this.now();
    const times = (this.recent.get(brandId) ?? []).filter((t) => t > now - WINDOW_MS);
    if (times.length >= this.maxPerMinute) {
      this.recent.set(brandId, times);
      const retryAfterSec = Math.max(1, Math.ceil((times[0]! + WINDOW_MS - now) / 1000));
      return { ok: false, retryAfterSec };
    }
    times.push(now);
    this.recent.set(brandId, times);
    // Brands that went quiet are forgotten, so the map stays as small as the active brands.
    if (this.recent.size > 10_000)
      for (const [brand, ts] of this.recent)
        if (!ts.some((t) => t > now - WINDOW_MS)) this.recent.delete(brand);
    return { ok: true };
  }
}

// What follows one outcome webhook try: Retry-After as RFC 9110 §10.2.3 defines it (delay-seconds or an
// HTTP-date), only on 429 and 503, capped; 3xx and 4xx other than 408/429 stop; the rest back off.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { afterTry, isPermanentRefusal, RETRY_AFTER_CAP_MS, retryAfterMs } from './webhook-retry.ts';

const NOW = Date.parse('2026-12-07T17:00:00Z');
const settings = { maxAttempts: 5, backoffMs: 1000 };

describe('Retry-After', () => {
  it('reads delay-seconds and the three HTTP date forms', () => {
    expect(retryAfterMs('120', NOW)).toBe(120_000);
    expect(retryAfterMs(' 0 ', NOW)).toBe(0);
    expect(retryAfterMs('Mon, 07 Dec 2026 17:05:00 GMT', NOW)).toBe(300_000);
    expect(retryAfterMs('Monday, 07-Dec-26 17:05:00 GMT', NOW)).toBe(300_000);
    expect(retryAfterMs('Mon Dec  7 17:05:00 2026', NOW)).toBeDefined();
    expect(retryAfterMs('Mon, 07 Dec 2026 16:00:00 GMT', NOW)).toBe(0);
  });

  it('ignores what is neither', () => {
    for (const v of [undefined, null, '', '-5', '1.5', '2026-12-07', 'soon', '12abc'])
      expect(retryAfterMs(v, NOW)).toBeUndefined();
  });

  it('never gives a negative or non-finite wait, whatever the header says', () => {
    fc.assert(
      fc.property(fc.string(), (v) => {
        const ms = retryAfterMs(v, NOW);
        if (ms !== undefined) expect(ms >= 0 && Number.isFinite(ms)).toBe(true);
        const next = afterTry(429, 1, settings, v, NOW);
        if (next.kind === 'again') expect(next.waitMs).toBeLessThanOrEqual(RETRY_AFTER_CAP_MS);
      }),
    );
  });
});

describe('after a try', () => {
  it('delivers on 2xx and stops on 3xx and on 4xx but 408/429', () => {
    expect(afterTry(204, 1, settings, null, NOW)).toEqual({ kind: 'delivered' });
    for (const s of [300, 301, 302, 303, 304, 307, 308, 400, 401, 403, 404, 410, 422])
      expect(afterTry(s, 1, settings, null, NOW)).toEqual({ kind: 'stopped' });
    for (const s of [408, 429, 500, 502, 503]) expect(isPermanentRefusal(s)).toBe(false);
  });

  it('honours Retry-After on 429 and 503 only, capped', () => {
    expect(afterTry(429, 1, settings, '30', NOW)).toEqual({ kind: 'again', waitMs: 30_000 });
    expect(afterTry(503, 2, settings, 'Mon, 07 Dec 2026 17:01:00 GMT', NOW)).toEqual({
      kind: 'again',
      waitMs: 60_000,
    });
    expect(afterTry(503, 1, settings, '86400', NOW)).toEqual({ kind: 'again', waitMs: RETRY_AFTER_CAP_MS });
    expect(afterTry(500, 3, settings, '30', NOW)).toEqual({ kind: 'again', waitMs: 4000 });
    expect(afterTry(429, 2, settings, 'later', NOW)).toEqual({ kind: 'again', waitMs: 2000 });
  });

  it('gives up after the last try, Retry-After or not', () => {
    expect(afterTry(429, 5, settings, '1', NOW)).toEqual({ kind: 'failed' });
    expect(afterTry(undefined, 5, settings, null, NOW)).toEqual({ kind: 'failed' });
    expect(afterTry(undefined, 1, settings, null, NOW)).toEqual({ kind: 'again', waitMs: 1000 });
  });
});

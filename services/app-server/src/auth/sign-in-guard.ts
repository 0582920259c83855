/**
 * Limits on password guessing, counted before the (slow) password check so that parallel requests
 * cannot multiply the guesses: each attempt reserves its place synchronously, and only a success
 * gives it back. Three limits, each over a sliding 15-minute window:
 * - per account and client: 5 failures;
 * - per client, over all accounts: 20 failures (spraying);
 * - per account, over all clients: 10 failures, after which only browsers that signed in to the
 *   account before (a signed device cookie) may try. An outsider can slow a stranger's first sign-in
 *   but never lock out the staff member on their own browser.
 * In-process: one replica's view (the README says so).
 */

export const WINDOW_MS = 15 * 60_000;
export const LIMITS = { accountClient: 5, client: 20, account: 10 } as const;

type Kind = keyof typeof LIMITS;

export interface Attempt {
  /** Call with the outcome once the password was checked. */
  settle(success: boolean): void;
}

export class SignInGuard {
  private readonly failures = new Map<string, number[]>();

  constructor(private readonly now: () => number = Date.now) {}

  /**
   * Reserves one attempt, or answers how long to wait. `knownDevice`: the browser showed a device
   * cookie of this account, so the account-wide limit does not apply to it.
   */
  reserve(account: string, client: string, knownDevice: boolean): Attempt | { retryAfterSec: number } {
    const keys: Array<[Kind, string]> = [
      ['accountClient', `ac\u0000${account}\u0000${client}`],
      ['client', `c\u0000${client}`],
      ...(knownDevice ? [] : ([['account', `a\u0000${account}`]] as Array<[Kind, string]>)),
    ];
    const nowMs = this.now();
    let waitMs = 0;
    for (const [kind, key] of keys) {
      const list = this.recent(key, nowMs);
      if (list.length >= LIMITS[kind]) waitMs = Math.max(waitMs, list[0]! + WINDOW_MS - nowMs);
    }
    if (waitMs > 0) return { retryAfterSec: Math.ceil(waitMs / 1000) };
    // Counted as failures now; a success takes them back.
    const stamps = keys.map(([, key]) => {
      const list = this.recent(key, nowMs);
      list.push(nowMs);
      this.failures.set(key, list);
      return [key, nowMs] as const;
    });
    this.prune(nowMs);
    return {
      settle: (success) => {
        if (!success) return;
        for (const [key, at] of stamps) {
          const list = this.failures.get(key);
          const i = list?.indexOf(at) ?? -1;
          if (list && i >= 0) list.splice(i, 1);
        }
        this.failures.delete(`ac\u0000${account}\u0000${client}`);
      },
    };
  }

  private recent(key: string, nowMs: number): number[] {
    return (this.failures.get(key) ?? []).filter((t) => nowMs - t < WINDOW_MS);
  }

  private prune(nowMs: number): void {
    if (this.failures.size < 10_000) return;
    for (const [k, list] of this.failures)
      if (!list.some((t) => nowMs - t < WINDOW_MS)) this.failures.delete(k);
  }
}

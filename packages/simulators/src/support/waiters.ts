/**
 * Waiting for a simulator's state to change: a check run now and after every change, settled by the
 * first value it returns or rejected after a wall-clock timeout. Shared by the simulators' `session(n)`,
 * `connection(n)` and `waitFor(...)` accessors.
 */

/** Pending waits on one simulator. */
export class StateWaiters {
  private readonly checks = new Set<() => void>();

  /** Re-runs every pending check (the state changed). */
  notify(): void {
    for (const check of [...this.checks]) check();
  }

  /** Resolves with the first defined value of `probe()`; rejects with `timeoutMessage` after `timeoutMs`. */
  until<T>(probe: () => T | undefined, timeoutMs: number, timeoutMessage: string): Promise<T> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.checks.delete(check);
        reject(new Error(timeoutMessage));
      }, timeoutMs);
      const check = () => {
        const value = probe();
        if (value === undefined) return;
        clearTimeout(timer);
        this.checks.delete(check);
        resolve(value);
      };
      this.checks.add(check);
      check();
    });
  }
}

/**
 * Waiting on a call: predicates checked now and after every change, rejected on a wall-clock
 * timeout or when the call ends first.
 */

interface Waiter {
  check: () => boolean;
  reject: (err: Error) => void;
}

/** The pending waits of one call. */
export class CallWaiters<C> {
  private readonly waiters = new Set<Waiter>();
  private readonly target: C;
  private readonly endedReason: () => string | undefined;

  /** `endedReason` returns why the call ended, or undefined while it lasts. */
  constructor(target: C, endedReason: () => string | undefined) {
    this.target = target;
    this.endedReason = endedReason;
  }

  /**
   * Resolves with the first truthy value `predicate(target)` returns, checked now and after every
   * {@link notify}. Rejects after `timeoutMs` of wall-clock time, or when the call ends first.
   */
  wait<T>(predicate: (target: C) => T | undefined | null | false, timeoutMs: number): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const waiter: Waiter = {
        check: () => {
          const value = predicate(this.target);
          if (!value) return false;
          this.waiters.delete(waiter);
          clearTimeout(timer);
          resolve(value);
          return true;
        },
        reject: (err) => {
          this.waiters.delete(waiter);
          clearTimeout(timer);
          reject(err);
        },
      };
      try {
        if (waiter.check()) return;
      } catch (err) {
        reject(err);
        return;
      }
      const ended = this.endedReason();
      if (ended !== undefined) {
        reject(endedError(ended));
        return;
      }
      this.waiters.add(waiter);
      timer = setTimeout(
        () => waiter.reject(new Error(`waitFor timed out after ${timeoutMs} ms`)),
        timeoutMs,
      );
    });
  }

  /** Re-checks every pending wait (something changed). */
  notify(): void {
    if (this.waiters.size === 0) return;
    for (const w of [...this.waiters]) {
      try {
        w.check();
      } catch (err) {
        w.reject(err as Error);
      }
    }
  }

  /** Rejects every pending wait: the call ended with `reason`. */
  callEnded(reason: string): void {
    for (const w of [...this.waiters]) w.reject(endedError(reason));
  }
}

function endedError(reason: string): Error {
  return new Error(`call ended (${reason}) before the condition was met`);
}

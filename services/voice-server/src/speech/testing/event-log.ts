/** Records what an adapter reports, and waits for it (tests only). */
export class EventLog<E> {
  readonly events: E[] = [];
  private readonly checks = new Set<() => void>();

  /** The listener to hand to the adapter; `also` runs on each event, in the same tick. */
  listener(also?: (event: E) => void): (event: E) => void {
    return (event) => {
      this.events.push(event);
      also?.(event);
      for (const check of [...this.checks]) check();
    };
  }

  /** Resolves once `pred` holds for the events so far; rejects after `timeoutMs`. */
  until(pred: (events: E[]) => boolean, timeoutMs = 5000, what = 'the expected events'): Promise<void> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.checks.delete(check);
        reject(new Error(`timed out waiting for ${what}; got ${this.events.length} events`));
      }, timeoutMs);
      const check = () => {
        if (!pred(this.events)) return;
        clearTimeout(timer);
        this.checks.delete(check);
        resolve();
      };
      this.checks.add(check);
      check();
    });
  }
}

/** Resolves after `ms`. */
export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Resolves once `check()` holds, polling every few ms; rejects after `timeoutMs`. */
export async function until(check: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('timed out waiting for a condition');
    await sleep(5);
  }
}

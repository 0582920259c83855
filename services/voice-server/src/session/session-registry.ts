import type { TwilioSessionManager } from './session-manager.ts';

/** The calls in progress, with a way to wait for none to be left (draining). */
export class SessionRegistry implements Iterable<TwilioSessionManager> {
  private readonly sessions = new Set<TwilioSessionManager>();
  private idleWaiters: Array<() => void> = [];

  add(session: TwilioSessionManager): void {
    this.sessions.add(session);
  }

  delete(session: TwilioSessionManager): void {
    this.sessions.delete(session);
    if (this.sessions.size === 0) {
      const waiters = this.idleWaiters;
      this.idleWaiters = [];
      for (const w of waiters) w();
    }
  }

  get size(): number {
    return this.sessions.size;
  }

  /** Resolves when no call is in progress (at once when none is). */
  whenIdle(): Promise<void> {
    if (this.sessions.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  [Symbol.iterator](): Iterator<TwilioSessionManager> {
    return this.sessions.values();
  }
}

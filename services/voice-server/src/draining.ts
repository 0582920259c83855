import type { Logger } from '@switchboard/service-kit';
import type { VoiceServer } from './app.ts';

export interface DrainOptions {
  server: VoiceServer;
  /** Longest wait for calls to end by themselves; then each is ended with a goodbye. */
  timeoutMs: number;
  /** After the goodbyes, the longest wait before exiting anyway. */
  goodbyeGraceMs?: number;
  log: Logger;
  /** Called once everything has ended; the process exits with this code. */
  exit: (code: number) => void;
}

/**
 * Draining for rolling deploys. From `start()` readiness answers 503 and new streams are refused, while
 * calls already connected go on untouched. The process exits when the last call ends, or at the timeout
 * after ending the remaining calls politely.
 */
export class DrainingState {
  private started = false;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly opts: DrainOptions) {}

  get isDraining(): boolean {
    return this.started;
  }

  start(reason: string): void {
    if (this.started) return;
    this.started = true;
    const { server, log, timeoutMs } = this.opts;
    server.startDraining();
    log.info(
      { reason, calls: server.sessions.size, timeoutMs },
      'draining: no new calls; waiting for calls to end',
    );
    this.timer = setTimeout(() => this.timeout(), timeoutMs);
    void server.sessions.whenIdle().then(() => this.finish('all calls ended'));
  }

  private timeout(): void {
    const { server, log } = this.opts;
    log.warn(
      { calls: server.sessions.size },
      'draining timed out; ending the remaining calls with a goodbye',
    );
    for (const s of server.sessions) s.endPolitely('shutdown');
    const grace = setTimeout(() => {
      for (const s of server.sessions) s.stop('shutdown');
    }, this.opts.goodbyeGraceMs ?? 20_000);
    grace.unref();
  }

  private async finish(why: string): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.opts.log.info({ why }, 'draining done; exiting');
    try {
      await this.opts.server.app.close();
    } finally {
      this.opts.exit(0);
    }
  }
}

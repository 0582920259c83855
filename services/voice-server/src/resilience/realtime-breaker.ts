import type { Logger } from '@switchboard/service-kit';
import type { SessionHealth } from '../session/reconnect-budget.ts';

export type BreakerState = 'closed' | 'open' | 'half_open';

export interface RealtimeBreakerOptions {
  /** How far back session outcomes count. */
  windowMs: number;
  /** Failures in the window before the breaker can open. */
  minFailures: number;
  /** Share of failures among the window's outcomes that opens it. */
  failureRatio: number;
  /** How long it stays open before letting a probe call through. */
  openForMs: number;
  /** A probe that reports nothing within this long makes room for another. */
  probeTimeoutMs: number;
}

export const DEFAULT_BREAKER_OPTIONS: RealtimeBreakerOptions = {
  windowMs: 60_000,
  minFailures: 10,
  failureRatio: 0.5,
  openForMs: 30_000,
  probeTimeoutMs: 20_000,
};

/**
 * The process-wide circuit breaker over Realtime sessions. Every call reports its sessions' outcomes;
 * when most of the last minute's sessions failed, the breaker opens and new calls get the fallback at
 * the webhook instead of connecting and failing. After `openForMs` it lets one probe call through
 * (half-open): a session that stays up closes it, a failure opens it again. Readiness is not touched:
 * the pods are healthy, the provider is not.
 */
export class RealtimeBreaker implements SessionHealth {
  private current: BreakerState = 'closed';
  private readonly outcomes: Array<{ atMs: number; ok: boolean }> = [];
  private openedAtMs = 0;
  private probeAtMs: number | undefined;
  private readonly opts: RealtimeBreakerOptions;

  constructor(
    opts: Partial<RealtimeBreakerOptions> = {},
    private readonly hooks: {
      log?: Logger;
      onState?: (state: BreakerState) => void;
      now?: () => number;
    } = {},
  ) {
    this.opts = { ...DEFAULT_BREAKER_OPTIONS, ...opts };
  }

  /** The thresholds in force (the product's defaults where none were given). */
  get options(): Readonly<RealtimeBreakerOptions> {
    return this.opts;
  }

  get state(): BreakerState {
    return this.current;
  }

  succeeded(): void {
    if (this.current === 'half_open') {
      this.outcomes.length = 0;
      this.move('closed', 'a probe session stayed up');
      return;
    }
    this.record(true);
  }

  failed(): void {
    if (this.current === 'half_open') {
      this.move('open', 'a probe session failed');
      return;
    }
    if (this.current === 'open') return;
    this.record(false);
    const failures = this.outcomes.filter((o) => !o.ok).length;
    if (failures >= this.opts.minFailures && failures / this.outcomes.length >= this.opts.failureRatio)
      this.move('open', `${failures} of the last ${this.outcomes.length} Realtime sessions failed`);
  }

  /** May a new call connect to the Realtime API now? While half-open, one probe call at a time. */
  admit(): boolean {
    const now = this.now();
    if (this.current === 'open' && now - this.openedAtMs >= this.opts.openForMs)
      this.move('half_open', 'probing');
    if (this.current === 'closed') return true;
    if (this.current === 'open') return false;
    if (this.probeAtMs !== undefined && now - this.probeAtMs < this.opts.probeTimeoutMs) return false;
    this.probeAtMs = now;
    return true;
  }

  private record(ok: boolean): void {
    const now = this.now();
    this.outcomes.push({ atMs: now, ok });
    while (this.outcomes.length && now - this.outcomes[0]!.atMs > this.opts.windowMs) this.outcomes.shift();
  }

  private move(state: BreakerState, why: string): void {
    if (state === this.current) return;
    this.current = state;
    if (state === 'open') this.openedAtMs = this.now();
    this.probeAtMs = undefined;
    const log = this.hooks.log;
    if (state === 'open')
      log?.error({ state, why }, 'Realtime circuit breaker open: new calls get the fallback');
    else log?.warn({ state, why }, `Realtime circuit breaker ${state === 'closed' ? 'closed' : 'half-open'}`);
    this.hooks.onState?.(state);
  }

  private now(): number {
    return this.hooks.now ? this.hooks.now() : Date.now();
  }
}

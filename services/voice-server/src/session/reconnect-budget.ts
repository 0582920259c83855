/** Where the link reports how Realtime sessions fare (the process-wide circuit breaker). */
export interface SessionHealth {
  /** A session stayed up. */
  succeeded(): void;
  /** A session failed to open, dropped early, or was refused for good. */
  failed(): void;
}

/** How a call reconnects after its Realtime socket drops. */
export interface ReconnectPolicy {
  /** Attempts within one outage before the call takes its fallback. */
  perOutage: number;
  /** Attempts in the whole call before the call takes its fallback. */
  perCall: number;
  /** The first attempt of an outage is immediate; later ones wait this, doubled per attempt, with jitter. */
  baseDelayMs: number;
  maxDelayMs: number;
  /** A session that drops sooner than this after opening was a failed attempt: the outage goes on. */
  stableAfterMs: number;
}

export const DEFAULT_RECONNECT_POLICY: ReconnectPolicy = {
  perOutage: 3,
  perCall: 6,
  baseDelayMs: 250,
  maxDelayMs: 4_000,
  stableAfterMs: 5_000,
};

/**
 * Counts reconnect attempts per outage and per call, and spaces them out (exponential back-off, half
 * fixed and half random). An outage ends only when a session has stayed up for `stableAfterMs`, so a
 * server that accepts and drops every socket spends the budget instead of resetting it.
 */
export class ReconnectBudget {
  private outageAttempts = 0;
  private callAttempts = 0;
  private openedAtMs: number | undefined;

  constructor(
    private readonly policy: ReconnectPolicy,
    private readonly random: () => number = Math.random,
    private readonly now: () => number = Date.now,
  ) {}

  /** A session opened (the call's first, or a reconnect). */
  opened(): void {
    this.openedAtMs = this.now();
  }

  /** The session in use dropped; true when it starts a new outage (it had been up long enough). */
  dropped(): boolean {
    const stable = this.openedAtMs !== undefined && this.now() - this.openedAtMs >= this.policy.stableAfterMs;
    this.openedAtMs = undefined;
    if (stable) this.outageAttempts = 0;
    return stable || this.callAttempts === 0;
  }

  /** The wait before the next attempt, or undefined once the budget is spent. */
  nextDelayMs(): number | undefined {
    if (this.outageAttempts >= this.policy.perOutage || this.callAttempts >= this.policy.perCall)
      return undefined;
    const n = this.outageAttempts++;
    this.callAttempts++;
    if (n === 0) return 0;
    const ceilingMs = Math.min(this.policy.maxDelayMs, this.policy.baseDelayMs * 2 ** (n - 1));
    return ceilingMs / 2 + (this.random() * ceilingMs) / 2;
  }

  get attemptsInCall(): number {
    return this.callAttempts;
  }
}

/** Realtime errors no reconnect can fix: the call takes its fallback at once. */
const FATAL_CODES = new Set([
  'insufficient_quota',
  'invalid_api_key',
  'model_not_found',
  'billing_hard_limit_reached',
  'access_terminated',
  'account_deactivated',
  'unsupported_country_region_territory',
  'policy_violation',
]);

export function isFatalRealtimeError(code: string): boolean {
  return FATAL_CODES.has(code);
}

/** HTTP statuses of a refused upgrade that a retry cannot fix (authentication, access, model). */
export function isFatalUpgradeStatus(status: number | undefined): boolean {
  return status === 401 || status === 403 || status === 404;
}

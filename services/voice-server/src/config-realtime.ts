import { ConfigError, env } from '@switchboard/service-kit';
import type { RealtimeBreakerOptions } from './resilience/realtime-breaker.ts';
import type { ReconnectPolicy } from './session/reconnect-budget.ts';

/**
 * How a call reconnects to the Realtime API and when the process-wide breaker opens: part of
 * voice-server's configuration (README's variable table mirrors it). The defaults are the product's.
 */
export const realtimeResilienceSpec = {
  REALTIME_RECONNECT_PER_OUTAGE: env.int({
    default: 3,
    min: 0,
    max: 20,
    doc: 'Reconnects tried in one outage before the call takes its fallback (0: the fallback at once).',
  }),
  REALTIME_RECONNECT_PER_CALL: env.int({
    default: 6,
    min: 0,
    max: 100,
    doc: 'Reconnects tried in the whole call (at least REALTIME_RECONNECT_PER_OUTAGE).',
  }),
  REALTIME_RECONNECT_STABLE_AFTER_MS: env.int({
    default: 5_000,
    min: 100,
    max: 600_000,
    doc: 'A session that drops sooner than this after opening was a failed attempt (the outage goes on).',
  }),
  REALTIME_RECONNECT_BASE_DELAY_MS: env.int({
    default: 250,
    min: 0,
    max: 60_000,
    doc: "Back-off before an outage's second attempt, doubled per attempt, with jitter (the first is at once).",
  }),
  REALTIME_RECONNECT_MAX_DELAY_MS: env.int({
    default: 4_000,
    min: 0,
    max: 300_000,
    doc: 'Longest back-off between attempts (at least REALTIME_RECONNECT_BASE_DELAY_MS).',
  }),
  REALTIME_BREAKER_WINDOW_MS: env.int({
    default: 60_000,
    min: 1_000,
    max: 3_600_000,
    doc: "How far back the circuit breaker counts Realtime sessions' outcomes.",
  }),
  REALTIME_BREAKER_MIN_FAILURES: env.int({
    default: 10,
    min: 1,
    max: 100_000,
    doc: 'Failed sessions in the window before the breaker can open.',
  }),
  REALTIME_BREAKER_FAILURE_PERCENT: env.int({
    default: 50,
    min: 1,
    max: 100,
    doc: "Share of the window's sessions, in percent, that must have failed for the breaker to open.",
  }),
  REALTIME_BREAKER_OPEN_MS: env.int({
    default: 30_000,
    min: 1_000,
    max: 3_600_000,
    doc: 'How long the breaker stays open before it half-opens and lets one probe call through.',
  }),
  REALTIME_BREAKER_PROBE_TIMEOUT_MS: env.int({
    default: 20_000,
    min: 1_000,
    max: 600_000,
    doc: 'A probe call that reports nothing within this long makes room for another.',
  }),
};

type Parsed = { readonly [K in keyof typeof realtimeResilienceSpec]: number };

/** Settings that are each valid but contradict each other: refused, naming the variable. */
export function checkRealtimeResilience(cfg: Parsed): void {
  const problems: string[] = [];
  if (cfg.REALTIME_RECONNECT_PER_CALL < cfg.REALTIME_RECONNECT_PER_OUTAGE)
    problems.push(
      `REALTIME_RECONNECT_PER_CALL: must be >= REALTIME_RECONNECT_PER_OUTAGE (${cfg.REALTIME_RECONNECT_PER_OUTAGE})`,
    );
  if (cfg.REALTIME_RECONNECT_MAX_DELAY_MS < cfg.REALTIME_RECONNECT_BASE_DELAY_MS)
    problems.push(
      `REALTIME_RECONNECT_MAX_DELAY_MS: must be >= REALTIME_RECONNECT_BASE_DELAY_MS (${cfg.REALTIME_RECONNECT_BASE_DELAY_MS})`,
    );
  if (problems.length) throw new ConfigError(problems);
}

export function reconnectPolicyOf(cfg: Parsed): ReconnectPolicy {
  return {
    perOutage: cfg.REALTIME_RECONNECT_PER_OUTAGE,
    perCall: cfg.REALTIME_RECONNECT_PER_CALL,
    stableAfterMs: cfg.REALTIME_RECONNECT_STABLE_AFTER_MS,
    baseDelayMs: cfg.REALTIME_RECONNECT_BASE_DELAY_MS,
    maxDelayMs: cfg.REALTIME_RECONNECT_MAX_DELAY_MS,
  };
}

export function breakerOptionsOf(cfg: Parsed): RealtimeBreakerOptions {
  return {
    windowMs: cfg.REALTIME_BREAKER_WINDOW_MS,
    minFailures: cfg.REALTIME_BREAKER_MIN_FAILURES,
    failureRatio: cfg.REALTIME_BREAKER_FAILURE_PERCENT / 100,
    openForMs: cfg.REALTIME_BREAKER_OPEN_MS,
    probeTimeoutMs: cfg.REALTIME_BREAKER_PROBE_TIMEOUT_MS,
  };
}

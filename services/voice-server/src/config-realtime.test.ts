// The reconnect policy and the circuit breaker from the environment: the product's defaults when
// unset, each variable parsed and bounded, contradictions refused naming the variable, and what is
// read reaches the running server.
import { ConfigError } from '@switchboard/service-kit';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { readConfig } from './config.ts';
import { breakerOptionsOf, realtimeResilienceSpec, reconnectPolicyOf } from './config-realtime.ts';
import { DEFAULT_BREAKER_OPTIONS } from './resilience/realtime-breaker.ts';
import { type RunningVoiceServer, startVoiceServer } from './server.ts';
import { DEFAULT_RECONNECT_POLICY } from './session/reconnect-budget.ts';

const BASE = {
  PUBLIC_BASE_URL: 'https://voice.example.com',
  TWILIO_ACCOUNT_SID: `AC${'1'.repeat(32)}`,
  TWILIO_AUTH_TOKEN: 'token',
  OPENAI_API_KEY: 'sk-test',
  AI_SERVER_URL: 'http://127.0.0.1:9',
  SERVICE_TOKEN: 'service-token',
  TRANSCRIPTS: 'memory',
};

const problemsOf = (env: Record<string, string>): string[] => {
  try {
    readConfig({ ...BASE, ...env });
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  return [];
};

let running: RunningVoiceServer | undefined;
afterEach(async () => {
  await running?.server.app.close();
  running = undefined;
});

describe('Realtime reconnect and breaker settings', () => {
  it('unset: the product defaults', () => {
    const cfg = readConfig(BASE);
    expect(reconnectPolicyOf(cfg)).toEqual(DEFAULT_RECONNECT_POLICY);
    expect(breakerOptionsOf(cfg)).toEqual(DEFAULT_BREAKER_OPTIONS);
  });

  it('reads each variable', () => {
    const cfg = readConfig({
      ...BASE,
      REALTIME_RECONNECT_PER_OUTAGE: '2',
      REALTIME_RECONNECT_PER_CALL: '4',
      REALTIME_RECONNECT_STABLE_AFTER_MS: '3000',
      REALTIME_RECONNECT_BASE_DELAY_MS: '100',
      REALTIME_RECONNECT_MAX_DELAY_MS: '2000',
      REALTIME_BREAKER_WINDOW_MS: '30000',
      REALTIME_BREAKER_MIN_FAILURES: '5',
      REALTIME_BREAKER_FAILURE_PERCENT: '75',
      REALTIME_BREAKER_OPEN_MS: '10000',
      REALTIME_BREAKER_PROBE_TIMEOUT_MS: '5000',
    });
    expect(reconnectPolicyOf(cfg)).toEqual({
      perOutage: 2,
      perCall: 4,
      stableAfterMs: 3_000,
      baseDelayMs: 100,
      maxDelayMs: 2_000,
    });
    expect(breakerOptionsOf(cfg)).toEqual({
      windowMs: 30_000,
      minFailures: 5,
      failureRatio: 0.75,
      openForMs: 10_000,
      probeTimeoutMs: 5_000,
    });
  });

  it.each([
    ['REALTIME_RECONNECT_PER_OUTAGE', 'three', /must be an integer/],
    ['REALTIME_RECONNECT_PER_OUTAGE', '-1', /must be >= 0/],
    ['REALTIME_RECONNECT_PER_CALL', '1.5', /must be an integer/],
    ['REALTIME_RECONNECT_STABLE_AFTER_MS', '0', /must be >= 100/],
    ['REALTIME_RECONNECT_BASE_DELAY_MS', '250ms', /must be an integer/],
    ['REALTIME_BREAKER_FAILURE_PERCENT', '0', /must be >= 1/],
    ['REALTIME_BREAKER_FAILURE_PERCENT', '150', /must be <= 100/],
    ['REALTIME_BREAKER_MIN_FAILURES', '0', /must be >= 1/],
    ['REALTIME_BREAKER_WINDOW_MS', '10', /must be >= 1000/],
    ['REALTIME_BREAKER_OPEN_MS', '1e4', /must be an integer/],
  ])('refuses %s=%j, naming it', (name, value, why) => {
    const problems = problemsOf({ [name]: value });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(new RegExp(`^${name}: `));
    expect(problems[0]).toMatch(why);
  });

  it('refuses settings that contradict each other, naming the variable', () => {
    expect(problemsOf({ REALTIME_RECONNECT_PER_OUTAGE: '5', REALTIME_RECONNECT_PER_CALL: '4' })).toEqual([
      'REALTIME_RECONNECT_PER_CALL: must be >= REALTIME_RECONNECT_PER_OUTAGE (5)',
    ]);
    expect(
      problemsOf({ REALTIME_RECONNECT_BASE_DELAY_MS: '5000', REALTIME_RECONNECT_MAX_DELAY_MS: '1000' }),
    ).toEqual(['REALTIME_RECONNECT_MAX_DELAY_MS: must be >= REALTIME_RECONNECT_BASE_DELAY_MS (5000)']);
  });

  it('any value of a variable is either read as given or refused naming that variable', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...Object.keys(realtimeResilienceSpec)),
        fc.oneof(fc.string({ maxLength: 8 }), fc.integer({ min: -10, max: 5_000_000 }).map(String)),
        (name, value) => {
          let cfg: Record<string, unknown> | undefined;
          try {
            cfg = readConfig({ ...BASE, [name]: value }) as unknown as Record<string, unknown>;
          } catch (err) {
            if (!(err instanceof ConfigError)) return false;
            return err.problems.every((p) => p.startsWith('REALTIME_'));
          }
          return value.trim() === '' || cfg[name] === Number(value);
        },
      ),
    );
  });

  it('reaches the running server: its breaker and every call’s reconnect policy', async () => {
    running = await startVoiceServer(
      readConfig({
        ...BASE,
        HOST: '127.0.0.1',
        PORT: '0',
        LOG_LEVEL: 'silent',
        REALTIME_RECONNECT_PER_OUTAGE: '1',
        REALTIME_RECONNECT_PER_CALL: '2',
        REALTIME_BREAKER_MIN_FAILURES: '2',
        REALTIME_BREAKER_FAILURE_PERCENT: '100',
        REALTIME_BREAKER_OPEN_MS: '5000',
      }),
      { handleSignals: false, exit: () => {} },
    );
    const { realtimeBreaker, callLimits } = running.server;
    expect(callLimits.reconnect).toMatchObject({ perOutage: 1, perCall: 2 });
    expect(realtimeBreaker.options.openForMs).toBe(5_000);
    realtimeBreaker.failed();
    expect(realtimeBreaker.state).toBe('closed');
    realtimeBreaker.failed();
    expect(realtimeBreaker.state).toBe('open');
  });
});

// The reconnect budget at its edges: a session up for exactly stableAfterMs, the attempts counted over
// the whole call, and which refused upgrades no retry can fix.
import { describe, expect, it } from 'vitest';
import { DEFAULT_RECONNECT_POLICY, isFatalUpgradeStatus, ReconnectBudget } from './reconnect-budget.ts';

function budget() {
  const clock = { ms: 0 };
  const b = new ReconnectBudget(
    DEFAULT_RECONNECT_POLICY,
    () => 0.5,
    () => clock.ms,
  );
  return { b, clock };
}

describe('ReconnectBudget edges', () => {
  it('a session up for exactly stableAfterMs was stable: its drop starts a new outage, tried at once', () => {
    const { b, clock } = budget();
    b.opened();
    b.dropped();
    expect(b.nextDelayMs()).toBe(0);
    b.opened(); // the reconnect
    clock.ms += DEFAULT_RECONNECT_POLICY.stableAfterMs;
    expect(b.dropped()).toBe(true);
    expect(b.nextDelayMs()).toBe(0);
  });

  it('one millisecond short of it, the drop continues the outage and backs off', () => {
    const { b, clock } = budget();
    b.opened();
    b.dropped();
    b.nextDelayMs();
    b.opened();
    clock.ms += DEFAULT_RECONNECT_POLICY.stableAfterMs - 1;
    expect(b.dropped()).toBe(false);
    expect(b.nextDelayMs()).toBeGreaterThan(0);
  });

  it('counts the attempts of the whole call, across outages', () => {
    const { b, clock } = budget();
    expect(b.attemptsInCall).toBe(0);
    b.opened();
    b.dropped();
    b.nextDelayMs();
    b.nextDelayMs();
    expect(b.attemptsInCall).toBe(2);
    b.opened();
    clock.ms += 60_000;
    b.dropped();
    b.nextDelayMs();
    expect(b.attemptsInCall).toBe(3);
  });
});

describe('isFatalUpgradeStatus', () => {
  it('authentication, access and an unknown model are fatal', () => {
    expect([401, 403, 404].map(isFatalUpgradeStatus)).toEqual([true, true, true]);
  });

  it('overload, server errors and a socket that never answered are worth a retry', () => {
    expect([400, 408, 429, 500, 503, undefined].map(isFatalUpgradeStatus)).toEqual([
      false,
      false,
      false,
      false,
      false,
      false,
    ]);
  });
});

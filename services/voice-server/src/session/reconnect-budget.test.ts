import { describe, expect, it } from 'vitest';
import { DEFAULT_RECONNECT_POLICY, ReconnectBudget } from './reconnect-budget.ts';

function budget(random = 0.5) {
  const clock = { ms: 0 };
  const b = new ReconnectBudget(
    DEFAULT_RECONNECT_POLICY,
    () => random,
    () => clock.ms,
  );
  return { b, clock };
}

describe('ReconnectBudget', () => {
  it('tries at once, then backs off exponentially with jitter, three times per outage', () => {
    const { b } = budget(0.5);
    b.opened();
    expect(b.dropped()).toBe(true);
    expect(b.nextDelayMs()).toBe(0);
    expect(b.nextDelayMs()).toBe(187.5); // ceiling 250: half fixed + half × 0.5
    expect(b.nextDelayMs()).toBe(375); // ceiling 500
    expect(b.nextDelayMs()).toBeUndefined();
  });

  it('keeps jitter inside [ceiling/2, ceiling]', () => {
    const low = budget(0).b;
    const high = budget(0.999999).b;
    for (const b of [low, high]) {
      b.dropped();
      b.nextDelayMs();
    }
    expect(low.nextDelayMs()).toBe(125);
    expect(high.nextDelayMs()).toBeCloseTo(250, 3);
  });

  it('a session that drops soon after opening continues the outage: a storm spends the budget', () => {
    const { b, clock } = budget();
    b.opened();
    clock.ms += 60_000;
    b.dropped();
    let sessions = 0;
    for (let delay = b.nextDelayMs(); delay !== undefined; delay = b.nextDelayMs()) {
      clock.ms += delay;
      b.opened(); // the server accepts…
      sessions++;
      clock.ms += 200;
      expect(b.dropped()).toBe(false); // …and drops it again
    }
    expect(sessions).toBe(3);
  });

  it('a session that stayed up ends the outage; the call as a whole is still capped at six', () => {
    const { b, clock } = budget();
    let attempts = 0;
    for (let outage = 0; outage < 5; outage++) {
      b.opened();
      clock.ms += 10_000;
      b.dropped();
      for (let i = 0; i < 2 && b.nextDelayMs() !== undefined; i++) attempts++;
    }
    expect(attempts).toBe(6);
    expect(b.nextDelayMs()).toBeUndefined();
  });
});

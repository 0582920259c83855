import { describe, expect, it } from 'vitest';
import { type BreakerState, RealtimeBreaker } from './realtime-breaker.ts';

function breaker() {
  const clock = { ms: 0 };
  const states: BreakerState[] = [];
  const b = new RealtimeBreaker({}, { now: () => clock.ms, onState: (s) => states.push(s) });
  return { b, clock, states };
}

describe('RealtimeBreaker', () => {
  it('stays closed while failures are few or a minority', () => {
    const { b } = breaker();
    for (let i = 0; i < 9; i++) b.failed();
    expect(b.state).toBe('closed');
    for (let i = 0; i < 20; i++) b.succeeded();
    b.failed();
    expect(b.state).toBe('closed');
    expect(b.admit()).toBe(true);
  });

  it('opens when most of the last minute failed, refuses calls, then lets one probe through', () => {
    const { b, clock, states } = breaker();
    for (let i = 0; i < 10; i++) b.failed();
    expect(b.state).toBe('open');
    expect(b.admit()).toBe(false);
    clock.ms += 30_000;
    expect(b.admit()).toBe(true); // the probe
    expect(b.state).toBe('half_open');
    expect(b.admit()).toBe(false); // one at a time
    b.succeeded();
    expect(b.state).toBe('closed');
    expect(b.admit()).toBe(true);
    expect(states).toEqual(['open', 'half_open', 'closed']);
  });

  it('a failed probe opens it again; a silent probe makes room for another', () => {
    const { b, clock } = breaker();
    for (let i = 0; i < 10; i++) b.failed();
    clock.ms += 30_000;
    expect(b.admit()).toBe(true);
    b.failed();
    expect(b.state).toBe('open');
    clock.ms += 30_000;
    expect(b.admit()).toBe(true);
    clock.ms += 20_000;
    expect(b.admit()).toBe(true);
  });

  it('forgets outcomes older than its window', () => {
    const { b, clock } = breaker();
    for (let i = 0; i < 9; i++) b.failed();
    clock.ms += 61_000;
    b.failed();
    expect(b.state).toBe('closed');
  });
});

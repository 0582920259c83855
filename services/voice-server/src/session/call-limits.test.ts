// Call limits alone, on fake timers and with no sockets: the wrap-up note, the cap, renewal and the
// watchdog's clock.
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { CallProfile } from '../ports/ai-server.ts';
import { FakeTwilioRest } from '../testing/fakes.ts';
import { memoryLogger } from '../testing/parts.ts';
import { CallLimiter } from './call-limits.ts';
import { DEFAULT_CALL_LIMITS, type EndReason } from './call-types.ts';
import { CallLifecycle } from './lifecycle.ts';
import { WRAP_UP_NOTE } from './lines.ts';

afterEach(() => {
  vi.useRealTimers();
});

function limiter(profile: Partial<CallProfile> = {}, opts: { busy?: () => boolean } = {}) {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
  const { log } = memoryLogger();
  const lifecycle = new CallLifecycle({ twilioRest: new FakeTwilioRest(), callSid: 'CA1', log });
  const events: string[] = [];
  const l = new CallLimiter({
    limits: DEFAULT_CALL_LIMITS,
    lifecycle,
    log,
    isBusy: opts.busy ?? (() => false),
    say: (line) => events.push(`ask:${line}`),
    note: (t) => events.push(t === WRAP_UP_NOTE ? 'wrap-up' : `note:${t}`),
    endPolitely: (reason: EndReason) => events.push(`end:${reason}`),
    renewDue: () => events.push('renew'),
  });
  l.start({ key: 'p', ...profile });
  return { l, events, lifecycle };
}

describe('CallLimiter (a part alone)', () => {
  it('by default: the wrap-up note at 29 min, the polite end at 30 min', async () => {
    const t = limiter({}, { busy: () => true }); // busy: keep the watchdog out of the way
    await vi.advanceTimersByTimeAsync(29 * 60_000 - 1);
    expect(t.events).not.toContain('wrap-up');
    await vi.advanceTimersByTimeAsync(1);
    expect(t.events).toContain('wrap-up');
    await vi.advanceTimersByTimeAsync(60_000 - 1);
    expect(t.events).not.toContain('end:max_duration');
    await vi.advanceTimersByTimeAsync(1);
    expect(t.events.filter((e) => e.startsWith('end:'))).toEqual(['end:max_duration']);
  });

  it('a profile may lower the cap, and cannot raise it', async () => {
    const lower = limiter({ maxDurationSec: 120 }, { busy: () => true });
    await vi.advanceTimersByTimeAsync(120_000);
    expect(lower.events.filter((e) => e.startsWith('end:'))).toEqual(['end:max_duration']);
    vi.useRealTimers();
    const higher = limiter({ maxDurationSec: 3 * 3600 }, { busy: () => true });
    await vi.advanceTimersByTimeAsync(30 * 60_000);
    expect(higher.events.filter((e) => e.startsWith('end:'))).toEqual(['end:max_duration']);
  });

  it('asks for a renewal once the Realtime session is 55 min old', async () => {
    const t = limiter({ maxDurationSec: 3 * 3600 }, { busy: () => true });
    // The 30 min cap ends this call first: renewal is only reached when the cap is above 55 min.
    await vi.advanceTimersByTimeAsync(55 * 60_000);
    expect(t.events).toContain('renew');
  });

  it('the watchdog asks after the profile interval of silence, then ends politely', async () => {
    const t = limiter({ language: 'fr-FR', inactivity: { promptAfterSec: 10, endAfterSec: 5 } });
    await vi.advanceTimersByTimeAsync(10_000);
    expect(t.events).toEqual(['ask:Say exactly this, and nothing else: "Êtes-vous toujours là ?"']);
    await vi.advanceTimersByTimeAsync(5_000);
    expect(t.events.at(-1)).toBe('end:inactivity');
  });

  it('caller speech starts the watchdog over; nothing is left running once stopped', async () => {
    const t = limiter({ inactivity: { promptAfterSec: 10, endAfterSec: 10 } });
    await vi.advanceTimersByTimeAsync(9_000);
    t.l.callerActivity();
    await vi.advanceTimersByTimeAsync(9_000);
    expect(t.events).toEqual([]);
    t.l.stop();
    t.lifecycle.end('caller_hangup');
    expect(t.l.liveTimers + t.lifecycle.liveTimers).toBe(0);
  });
});

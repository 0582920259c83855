// Call limits alone, on fake timers and with no sockets: the wrap-up note, the cap, renewal and the
// watchdog's clock.
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { CallProfile } from '../ports/ai-server.ts';
import { FakeAiServer, FakeTwilioRest } from '../testing/fakes.ts';
import { memoryLogger } from '../testing/parts.ts';
import { CallLimiter, DEBIT_RETRY_MS, debitCall } from './call-limits.ts';
import { DEFAULT_CALL_LIMITS, type EndReason } from './call-types.ts';
import { CallLifecycle } from './lifecycle.ts';
import { WRAP_UP_NOTE } from './lines.ts';

afterEach(() => {
  vi.useRealTimers();
});

function limiter(
  profile: Partial<CallProfile> = {},
  opts: {
    busy?: () => boolean;
    creditLeft?: (elapsedSec: number) => Promise<number>;
    /** Call time that passed before the model connected and the clocks started. */
    connectedAfterMs?: number;
  } = {},
) {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
  const { log, lines: logLines } = memoryLogger();
  const lifecycle = new CallLifecycle({ twilioRest: new FakeTwilioRest(), callSid: 'CA1', log });
  if (opts.connectedAfterMs) vi.advanceTimersByTime(opts.connectedAfterMs);
  const events: string[] = [];
  const l = new CallLimiter({
    limits: DEFAULT_CALL_LIMITS,
    lifecycle,
    log,
    isBusy: opts.busy ?? (() => false),
    say: (line) => events.push(`ask:${line}`),
    note: (t) => events.push(t === WRAP_UP_NOTE ? 'wrap-up' : `note:${t}`),
    endPolitely: (reason: EndReason) => events.push(`end:${reason}`),
    creditLeft: opts.creditLeft ?? (async () => Infinity),
  });
  l.start({ key: 'p', ...profile });
  return { l, events, lifecycle, logLines };
}

const ends = (events: string[]) => events.filter((e) => e.startsWith('end:'));

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
    expect(ends(t.events)).toEqual(['end:max_duration']);
  });

  it('a profile may lower the cap', async () => {
    const t = limiter({ maxDurationSec: 120 }, { busy: () => true });
    await vi.advanceTimersByTimeAsync(120_000 - 1);
    expect(ends(t.events)).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(ends(t.events)).toEqual(['end:max_duration']);
  });

  it('a profile may raise the cap up to four hours, and no further', async () => {
    const two = limiter({ maxDurationSec: 2 * 3600 }, { busy: () => true });
    await vi.advanceTimersByTimeAsync(2 * 3_600_000 - 1);
    expect(ends(two.events)).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(ends(two.events)).toEqual(['end:max_duration']);
    vi.useRealTimers();
    const ten = limiter({ maxDurationSec: 10 * 3600 }, { busy: () => true });
    await vi.advanceTimersByTimeAsync(4 * 3_600_000 - 1);
    expect(ends(ten.events)).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(ends(ten.events)).toEqual(['end:max_duration']);
  });

  it('a cap shorter than the wrap-up lead gets no wrap-up note, only the end', async () => {
    const t = limiter({ maxDurationSec: 30 }, { busy: () => true });
    await vi.advanceTimersByTimeAsync(30_000 - 1);
    expect(t.events).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(t.events).toEqual(['end:max_duration']);
  });

  it('the cap counts from the start of the call, not from when the model connected', async () => {
    const t = limiter({ maxDurationSec: 300 }, { busy: () => true, connectedAfterMs: 100_000 });
    await vi.advanceTimersByTimeAsync(140_000 - 1);
    expect(t.events).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(t.events).toEqual(['wrap-up']);
    await vi.advanceTimersByTimeAsync(60_000 - 1);
    expect(ends(t.events)).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(ends(t.events)).toEqual(['end:max_duration']);
  });

  it('a credit answer that lands after the call ended ends nothing and schedules no more checks', async () => {
    for (const answer of ['no credit', 'unreachable'] as const) {
      let settleCheck: (() => void) | undefined;
      let checks = 0;
      const t = limiter(
        {},
        {
          busy: () => true,
          creditLeft: () => {
            checks++;
            return new Promise<number>((resolve, reject) => {
              settleCheck = () => (answer === 'no credit' ? resolve(0) : reject(new Error('ECONNREFUSED')));
            });
          },
        },
      );
      await vi.advanceTimersByTimeAsync(60_000);
      expect(checks).toBe(1);
      t.lifecycle.end('caller_hangup');
      settleCheck!();
      await vi.advanceTimersByTimeAsync(5 * 60_000);
      expect(ends(t.events)).toEqual([]);
      expect(checks).toBe(1);
      expect(t.lifecycle.liveTimers).toBe(0);
      t.l.stop();
      vi.useRealTimers();
    }
  });

  it('checks the credits every minute and ends politely once they run out', async () => {
    let remainingSec = 500;
    const checks: number[] = [];
    const t = limiter(
      {},
      {
        busy: () => true,
        creditLeft: async (elapsedSec) => {
          checks.push(elapsedSec);
          return remainingSec - elapsedSec;
        },
      },
    );
    await vi.advanceTimersByTimeAsync(120_000);
    expect(checks).toEqual([60, 120]);
    expect(ends(t.events)).toEqual([]);
    remainingSec = 100; // spent elsewhere meanwhile: none left at the next check
    await vi.advanceTimersByTimeAsync(60_000);
    expect(ends(t.events)).toEqual(['end:no_credits']);
  });

  it('credits that run out before the next check: the wrap-up a minute ahead, the end when they do', async () => {
    const checks: number[] = [];
    const t = limiter(
      {},
      {
        busy: () => true,
        creditLeft: async (elapsedSec) => {
          checks.push(elapsedSec);
          return 150 - elapsedSec;
        },
      },
    );
    await vi.advanceTimersByTimeAsync(90_000 - 1);
    expect(checks).toEqual([60]); // 90 s left: less than the wrap-up lead plus a check interval
    expect(t.events).not.toContain('wrap-up');
    await vi.advanceTimersByTimeAsync(1);
    expect(t.events).toEqual(['wrap-up']);
    await vi.advanceTimersByTimeAsync(60_000 - 1);
    expect(ends(t.events)).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(t.events).toEqual(['wrap-up', 'end:no_credits']);
    expect(checks).toEqual([60]);
  });

  it('the wrap-up is given once, when both the cap and the credits come near', async () => {
    const t = limiter({ maxDurationSec: 150 }, { busy: () => true, creditLeft: async (e) => 160 - e });
    await vi.advanceTimersByTimeAsync(160_000);
    expect(t.events.filter((e) => e === 'wrap-up')).toHaveLength(1);
    expect(ends(t.events)).toEqual(['end:max_duration', 'end:no_credits']);
  });

  it('an unreachable ai-server never ends a call: it checks again a minute later', async () => {
    let calls = 0;
    const t = limiter(
      {},
      {
        busy: () => true,
        creditLeft: async () => {
          calls++;
          throw new Error('ECONNREFUSED');
        },
      },
    );
    await vi.advanceTimersByTimeAsync(180_000);
    expect(calls).toBe(3);
    expect(ends(t.events)).toEqual([]);
  });

  it('the watchdog asks after the profile interval of silence, then ends politely', async () => {
    const t = limiter({ language: 'fr-FR', inactivity: { promptAfterSec: 10, endAfterSec: 5 } });
    await vi.advanceTimersByTimeAsync(10_000);
    expect(t.events).toEqual(['ask:Say exactly this, and nothing else: "Êtes-vous toujours là ?"']);
    await vi.advanceTimersByTimeAsync(5_000);
    expect(t.events.at(-1)).toBe('end:inactivity');
  });

  it('agent audio starts the watchdog over too; before the clocks start, activity is a no-op', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    const { log } = memoryLogger();
    const idle = new CallLimiter({
      limits: DEFAULT_CALL_LIMITS,
      lifecycle: new CallLifecycle({ twilioRest: new FakeTwilioRest(), callSid: 'CA0', log }),
      log,
      isBusy: () => false,
      say: () => {},
      note: () => {},
      endPolitely: () => {},
      creditLeft: async () => Infinity,
    });
    expect(() => {
      idle.activity();
      idle.callerActivity();
    }).not.toThrow();
    expect(idle.liveTimers).toBe(0);
    const t = limiter({ inactivity: { promptAfterSec: 10, endAfterSec: 10 } });
    expect(t.l.liveTimers).toBe(1);
    await vi.advanceTimersByTimeAsync(9_000);
    t.l.activity();
    await vi.advanceTimersByTimeAsync(9_000);
    expect(t.events).toEqual([]);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(t.events).toHaveLength(1);
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

describe('debitCall (billing without the outbox)', () => {
  const debit = { botProfileKey: 'acme', callSid: 'CA1', durationSec: 42.3 };

  it('bills whole seconds rounded up, retrying 1 s, 5 s and 30 s after each failure', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const ai = new FakeAiServer();
    ai.debitFailures = 3;
    debitCall(ai, debit, memoryLogger().log);
    await vi.advanceTimersByTimeAsync(0);
    expect(ai.debitAttempts).toBe(1);
    let attempts = 1;
    for (const waitMs of DEBIT_RETRY_MS) {
      await vi.advanceTimersByTimeAsync(waitMs - 1);
      expect(ai.debitAttempts).toBe(attempts);
      await vi.advanceTimersByTimeAsync(1);
      expect(ai.debitAttempts).toBe(++attempts);
    }
    expect(DEBIT_RETRY_MS).toEqual([1_000, 5_000, 30_000]);
    expect(ai.debits).toEqual([{ key: 'acme', callSid: 'CA1', durationSec: 43 }]);
  });

  it('gives up after the last retry and says so once, with the unbilled duration', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const ai = new FakeAiServer();
    ai.debitFailures = 10;
    const { log, lines } = memoryLogger();
    debitCall(ai, debit, log);
    await vi.advanceTimersByTimeAsync(10 * 60_000);
    expect(ai.debitAttempts).toBe(DEBIT_RETRY_MS.length + 1);
    expect(ai.debits).toEqual([]);
    const errors = lines.map((l) => JSON.parse(l) as { level: number; msg: string; durationSec?: number });
    expect(errors.filter((l) => l.level >= 50)).toEqual([
      expect.objectContaining({ msg: 'could not debit the call; credits not charged', durationSec: 42.3 }),
    ]);
  });
});

describe('CallLimiter at the edges of the credit check', () => {
  it('no credit left at a check: the polite end at once, without a wrap-up note', async () => {
    const t = limiter({}, { busy: () => true, creditLeft: async () => 0 });
    await vi.advanceTimersByTimeAsync(60_000);
    expect(t.events).toEqual(['end:no_credits']);
    expect(t.logLines.map((l) => (JSON.parse(l) as { msg: string }).msg)).toContain(
      'credits ran out during the call; ending it politely',
    );
  });

  it('exactly the wrap-up lead plus a check interval left: it checks again, so a top-up is seen', async () => {
    const answers = [120, 1_000];
    const checks: number[] = [];
    const t = limiter(
      {},
      {
        busy: () => true,
        creditLeft: async (elapsedSec) => {
          checks.push(elapsedSec);
          return answers.shift() ?? 1_000;
        },
      },
    );
    await vi.advanceTimersByTimeAsync(60_000);
    expect(checks).toEqual([60]);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(checks).toEqual([60, 120]);
    await vi.advanceTimersByTimeAsync(120_000);
    expect(t.events).toEqual([]);
  });

  it('asks ai-server with the seconds elapsed since the call started, rounded up', async () => {
    const checks: number[] = [];
    limiter(
      {},
      {
        busy: () => true,
        connectedAfterMs: 2_500,
        creditLeft: async (elapsedSec) => {
          checks.push(elapsedSec);
          return 1_000;
        },
      },
    );
    await vi.advanceTimersByTimeAsync(120_000);
    expect(checks).toEqual([63, 123]);
  });

  it('says why it ends the call: credits out, or running out soon', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    const { log, lines } = memoryLogger();
    const lifecycle = new CallLifecycle({ twilioRest: new FakeTwilioRest(), callSid: 'CA2', log });
    const l = new CallLimiter({
      limits: DEFAULT_CALL_LIMITS,
      lifecycle,
      log,
      isBusy: () => true,
      say: () => {},
      note: () => {},
      endPolitely: () => {},
      creditLeft: async (elapsedSec) => 90 - elapsedSec,
    });
    l.start({ key: 'p' });
    await vi.advanceTimersByTimeAsync(90_000);
    const msgs = lines.map((line) => (JSON.parse(line) as { msg: string }).msg);
    expect(msgs).toEqual([
      'credits run out soon; wrapping up the call',
      'credits ran out during the call; ending it politely',
    ]);
    l.stop();
  });
});

import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { InactivityWatchdog, watchdogLine } from './watchdog.ts';

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

function make(busy = () => false) {
  const events: string[] = [];
  const w = new InactivityWatchdog({
    promptAfterMs: 30_000,
    endAfterMs: 30_000,
    onPrompt: () => events.push(`prompt@${Date.now()}`),
    onEnd: () => events.push(`end@${Date.now()}`),
    isBusy: busy,
  });
  vi.setSystemTime(0);
  w.start();
  return { w, events };
}

describe('InactivityWatchdog', () => {
  it('asks after 30 s of silence and ends after 30 s more', () => {
    const { w, events } = make();
    vi.advanceTimersByTime(29_999);
    expect(events).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(events).toEqual(['prompt@30000']);
    vi.advanceTimersByTime(30_000);
    expect(events).toEqual(['prompt@30000', 'end@60000']);
    expect(w.hasTimer).toBe(false);
  });

  it('counts again from the latest activity', () => {
    const { w, events } = make();
    vi.advanceTimersByTime(20_000);
    w.activity();
    vi.advanceTimersByTime(29_000);
    expect(events).toEqual([]);
    vi.advanceTimersByTime(1_000);
    expect(events).toEqual(['prompt@50000']);
  });

  it('agent audio after the question delays the goodbye but does not undo the question', () => {
    const { w, events } = make();
    vi.advanceTimersByTime(30_000);
    vi.advanceTimersByTime(2_000);
    w.activity();
    vi.advanceTimersByTime(30_000);
    expect(events).toEqual(['prompt@30000', 'end@62000']);
  });

  it('caller speech after the question resets it fully', () => {
    const { w, events } = make();
    vi.advanceTimersByTime(30_000);
    vi.advanceTimersByTime(10_000);
    w.callerActivity();
    vi.advanceTimersByTime(29_000);
    expect(events).toEqual(['prompt@30000']);
    vi.advanceTimersByTime(1_000);
    expect(events).toEqual(['prompt@30000', 'prompt@70000']);
  });

  it('treats a running tool as activity', () => {
    let busy = true;
    const { events } = make(() => busy);
    vi.advanceTimersByTime(90_000);
    expect(events).toEqual([]);
    busy = false;
    vi.advanceTimersByTime(30_000);
    expect(events).toEqual(['prompt@120000']);
  });

  it('leaves no timer after stop', () => {
    const { w, events } = make();
    w.stop();
    vi.advanceTimersByTime(120_000);
    expect(events).toEqual([]);
    expect(w.hasTimer).toBe(false);
  });
});

describe('watchdogLine', () => {
  it('speaks the profile language', () => {
    expect(watchdogLine('stillThere', 'de-DE')).toContain('Sind Sie noch da?');
    expect(watchdogLine('stillThere')).toContain('Are you still there?');
    expect(watchdogLine('goodbye', 'ja-JP')).toMatch(/caller's language \(ja-JP\)/);
  });
});

describe('InactivityWatchdog after the question and after the end', () => {
  it('caller speech after the question leaves one timer, none once stopped', () => {
    const { w } = make();
    vi.advanceTimersByTime(30_000);
    w.callerActivity();
    expect(vi.getTimerCount()).toBe(1);
    w.stop();
    expect(vi.getTimerCount()).toBe(0);
  });

  it('once it has ended the call, caller speech asks nothing again', () => {
    const { w, events } = make();
    vi.advanceTimersByTime(60_000);
    expect(events).toEqual(['prompt@30000', 'end@60000']);
    w.callerActivity();
    vi.advanceTimersByTime(120_000);
    expect(events).toEqual(['prompt@30000', 'end@60000']);
    expect(w.hasTimer).toBe(false);
  });

  it('is prompted between the question and caller speech only', () => {
    const { w } = make();
    expect(w.isPrompted).toBe(false);
    vi.advanceTimersByTime(30_000);
    expect(w.isPrompted).toBe(true);
    w.callerActivity();
    expect(w.isPrompted).toBe(false);
  });

  it('can be started again after a stop, counting from the new start', () => {
    const { w, events } = make();
    w.stop();
    vi.advanceTimersByTime(40_000);
    w.start();
    vi.advanceTimersByTime(29_999);
    expect(events).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(events).toEqual(['prompt@70000']);
  });
});

describe('watchdogLine in every language it speaks itself', () => {
  const LANGUAGES = ['en', 'es', 'fr', 'de', 'it', 'pt', 'nl'];
  const quoted = (line: string) => /^Say exactly this, and nothing else: "(.+)"$/.exec(line)?.[1];

  it('has its own words for each line, whatever the region or case of the tag', () => {
    for (const kind of ['stillThere', 'goodbye'] as const) {
      const phrases = LANGUAGES.map((l) => quoted(watchdogLine(kind, `${l.toUpperCase()}_XX`)));
      for (const p of phrases) expect(p).toMatch(/^[^"]{6,}$/);
      expect(phrases.join()).not.toContain('undefined');
      expect(new Set(phrases).size).toBe(LANGUAGES.length);
    }
    expect(quoted(watchdogLine('goodbye', 'nl-BE'))).toBe(
      'Ik hoor u niet meer, dus ik beëindig het gesprek. Tot ziens!',
    );
    expect(quoted(watchdogLine('stillThere', 'pt_BR'))).toBe('Ainda está aí?');
  });

  it('speaks English when the profile names no language', () => {
    expect(watchdogLine('stillThere')).toBe('Say exactly this, and nothing else: "Are you still there?"');
  });

  it('asks the model to translate the English line for any other language', () => {
    expect(watchdogLine('stillThere', 'ja-JP')).toBe(
      `Say this in the caller's language (ja-JP), briefly and nothing else: "Are you still there?"`,
    );
  });
});

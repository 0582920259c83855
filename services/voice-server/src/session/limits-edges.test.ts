// The edges of the call limits that the broader tests do not pin: the profile's own silence intervals
// (both of them), the wrap-up moment itself, the watchdog's lines in a language with its own lines or
// only a name, and a call report without a trace. Fake timers, no sockets.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { VoiceMetrics } from '../metrics.ts';
import type { CallProfile } from '../ports/ai-server.ts';
import { InMemoryAppServer } from '../ports/in-memory-app-server.ts';
import { FakeAiServer, FakeTwilioRest } from '../testing/fakes.ts';
import { memoryLogger } from '../testing/parts.ts';
import { CallLimiter } from './call-limits.ts';
import { CallReport } from './call-report.ts';
import { DEFAULT_CALL_LIMITS, type EndReason } from './call-types.ts';
import { CallLifecycle } from './lifecycle.ts';
import { WRAP_UP_NOTE } from './lines.ts';
import { Transcript } from './transcript.ts';
import { InactivityWatchdog, watchdogLine } from './watchdog.ts';

afterEach(() => {
  vi.useRealTimers();
});

/** The call the report tests end. */
const CALL = {
  streamSid: 'MZ1',
  callSid: `CA${'4'.repeat(32)}`,
  accountSid: 'AC1',
  botProfileKey: 'acme-support',
  isSip: false,
  callerNumber: '+14155550123',
};

/** A limiter on fake timers whose clocks start `connectedAfterMs` into the call. */
function limiter(profile: Partial<CallProfile>, connectedAfterMs = 0, busy = false) {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
  const { log } = memoryLogger();
  const lifecycle = new CallLifecycle({ twilioRest: new FakeTwilioRest(), callSid: 'CA1', log });
  vi.advanceTimersByTime(connectedAfterMs);
  const events: string[] = [];
  new CallLimiter({
    limits: DEFAULT_CALL_LIMITS,
    lifecycle,
    log,
    isBusy: () => busy,
    say: () => events.push('ask'),
    note: (t) => events.push(t === WRAP_UP_NOTE ? 'wrap-up' : 'note'),
    endPolitely: (reason: EndReason) => events.push(`end:${reason}`),
    creditLeft: async () => Infinity,
  }).start({ key: 'p', ...profile });
  return events;
}

describe('the limits at their edges', () => {
  it("a profile's silence intervals set both the question and the end after it", async () => {
    const events = limiter({ inactivity: { promptAfterSec: 10, endAfterSec: 20 } });
    await vi.advanceTimersByTimeAsync(10_000);
    expect(events).toEqual(['ask']);
    await vi.advanceTimersByTimeAsync(20_000 - 1);
    expect(events).toEqual(['ask']);
    await vi.advanceTimersByTimeAsync(1);
    expect(events).toEqual(['ask', 'end:inactivity']);
  });

  it('without them, the defaults: 30 s to the question, 30 s more to the end', async () => {
    const events = limiter({});
    await vi.advanceTimersByTimeAsync(30_000);
    expect(events).toEqual(['ask']);
    await vi.advanceTimersByTimeAsync(30_000 - 1);
    expect(events).toEqual(['ask']);
    await vi.advanceTimersByTimeAsync(1);
    expect(events).toEqual(['ask', 'end:inactivity']);
  });

  it('a model that connects at the wrap-up moment itself still gets the note, at once', async () => {
    const capMs = 300_000;
    const events = limiter(
      { maxDurationSec: capMs / 1000 },
      capMs - DEFAULT_CALL_LIMITS.wrapUpBeforeMs,
      true,
    );
    await vi.advanceTimersByTimeAsync(0);
    expect(events).toEqual(['wrap-up']);
    await vi.advanceTimersByTimeAsync(DEFAULT_CALL_LIMITS.wrapUpBeforeMs);
    expect(events).toEqual(['wrap-up', 'end:max_duration']);
  });

  it('one that connects after it gets no note, only the end at the cap', async () => {
    const capMs = 300_000;
    const events = limiter(
      { maxDurationSec: capMs / 1000 },
      capMs - DEFAULT_CALL_LIMITS.wrapUpBeforeMs + 1,
      true,
    );
    await vi.advanceTimersByTimeAsync(DEFAULT_CALL_LIMITS.wrapUpBeforeMs - 2);
    expect(events).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(events).toEqual(['end:max_duration']);
  });
});

describe("the watchdog's lines", () => {
  it("says a language's own line word for word, its double quotes made single", () => {
    expect(watchdogLine('stillThere', { tag: 'es-MX', lines: { stillThere: '¿Sigue "ahí"?' } })).toBe(
      'Say exactly this, and nothing else: "¿Sigue \'ahí\'?"',
    );
    // A language with its own goodbye only: the still-there line is the built-in Spanish one.
    expect(watchdogLine('stillThere', { tag: 'es-MX', lines: { goodbye: 'Adiós.' } })).toBe(
      'Say exactly this, and nothing else: "¿Sigue ahí?"',
    );
  });

  it('asks for the English line in the language, named with its tag when it has a name of its own', () => {
    expect(watchdogLine('stillThere', { tag: 'sw-KE', name: 'Swahili' })).toBe(
      'Say this in the caller\'s language (Swahili, sw-KE), briefly and nothing else: "Are you still there?"',
    );
    expect(watchdogLine('goodbye', { tag: 'sw-KE', name: 'sw-KE' })).toMatch(
      /^Say this in the caller's language \(sw-KE\),/,
    );
    expect(watchdogLine('goodbye', { tag: 'sw_KE' })).toMatch(/\(sw_KE\)/);
    expect(watchdogLine('goodbye', { tag: 'DE_at' })).toContain('Auf Wiederhören!');
  });
});

describe('a call report without a trace', () => {
  it('still records the end (without a trace id) and bills the call', async () => {
    vi.useFakeTimers({ toFake: ['Date', 'setTimeout', 'clearTimeout'] });
    vi.setSystemTime(new Date('2026-12-06T10:00:00.000Z'));
    const appServer = new InMemoryAppServer();
    const ai = new FakeAiServer();
    const call = CALL;
    const r = new CallReport({
      call,
      startedAtMs: Date.now(),
      aiServer: ai,
      appServer,
      metrics: new VoiceMetrics(),
      log: memoryLogger().log,
    });
    r.started();
    r.startConversation(await ai.getBotProfile(call.botProfileKey));
    await r.conversationStarted;
    vi.advanceTimersByTime(5_000);
    expect(() =>
      r.finished('caller_hangup', new Transcript(call.callSid, appServer, () => {}), true),
    ).not.toThrow();
    await vi.advanceTimersByTimeAsync(0);
    expect(appServer.conversations.get(call.callSid)?.end).toEqual({
      endReason: 'caller_hangup',
      endedAt: '2026-12-06T10:00:05.000Z',
      durationSec: 5,
    });
    vi.useRealTimers();
    await vi.waitFor(() => expect(ai.debits).toHaveLength(1));
  });
});

describe('a stopped watchdog', () => {
  it('arms nothing more when the caller speaks after it was stopped while prompted', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    const asked: string[] = [];
    const w = new InactivityWatchdog({
      promptAfterMs: 10_000,
      endAfterMs: 10_000,
      onPrompt: () => asked.push('prompt'),
      onEnd: () => asked.push('end'),
      isBusy: () => false,
    });
    w.start();
    await vi.advanceTimersByTimeAsync(10_000);
    expect(asked).toEqual(['prompt']);
    w.stop();
    w.callerActivity();
    expect(w.hasTimer).toBe(false);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(asked).toEqual(['prompt']);
  });
});

describe('the "call ended" log line', () => {
  function ended(speech: Parameters<CallReport['finished']>[3]) {
    const appServer = new InMemoryAppServer();
    const { log, lines } = memoryLogger();
    const call = CALL;
    const r = new CallReport({
      call,
      startedAtMs: Date.now(),
      aiServer: new FakeAiServer(),
      appServer,
      metrics: new VoiceMetrics(),
      log,
    });
    r.finished('caller_hangup', new Transcript(call.callSid, appServer, () => {}), false, speech);
    const line = lines
      .map((l) => JSON.parse(l) as { msg: string; speech?: unknown })
      .find((l) => l.msg === 'call ended');
    return line!;
  }
  const usage = { charactersSynthesized: 10, audioSecondsTranscribed: 0, fellBack: false };

  it('names the external speech used, for cost attribution, and nothing when the model spoke alone', () => {
    expect(ended({ ...usage, voiceProvider: 'elevenlabs' }).speech).toMatchObject({
      voiceProvider: 'elevenlabs',
    });
    expect(ended({ ...usage, voiceProvider: 'openai', transcriber: 'cartesia' }).speech).toMatchObject({
      transcriber: 'cartesia',
    });
    expect(ended({ ...usage, voiceProvider: 'openai' }).speech).toBeUndefined();
    expect(ended(undefined).speech).toBeUndefined();
  });
});

// What the platform hears when a call ends: the end reason and duration app-server records, the
// seconds ai-server bills (directly or through the outbox), the trace's end and the metrics. Date is
// faked so durations are exact; no sockets.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { VoiceMetrics } from '../metrics.ts';
import { InMemoryAppServer } from '../ports/in-memory-app-server.ts';
import type { CallTrace } from '../telemetry/call-tracer.ts';
import { NO_TRACE } from '../telemetry/call-tracer.ts';
import { FakeAiServer } from '../testing/fakes.ts';
import { memoryLogger } from '../testing/parts.ts';
import { CallReport } from './call-report.ts';
import type { SpeechUsage } from './call-speech.ts';
import { Transcript } from './transcript.ts';

afterEach(() => {
  vi.useRealTimers();
});

const CALL = {
  streamSid: 'MZ1',
  callSid: `CA${'3'.repeat(32)}`,
  accountSid: 'AC1',
  botProfileKey: 'acme-support',
  isSip: false,
  callerNumber: '+14155550123',
};

/** An app-server client with an outbox: the debit is handed over as a task, run when the test says. */
class OutboxAppServer extends InMemoryAppServer {
  readonly tasks: Array<{ key: string; kind: string; run: () => Promise<unknown> }> = [];
  enqueueTask(key: string, kind: 'debit' | 'recording', run: () => Promise<unknown>): boolean {
    this.tasks.push({ key, kind, run });
    return true;
  }
}

function report(opts: { appServer?: InMemoryAppServer; traceId?: string } = {}) {
  vi.useFakeTimers({ toFake: ['Date', 'setTimeout', 'clearTimeout'] });
  vi.setSystemTime(new Date('2026-12-06T10:00:00.000Z'));
  const appServer = opts.appServer ?? new InMemoryAppServer();
  const ai = new FakeAiServer();
  const metrics = new VoiceMetrics();
  const { log, lines } = memoryLogger();
  const traceEnds: Array<{ endReason: string; durationSec: number }> = [];
  const trace: CallTrace = { ...NO_TRACE, traceId: opts.traceId, end: (s) => traceEnds.push(s) };
  const r = new CallReport({
    call: CALL,
    startedAtMs: Date.now(),
    aiServer: ai,
    appServer,
    metrics,
    log,
    trace,
  });
  const transcript = new Transcript(CALL.callSid, appServer, () => {});
  return { r, appServer, ai, metrics, lines, traceEnds, transcript };
}

async function startedAndEnded(t: ReturnType<typeof report>, afterMs: number, reachedModel = true) {
  t.r.started();
  t.r.startConversation(await t.ai.getBotProfile(CALL.botProfileKey));
  await t.r.conversationStarted;
  vi.advanceTimersByTime(afterMs);
  t.r.finished('caller_hangup', t.transcript, reachedModel);
  await vi.advanceTimersByTimeAsync(0);
}

describe('CallReport.finished', () => {
  it('records the end reason, the end time and the duration to a tenth of a second', async () => {
    const t = report({ traceId: 'tr-1' });
    await startedAndEnded(t, 42_340);
    expect(t.appServer.conversations.get(CALL.callSid)?.end).toEqual({
      endReason: 'caller_hangup',
      endedAt: '2026-12-06T10:00:42.340Z',
      durationSec: 42.3,
      opikTraceId: 'tr-1',
    });
    expect(t.traceEnds).toEqual([{ endReason: 'caller_hangup', durationSec: 42.3 }]);
  });

  it('bills whole seconds, rounded up, and at least one', async () => {
    const long = report();
    await startedAndEnded(long, 42_340);
    expect(long.ai.debits).toEqual([{ key: 'acme-support', callSid: CALL.callSid, durationSec: 43 }]);
    const short = report();
    await startedAndEnded(short, 200);
    expect(short.ai.debits).toEqual([{ key: 'acme-support', callSid: CALL.callSid, durationSec: 1 }]);
    const instant = report();
    await startedAndEnded(instant, 0);
    expect(instant.ai.debits.map((d) => d.durationSec)).toEqual([1]);
  });

  it('with an outbox, hands it one debit task for the call that bills the same seconds', async () => {
    const appServer = new OutboxAppServer();
    const t = report({ appServer });
    await startedAndEnded(t, 61_001);
    expect(t.ai.debits).toEqual([]);
    expect(appServer.tasks.map(({ key, kind }) => ({ key, kind }))).toEqual([
      { key: `debit:${CALL.callSid}`, kind: 'debit' },
    ]);
    await appServer.tasks[0]?.run();
    expect(t.ai.debits).toEqual([{ key: 'acme-support', callSid: CALL.callSid, durationSec: 62 }]);
  });

  it('bills nothing for a call that never reached the model, but still records its end', async () => {
    const appServer = new OutboxAppServer();
    const t = report({ appServer });
    await startedAndEnded(t, 5_000, false);
    expect(t.ai.debits).toEqual([]);
    expect(appServer.tasks).toEqual([]);
    expect(t.appServer.conversations.get(CALL.callSid)?.end?.durationSec).toBe(5);
    expect(t.appServer.conversations.get(CALL.callSid)?.end).not.toHaveProperty('opikTraceId');
  });

  it('counts the call in and out of the metrics, with its reason and the characters synthesized', async () => {
    const t = report();
    await startedAndEnded(t, 1_000);
    expect(t.metrics.activeCalls).toBe(0);
    expect(t.metrics.callsStarted).toBe(1);
    expect([...t.metrics.callsEnded]).toEqual([['caller_hangup', 1]]);
    const speech: SpeechUsage = {
      voiceProvider: 'elevenlabs',
      charactersSynthesized: 120,
      audioSecondsTranscribed: 0,
      fellBack: false,
    };
    t.r.finished('max_duration', t.transcript, false, speech);
    expect(t.metrics.ttsCharacters).toBe(120);
  });

  it('sends the rest of the transcript once the conversation exists', async () => {
    const t = report();
    t.transcript.open('u1', 'caller', new Date()).text = 'hello';
    await startedAndEnded(t, 1_000);
    expect(t.appServer.transcript(CALL.callSid).map((m) => m.text)).toEqual(['hello']);
  });

  it('logs the start with the caller masked, and the end with the reason and duration', async () => {
    const t = report();
    await startedAndEnded(t, 3_000);
    const logged = t.lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    const start = logged.find((l) => l.msg === 'call started');
    expect(start).toMatchObject({ botProfileKey: 'acme-support', isSip: false });
    expect(JSON.stringify(start)).not.toContain('5550123');
    expect(logged.find((l) => l.msg === 'call ended')).toMatchObject({
      reason: 'caller_hangup',
      durationSec: 3,
    });
  });
});

describe('CallReport.startConversation', () => {
  it('opens the conversation with the start time, the caller and the brand, inbound by default', async () => {
    const t = report();
    t.r.startConversation({ ...(await t.ai.getBotProfile(CALL.botProfileKey)), brandId: 'brand-9' });
    await t.r.conversationStarted;
    expect(t.appServer.conversations.get(CALL.callSid)?.start).toEqual({
      callSid: CALL.callSid,
      botProfileKey: 'acme-support',
      brandId: 'brand-9',
      callerNumber: '+14155550123',
      isSip: false,
      startedAt: '2026-12-06T10:00:00.000Z',
      direction: 'inbound',
      language: 'en',
    });
  });

  it('names a browser call web, and carries the Freshcaller call id when there is one', async () => {
    const t = report();
    const web = new CallReport({
      call: { ...CALL, callSid: 'CAweb', channel: 'web', freshcallerCallId: 'fc-7' },
      startedAtMs: Date.now(),
      aiServer: t.ai,
      appServer: t.appServer,
      metrics: t.metrics,
      log: memoryLogger().log,
    });
    web.startConversation(await t.ai.getBotProfile(CALL.botProfileKey), true);
    await web.conversationStarted;
    expect(t.appServer.conversations.get('CAweb')?.start).toMatchObject({
      direction: 'web',
      freshcallerCallId: 'fc-7',
    });
  });

  it('a failed start is logged, never thrown', async () => {
    const appServer = new InMemoryAppServer();
    appServer.startConversation = async () => {
      throw new Error('app-server down');
    };
    const t = report({ appServer });
    t.r.startConversation(await t.ai.getBotProfile(CALL.botProfileKey));
    await t.r.conversationStarted;
    expect(t.lines.some((l) => l.includes('conversation start sync failed'))).toBe(true);
  });
});

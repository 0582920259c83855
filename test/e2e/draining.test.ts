// Draining for a rolling deploy, on voice-server's real entry in its own process: SIGTERM flips
// readiness, refuses new streams, lets the calls in progress finish untouched, and the process exits 0
// once the last one has ended (or ends the stragglers politely at DRAIN_TIMEOUT_MS).
import type { RealtimeSimSession } from '@switchboard/simulators/openai-realtime';
import type { CallerScriptStep, SimulatedCall } from '@switchboard/simulators/twilio';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type ChildVoiceServer, startChildVoiceServer, voiceEnvFor } from '../support/child-voice-server.ts';
import { appendedFrames, sessionsOfCall, taggedCaller } from '../support/drain-calls.ts';
import { type FullStack, startFullStack } from '../support/full-stack.ts';

const CALLS = 20;
const SHUTDOWN_GOODBYE = 'Sorry, we must end the call now. Goodbye.';

let stack: FullStack;
let child: ChildVoiceServer | undefined;

beforeAll(async () => {
  stack = await startFullStack({
    realtime: {
      scenario: {
        greeting: 'Hi, Acme here.',
        msPerChar: 40,
        turns: [
          { user: 'Where is my order?', say: 'It ships today.' },
          { user: 'Thanks, bye.', say: 'Goodbye!' },
        ],
        default: SHUTDOWN_GOODBYE,
      },
    },
  });
}, 60_000);
afterEach(async () => {
  await child?.stop();
  child = undefined;
});
afterAll(async () => {
  await stack?.close();
});

/**
 * Two questions, each answered, then the caller hangs up: a few seconds of a real conversation, which
 * starts once `go()` is true (so every call is mid-script when the signal comes).
 */
const twoTurnScript = (go: () => boolean): CallerScriptStep<SimulatedCall>[] => [
  { until: (c) => go() && c.heardMs >= 300 && !c.isHearingAudio, timeoutMs: 30_000 },
  { audio: { toneHz: 300, ms: 600 }, label: 'q1' },
  { pauseMs: 700 },
  { until: (c) => c.turns[0]?.responseLatencyMs !== undefined && !c.isHearingAudio, timeoutMs: 20_000 },
  { audio: { toneHz: 300, ms: 600 }, label: 'q2' },
  { pauseMs: 700 },
  { until: (c) => c.turns[1]?.responseLatencyMs !== undefined && !c.isHearingAudio, timeoutMs: 20_000 },
  { pauseMs: 200 },
  { hangup: true },
];

async function status(url: string): Promise<number> {
  return (await fetch(url)).status;
}

describe('draining on SIGTERM (voice-server in its own process)', () => {
  it('keeps 20 live calls whole, refuses new streams, and exits 0 after the last call', async () => {
    child = await startChildVoiceServer(voiceEnvFor(stack));
    const proc = child;
    expect(await status(`${proc.url}/health-check/ready`)).toBe(200);
    const firstSession = stack.realtime.sessions.length;

    const callers = Array.from({ length: CALLS }, (_, i) => taggedCaller(i));
    let signalled = false;
    const endedAtMs = new Map<SimulatedCall, number>();
    const processAliveAtEnd = new Map<SimulatedCall, boolean>();
    const calls = await Promise.all(
      callers.map(async (caller, i) => {
        // Staggered a little, as calls arrive.
        await new Promise((r) => setTimeout(r, i * 25));
        const call = await stack.call({
          voiceServerUrl: proc.url,
          source: twoTurnScript(() => signalled),
          mediaTap: caller.mediaTap,
        });
        void call.ended.then(() => {
          endedAtMs.set(call, Date.now());
          processAliveAtEnd.set(call, proc.exit === undefined);
        });
        return call;
      }),
    );
    // Every call is connected and has heard its agent before the signal.
    await Promise.all(
      calls.map((c) => c.waitFor((call) => call.heardMs >= 300 && !call.isHearingAudio, 20_000)),
    );
    expect(calls.every((c) => c.isStreaming)).toBe(true);

    proc.signal('SIGTERM');
    signalled = true;
    let ready = 200;
    for (let i = 0; i < 200 && ready !== 503; i++) ready = await status(`${proc.url}/health-check/ready`);
    expect(ready).toBe(503);
    // Readiness flipped while every call was still in the middle of its script.
    expect(calls.filter((c) => c.endedWith !== undefined)).toEqual([]);
    expect(await status(`${proc.url}/health-check/live`)).toBe(200);

    // A new call: the webhook still answers TwiML (another pod takes the stream), the upgrade gets 503.
    const sessionsBefore = stack.realtime.sessions.length;
    const late = await stack.call({ voiceServerUrl: proc.url });
    const lateEnd = await late.ended;
    expect(late.twiml?.verbs[0]).toMatchObject({ verb: 'Connect' });
    expect(lateEnd).toMatchObject({ reason: 'stream_failed', httpStatus: 503 });
    expect(stack.realtime.sessions.length).toBe(sessionsBefore);
    const metrics = await (await fetch(`${proc.url}/metrics`)).text();
    expect(metrics).toMatch(/^voice_draining 1$/m);
    expect(metrics).toMatch(/^voice_streams_refused_total 1$/m);

    const exit = await proc.exited;
    expect(exit).toMatchObject({ code: 0, signal: null });

    // Every call ran its script to the end and hung up itself; the process outlived each of them.
    for (const call of calls) {
      expect(call.endedWith?.reason).toBe('caller_hangup');
      expect(call.scriptFinished).toBe(true);
      expect(call.scriptErrors).toEqual([]);
      expect(processAliveAtEnd.get(call)).toBe(true);
      // Every caller heard the greeting and both replies.
      expect(call.turns.map((t) => t.responseLatencyMs !== undefined)).toEqual([true, true]);
    }
    const lastCallEndMs = Math.max(...endedAtMs.values());
    expect(exit.atMs).toBeGreaterThanOrEqual(lastCallEndMs);

    // No frame lost: each call's Realtime session got every frame its caller sent from the moment the
    // session was configured to the hang-up, in order, once.
    const sessions = stack.realtime.sessions.slice(firstSession);
    expect(sessions).toHaveLength(CALLS);
    for (const caller of callers) {
      const own: RealtimeSimSession[] = sessionsOfCall(sessions, caller.callIndex);
      expect(own).toHaveLength(1);
      const got = appendedFrames(own[0]!);
      expect([...got.callIndexes]).toEqual([caller.callIndex]);
      expect(got.untagged).toBe(0);
      expect(got.chunks.length).toBeGreaterThan(100);
      const from = caller.sentChunks.indexOf(got.chunks[0]!);
      expect(from).toBeGreaterThanOrEqual(0);
      expect(got.chunks).toEqual(caller.sentChunks.slice(from));
    }

    // The process said what it did.
    const draining = proc.logs.find((l) => l.msg === 'draining: no new calls; waiting for calls to end');
    expect(draining).toMatchObject({ reason: 'SIGTERM', calls: CALLS });
    expect(proc.logs.some((l) => l.msg === 'draining done; exiting')).toBe(true);
    expect(proc.logs.filter((l) => l.msg === 'call ended').map((l) => l.reason)).toEqual(
      Array(CALLS).fill('caller_hangup'),
    );
  }, 90_000);

  it('ends a call still running at DRAIN_TIMEOUT_MS with a goodbye, then exits 0', async () => {
    child = await startChildVoiceServer({ ...voiceEnvFor(stack), DRAIN_TIMEOUT_MS: '1500' });
    const proc = child;
    const firstSession = stack.realtime.sessions.length;
    let endedAtMs = 0;
    const call = await stack.call({
      voiceServerUrl: proc.url,
      source: [
        { until: (c) => c.heardMs >= 300 && !c.isHearingAudio, timeoutMs: 20_000 },
        { audio: { toneHz: 300, ms: 600 }, label: 'q1' },
        { pauseMs: 700 },
        { until: (c) => c.turns[0]?.responseLatencyMs !== undefined && !c.isHearingAudio, timeoutMs: 20_000 },
        // Far longer than the drain timeout, and short of the inactivity prompt.
        { pauseMs: 25_000 },
        { hangup: true },
      ],
    });
    void call.ended.then(() => {
      endedAtMs = Date.now();
    });
    await call.waitFor((c) => c.turns[0]?.responseLatencyMs !== undefined && !c.isHearingAudio, 20_000);
    const session = stack.realtime.sessions[firstSession]!;
    const heardBeforeMs = call.heardMs;

    proc.signal('SIGTERM');
    const end = await call.ended;
    const exit = await proc.exited;

    // The agent was asked for a goodbye, the caller heard it, then voice-server hung up through REST.
    const goodbye = session
      .received('response.create')
      .find((e) => JSON.stringify(e.event).includes('end the call now'));
    expect(goodbye).toBeDefined();
    expect(session.replies.at(-1)?.text).toBe(SHUTDOWN_GOODBYE);
    expect(call.heardMs - heardBeforeMs).toBeGreaterThanOrEqual(1000);
    expect(end.reason).toBe('completed_via_api');
    expect(call.scriptFinished).toBe(false);
    const hangups = stack.twilioRest.requests.filter(
      (r) => r.callSid === call.callSid && r.form.Status === 'completed',
    );
    expect(hangups).toHaveLength(1);
    expect(
      proc.logs.some((l) => l.msg === 'draining timed out; ending the remaining calls with a goodbye'),
    ).toBe(true);

    // Recorded as ended by the shutdown (not by the caller), before the process went.
    expect(proc.logs.filter((l) => l.msg === 'call ended').map((l) => l.reason)).toEqual(['shutdown']);
    const list = await stack.staffGet<{
      items: Array<{ callSid: string; status: string; endReason: string }>;
    }>('/api/conversations');
    expect(list.items.find((c) => c.callSid === call.callSid)).toMatchObject({
      status: 'ended',
      endReason: 'shutdown',
    });

    expect(exit).toMatchObject({ code: 0, signal: null });
    expect(exit.atMs).toBeGreaterThanOrEqual(endedAtMs);
  }, 60_000);
});

// voice-server while its peers are away: ai-server unreachable at call start (served from the cache of
// the last good answer, or an apology when there is none), and app-server unreachable during a call
// (transcript queued, then delivered in order, exactly once, when it returns).
import type { CallerScriptStep, SimulatedCall } from '@switchboard/simulators/twilio';
import { type RunningVoiceServer, readConfig, startVoiceServer } from '@switchboard/voice-server';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { portOf, startTcpProxy, type TcpProxy } from '../support/child-tcp-proxy.ts';
import { voiceEnvFor } from '../support/child-voice-server.ts';
import { type FullStack, startFullStack } from '../support/full-stack.ts';

const GREETING = 'Hi, Acme here.';
const QUESTION = 'Where is my order?';
const ANSWER = 'It ships today.';
const CACHED_CALLER = '+14155550177';

interface ConversationView {
  conversation: { callSid: string; status: string; endReason: string | null };
  messages: Array<{ sequence: number; role: string; text: string | null }>;
}

let stack: FullStack;
let aiProxy: TcpProxy;
let appProxy: TcpProxy;
let podB: RunningVoiceServer | undefined;

beforeAll(async () => {
  // voice-server reaches ai-server and app-server through relays the tests switch off and on.
  aiProxy = await startTcpProxy();
  appProxy = await startTcpProxy();
  stack = await startFullStack({
    realtime: {
      scenario: {
        greeting: GREETING,
        msPerChar: 40,
        turns: [
          { user: QUESTION, say: ANSWER },
          { user: 'And the returns address?', say: 'Returns go to our warehouse in Denver.' },
        ],
      },
    },
    voiceEnv: { AI_SERVER_URL: aiProxy.httpUrl, APP_SERVER_URL: appProxy.httpUrl },
  });
  aiProxy.setTarget(portOf(stack.ai.url));
  appProxy.setTarget(portOf(stack.appServer.url));
}, 60_000);
afterEach(async () => {
  aiProxy.on();
  appProxy.on();
  await podB?.server.app.close();
  podB = undefined;
});
afterAll(async () => {
  await stack?.close();
  await aiProxy?.close();
  await appProxy?.close();
});

/** Greeting, one question answered, hang up. */
const oneTurn: CallerScriptStep<SimulatedCall>[] = [
  { until: (c) => c.heardMs >= 300 && !c.isHearingAudio, timeoutMs: 20_000 },
  { audio: { toneHz: 300, ms: 600 }, label: 'question' },
  { pauseMs: 700 },
  { until: (c) => c.turns[0]?.responseLatencyMs !== undefined && !c.isHearingAudio, timeoutMs: 20_000 },
  { pauseMs: 200 },
  { hangup: true },
];

async function metricsOf(url: string): Promise<string> {
  return (await fetch(`${url}/metrics`)).text();
}

/** The value of an unlabelled metric line, or of one with the given labels. */
function metric(text: string, name: string, labels = ''): number | undefined {
  const escaped = `${name}${labels}`.replace(/[{}"]/g, (c) => `\\${c}`);
  const m = new RegExp(`^${escaped} (\\S+)$`, 'm').exec(text);
  return m ? Number(m[1]) : undefined;
}

async function conversationOf(callSid: string, timeoutMs = 10_000): Promise<ConversationView> {
  let id: string | undefined;
  await expect
    .poll(
      async () => {
        const list = await stack.staffGet<{ items: Array<{ id: string; callSid: string; status: string }> }>(
          '/api/conversations',
        );
        const c = list.items.find((x) => x.callSid === callSid);
        id = c?.id;
        return c?.status;
      },
      { timeout: timeoutMs, interval: 200 },
    )
    .toBe('ended');
  return stack.staffGet<ConversationView>(`/api/conversations/${id}`);
}

/** A second voice-server pod with its own (empty) cache, wired like the first. */
async function startPodB(): Promise<RunningVoiceServer> {
  podB = await startVoiceServer(
    readConfig({
      ...voiceEnvFor(stack),
      LOG_LEVEL: 'silent',
      AI_SERVER_URL: aiProxy.httpUrl,
      APP_SERVER_URL: appProxy.httpUrl,
    }),
    { handleSignals: false, exit: () => {} },
  );
  return podB;
}

describe('ai-server unreachable at call start', () => {
  it('serves the call from the last good answer', async () => {
    const good = await stack.call({ source: oneTurn });
    expect((await good.ended).reason).toBe('caller_hangup');
    const sessionsBefore = stack.realtime.sessions.length;

    aiProxy.off();
    const refusedBefore = aiProxy.refused;
    const call = await stack.call({ source: oneTurn, from: CACHED_CALLER });
    const end = await call.ended;

    // ai-server was really asked, and really unreachable.
    expect(aiProxy.refused).toBeGreaterThan(refusedBefore);
    // The webhook still routed the call, and the agent greeted and answered with the cached setup.
    expect(call.twiml?.verbs[0]).toMatchObject({ verb: 'Connect' });
    expect(end.reason).toBe('caller_hangup');
    expect(call.scriptErrors).toEqual([]);
    expect(call.turns[0]?.responseLatencyMs).toBeDefined();
    const session = stack.realtime.sessions[sessionsBefore]!;
    expect(stack.realtime.sessions).toHaveLength(sessionsBefore + 1);
    expect(session.config.instructions).toContain('Acme Outfitters');
    // The cached prompt was filled in for this caller, not the previous one.
    expect(session.config.instructions).toContain(CACHED_CALLER);
    expect(session.config.instructions).not.toContain(good.from);
    expect(session.config.tools.map((t) => t.name)).toEqual(
      expect.arrayContaining(['get_knowledge', 'transfer_to_human']),
    );
    const text = await metricsOf(stack.voiceUrl);
    for (const method of [
      'lookupBotProfile',
      'getBotProfile',
      'checkCredits',
      'getSystemPrompt',
      'getAvailableTools',
    ])
      expect(metric(text, 'voice_ai_stale_answers_total', `{method="${method}"}`), method).toBeGreaterThan(0);
    // app-server, which is up, has the whole conversation.
    const view = await conversationOf(call.callSid);
    expect(view.messages.map((m) => [m.role, m.text])).toEqual([
      ['agent', GREETING],
      ['caller', QUESTION],
      ['agent', ANSWER],
    ]);
  }, 45_000);

  it('apologizes and ends the call when nothing is cached', async () => {
    // The first pod routes this number from its cache (a short call while ai-server was up).
    const warm = await stack.call({
      source: [{ until: (c) => c.heardMs > 0, timeoutMs: 10_000 }, { hangup: true }],
    });
    expect((await warm.ended).reason).toBe('caller_hangup');
    aiProxy.off();
    const pod = await startPodB();
    const sessionsBefore = stack.realtime.sessions.length;

    // The webhook reaches a pod that has never seen this number: Twilio is told to apologize and hang up.
    const atWebhook = await stack.call({ voiceServerUrl: pod.url, source: oneTurn });
    expect((await atWebhook.ended).reason).toBe('twiml_hangup');
    expect(atWebhook.said).toEqual([
      'Sorry, we cannot take your call right now. Please try again later. Goodbye.',
    ]);

    // The webhook reached a pod with a cached route, the stream a pod without any cached setup.
    const podBStream = new URL('/twilio-stream', pod.url.replace(/^http/, 'ws')).toString();
    const atStream = await stack.call({ source: oneTurn, resolveStreamUrl: () => podBStream });
    const end = await atStream.ended;
    expect(atStream.twiml?.verbs[0]).toMatchObject({ verb: 'Connect' });
    expect(end.reason).toBe('twiml_hangup');
    expect(atStream.redirects).toHaveLength(1);
    expect(atStream.said).toEqual([
      'Sorry, we are having trouble connecting your call. Please try again later. Goodbye.',
    ]);
    expect(atStream.heardMs).toBe(0);
    // No Realtime session was opened for either call.
    expect(stack.realtime.sessions).toHaveLength(sessionsBefore);
    const text = await metricsOf(pod.url);
    // Pod B took the stream (and only that), and ended it without a model.
    expect(metric(text, 'voice_calls_started_total')).toBe(1);
    expect(metric(text, 'voice_active_calls')).toBe(0);
  }, 45_000);
});

describe('app-server unreachable during a call', () => {
  it('delivers the queued transcript once app-server is back: in order, exactly once, nothing dropped', async () => {
    let outage = false;
    const call = await stack.call({
      source: [
        { until: (c) => outage && !c.isHearingAudio, timeoutMs: 20_000 },
        { audio: { toneHz: 300, ms: 600 }, label: 'q1' },
        { pauseMs: 700 },
        { until: (c) => c.turns[0]?.responseLatencyMs !== undefined && !c.isHearingAudio, timeoutMs: 20_000 },
        { audio: { toneHz: 300, ms: 600 }, label: 'q2' },
        { pauseMs: 700 },
        { until: (c) => c.turns[1]?.responseLatencyMs !== undefined && !c.isHearingAudio, timeoutMs: 20_000 },
        { hangup: true },
      ],
    });
    // app-server has the conversation and its greeting; then it goes away.
    await expect
      .poll(
        async () => {
          const list = await stack.staffGet<{ items: Array<{ callSid: string }> }>('/api/conversations');
          return list.items.some((c) => c.callSid === call.callSid);
        },
        { timeout: 10_000, interval: 100 },
      )
      .toBe(true);
    await call.waitFor((c) => c.heardMs >= 300 && !c.isHearingAudio, 20_000);
    appProxy.off();
    outage = true;

    expect((await call.ended).reason).toBe('caller_hangup');
    // While app-server is away the call went on, and its transcript waits in voice-server's queue.
    await expect
      .poll(async () => metric(await metricsOf(stack.voiceUrl), 'voice_app_sync_queue_depth'))
      .toBeGreaterThan(0);
    const during = await metricsOf(stack.voiceUrl);
    expect(metric(during, 'voice_app_sync_retries_total')).toBeGreaterThan(0);
    expect(appProxy.refused).toBeGreaterThan(0);

    appProxy.on();
    const view = await conversationOf(call.callSid, 30_000);
    expect(view.conversation.endReason).toBe('caller_hangup');
    const seqs = view.messages.map((m) => m.sequence);
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    expect(new Set(seqs).size).toBe(seqs.length);
    expect(view.messages.map((m) => [m.role, m.text])).toEqual([
      ['agent', GREETING],
      ['caller', QUESTION],
      ['agent', ANSWER],
      ['caller', 'And the returns address?'],
      ['agent', 'Returns go to our warehouse in Denver.'],
    ]);
    // The queue drained and reported no loss.
    const after = await metricsOf(stack.voiceUrl);
    expect(metric(after, 'voice_app_sync_queue_depth')).toBe(0);
    expect(after).not.toMatch(/^voice_app_sync_dropped_total\{/m);
  }, 60_000);
});

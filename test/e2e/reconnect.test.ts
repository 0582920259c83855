// Realtime reconnect through the whole stack: a socket dropped mid-response and an expired session each
// resume the conversation on a new Realtime session that is given what the caller said before; an
// endpoint that refuses every reconnect ends in a transfer to a person, with an apology.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ModelTiming, RealtimeSimSession, Scenario } from '@switchboard/simulators/openai-realtime';
import type { SimulatedCall } from '@switchboard/simulators/twilio';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { portOf, startTcpProxy, type TcpProxy } from '../support/child-tcp-proxy.ts';
import { ACME, type FullStack, startFullStack } from '../support/full-stack.ts';

const ORDER_LINE = 'My order number is 4417.';
const RESUMED_LINE = 'Thanks for waiting. Order 4417 ships tomorrow.';
/** The first Realtime session of each call: a greeting and one long answer (a drop lands inside it). */
const FIRST_SESSION: Scenario = {
  greeting: 'Hi, Acme here.',
  msPerChar: 40,
  // The caller's words are transcribed before the drop lands in the answer (a drop before the
  // transcript arrives gives the turn back as audio: the test below).
  turns: [
    { user: ORDER_LINE, say: 'Thanks. Let me look up order 4417 for you.', transcription: { delayMs: 0 } },
  ],
};
/**
 * A session opened after a drop: it answers the order number only if the replayed history gives it
 * back as text, then takes one more caller turn.
 */
const RESUMED_SESSION: Scenario = {
  msPerChar: 40,
  turns: [
    { userText: '4417', say: RESUMED_LINE },
    { user: 'Great, thanks.', say: 'You are welcome. Goodbye!' },
  ],
  default: 'Sorry, what was that?',
};
/** The first frame of voice-server's "one moment" filler, as the caller receives it. */
const FILLER_FIRST_PAYLOAD = readFileSync(
  join(import.meta.dirname, '..', '..', 'services', 'voice-server', 'assets', 'one-moment.ulaw'),
)
  .subarray(0, 800)
  .toString('base64');

interface ConversationView {
  conversation: { callSid: string; status: string; endReason: string | null };
  messages: Array<{ sequence: number; role: string; text: string | null }>;
  tickets: Array<{ kind?: string; type?: string }>;
}

let stack: FullStack;
let realtimeProxy: TcpProxy;

beforeAll(async () => {
  // voice-server reaches the Realtime simulator through a relay the last test switches off.
  realtimeProxy = await startTcpProxy();
  stack = await startFullStack({
    realtime: { scenario: FIRST_SESSION },
    voiceEnv: { OPENAI_REALTIME_URL: `ws://127.0.0.1:${realtimeProxy.port}/v1/realtime` },
  });
  realtimeProxy.setTarget(portOf(stack.realtime.url));
}, 120_000);
afterEach(() => {
  realtimeProxy.on();
  stack.realtime.setTiming('instant');
  stack.realtime.setScenario(FIRST_SESSION);
});
afterAll(async () => {
  await stack?.close();
  await realtimeProxy?.close();
});

/** The call-path tests run under both model timings of the Realtime simulator. */
const TIMINGS: Array<[string, ModelTiming]> = [
  ['instant model timing', 'instant'],
  ['realistic model timing', 'realistic'],
];

const tone = (label: string) => ({ audio: { toneHz: 300, ms: 600 }, label });

/** Media messages the caller received: index in `received`, payload. */
function mediaReceived(call: SimulatedCall): Array<{ index: number; atMs: number; payload: string }> {
  return call.received.flatMap((m, index) =>
    m.message.event === 'media' ? [{ index, atMs: m.atMs, payload: m.message.media.payload }] : [],
  );
}

async function conversationOf(callSid: string): Promise<ConversationView> {
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
      { timeout: 10_000 },
    )
    .toBe('ended');
  return stack.staffGet<ConversationView>(`/api/conversations/${id}`);
}

/**
 * What a resumed conversation must show: the new session got the same configuration and the caller's
 * earlier turn as a user text item before it was asked to respond, answered from it, and the caller
 * heard the filler and then the agent again.
 */
function expectResumed(call: SimulatedCall, first: RealtimeSimSession, resumed: RealtimeSimSession): void {
  const firstUpdate = first.received('session.update')[0]!.event;
  const resumedUpdate = resumed.received('session.update')[0]!.event;
  expect(resumedUpdate.session).toEqual(firstUpdate.session);

  const replayed = resumed.received('conversation.item.create').map((e) => ({
    seq: e.seq,
    item: e.event.item as { role?: string; content?: Array<{ text?: string }> },
  }));
  const callerTurn = replayed.find((r) => r.item.role === 'user' && r.item.content?.[0]?.text === ORDER_LINE);
  expect(callerTurn).toBeDefined();
  const firstCreate = resumed.received('response.create')[0]!;
  expect(callerTurn!.seq).toBeLessThan(firstCreate.seq);
  expect(JSON.stringify(firstCreate.event)).toContain('line dropped');
  expect(resumed.replies[0]).toMatchObject({ source: 'turn', text: RESUMED_LINE });

  // Nothing sent to the caller was cleared, so the filler and the resumed answer were heard in order.
  expect(call.clears).toEqual([]);
  const media = mediaReceived(call);
  const filler = media.find((m) => m.payload === FILLER_FIRST_PAYLOAD);
  expect(filler).toBeDefined();
  const resumedAudio = new Set(resumed.sent('response.output_audio.delta').map((e) => e.event.delta));
  const agentAgain = media.find((m) => m.index > filler!.index && resumedAudio.has(m.payload));
  expect(agentAgain).toBeDefined();
  const heardAfterMs =
    call.heard.filter((h) => h.atMs >= agentAgain!.atMs).reduce((n, h) => n + h.audio.length, 0) / 8;
  expect(heardAfterMs).toBeGreaterThanOrEqual(1000);
}

describe('Realtime reconnect', () => {
  it.each(TIMINGS)(
    'resumes after the socket drops in the middle of a response, under %s',
    async (_name, timing) => {
      stack.realtime.setTiming(timing);
      const base = stack.realtime.sessions.length;
      let armed = false;
      const resumedDone = () => (stack.realtime.sessions[base + 1]?.sent('response.done').length ?? 0) >= 1;
      const call = await stack.call({
        source: [
          { until: (c) => armed && !c.isHearingAudio, timeoutMs: 20_000 },
          tone('order number'),
          { pauseMs: 700 },
          { until: (c) => resumedDone() && !c.isHearingAudio, timeoutMs: 20_000 },
          tone('thanks'),
          { pauseMs: 700 },
          {
            until: (c) => c.turns[1]?.responseLatencyMs !== undefined && !c.isHearingAudio,
            timeoutMs: 20_000,
          },
          { hangup: true },
        ],
      });
      const first = await stack.realtime.session(base, 10_000);
      await first.waitFor('response.done', { timeoutMs: 10_000 });
      // Drop the socket three audio deltas into the answer to the caller's turn.
      const greetingDeltas = first.sent('response.output_audio.delta').length;
      first.setFaults({ dropSocket: { afterAudioDeltas: greetingDeltas + 3, mode: 'terminate' } });
      stack.realtime.setScenario(RESUMED_SESSION);
      armed = true;

      const end = await call.ended;
      expect(end.reason).toBe('caller_hangup');
      expect(call.scriptErrors).toEqual([]);
      // The answer was cut off: it started, and its socket went away before it finished.
      expect(first.sent('response.output_audio.delta').length).toBe(greetingDeltas + 3);
      expect(first.sent('response.done')).toHaveLength(1);
      expect(stack.realtime.sessions).toHaveLength(base + 2);
      const resumed = stack.realtime.sessions[base + 1]!;
      expectResumed(call, first, resumed);
      // The conversation went on: the caller's next turn was answered on the new session.
      expect(resumed.replies[1]).toMatchObject({ source: 'turn', text: 'You are welcome. Goodbye!' });

      // app-server has every turn once, the replay added nothing.
      const view = await conversationOf(call.callSid);
      expect(view.conversation.endReason).toBe('caller_hangup');
      const lines = view.messages.filter((m) => m.text).map((m) => [m.role, m.text]);
      expect(lines).toEqual([
        ['agent', 'Hi, Acme here.'],
        ['caller', ORDER_LINE],
        ['agent', RESUMED_LINE],
        ['caller', 'Great, thanks.'],
        ['agent', 'You are welcome. Goodbye!'],
      ]);
    },
    45_000,
  );

  it('gives the new session the caller turn as audio when the socket dropped before its transcript', async () => {
    // The first session transcribes slowly (10 s); its answer is cut off three deltas in, long before.
    stack.realtime.setScenario({
      ...FIRST_SESSION,
      turns: [{ ...FIRST_SESSION.turns![0]!, transcription: { delayMs: 10_000 } }],
    });
    const base = stack.realtime.sessions.length;
    let armed = false;
    const resumedDone = () => (stack.realtime.sessions[base + 1]?.sent('response.done').length ?? 0) >= 1;
    const call = await stack.call({
      source: [
        { until: (c) => armed && !c.isHearingAudio, timeoutMs: 20_000 },
        tone('order number'),
        { pauseMs: 700 },
        { until: (c) => resumedDone() && !c.isHearingAudio, timeoutMs: 20_000 },
        { hangup: true },
      ],
    });
    const first = await stack.realtime.session(base, 10_000);
    await first.waitFor('response.done', { timeoutMs: 10_000 });
    const greetingDeltas = first.sent('response.output_audio.delta').length;
    first.setFaults({ dropSocket: { afterAudioDeltas: greetingDeltas + 3, mode: 'terminate' } });
    // The new session knows the question only by hearing it: an audio turn, no text to match.
    stack.realtime.setScenario({ msPerChar: 40, turns: [{ user: ORDER_LINE, say: RESUMED_LINE }] });
    armed = true;

    const end = await call.ended;
    expect(end.reason).toBe('caller_hangup');
    expect(call.scriptErrors).toEqual([]);
    expect(first.sent('conversation.item.input_audio_transcription.completed')).toHaveLength(0);
    const resumed = stack.realtime.sessions[base + 1]!;
    const items = resumed.received('conversation.item.create').map((e) => ({
      seq: e.seq,
      item: e.event.item as { role?: string; content?: Array<{ type: string; audio?: string }> },
    }));
    const audioTurn = items.find(
      (i) => i.item.role === 'user' && i.item.content?.[0]?.type === 'input_audio',
    );
    expect(audioTurn).toBeDefined();
    // The 600 ms tone, as committed (the VAD's padding around it included), in mu-law.
    const bytes = Buffer.from(audioTurn!.item.content![0]!.audio!, 'base64').length;
    expect(bytes).toBeGreaterThanOrEqual(600 * 8);
    expect(bytes).toBeLessThanOrEqual(2_000 * 8);
    expect(audioTurn!.seq).toBeLessThan(resumed.received('response.create')[0]!.seq);
    expect(resumed.replies[0]).toMatchObject({ source: 'turn', text: RESUMED_LINE });
  }, 45_000);

  it.each(TIMINGS)(
    'resumes after session_expired and a 1001 close, under %s',
    async (_name, timing) => {
      stack.realtime.setTiming(timing);
      const base = stack.realtime.sessions.length;
      const resumedDone = () => (stack.realtime.sessions[base + 1]?.sent('response.done').length ?? 0) >= 1;
      const call = await stack.call({
        source: [
          { until: (c) => c.heardMs >= 300 && !c.isHearingAudio, timeoutMs: 20_000 },
          tone('order number'),
          { pauseMs: 700 },
          { until: (c) => resumedDone() && !c.isHearingAudio, timeoutMs: 20_000 },
          tone('thanks'),
          { pauseMs: 700 },
          {
            until: (c) => c.turns[1]?.responseLatencyMs !== undefined && !c.isHearingAudio,
            timeoutMs: 20_000,
          },
          { hangup: true },
        ],
      });
      const first = await stack.realtime.session(base, 10_000);
      // Once the answer to the caller's turn has been heard, the Realtime session hits its time cap.
      await call.waitFor((c) => c.turns[0]?.responseLatencyMs !== undefined && !c.isHearingAudio, 20_000);
      stack.realtime.setScenario(RESUMED_SESSION);
      first.setFaults({ sessionExpiresAfterMs: 0 });

      const end = await call.ended;
      expect(end.reason).toBe('caller_hangup');
      expect(call.scriptErrors).toEqual([]);
      const expired = first.sent('error').map((e) => (e.event.error as { code?: string }).code);
      expect(expired).toContain('session_expired');
      expect(await first.closed).toMatchObject({ code: 1001 });
      expect(stack.realtime.sessions).toHaveLength(base + 2);
      const resumed = stack.realtime.sessions[base + 1]!;
      expectResumed(call, first, resumed);
      // The agent's finished answer was replayed too.
      const assistant = resumed
        .received('conversation.item.create')
        .map((e) => e.event.item as { role?: string; content?: Array<{ text?: string }> })
        .filter((i) => i.role === 'assistant')
        .map((i) => i.content?.[0]?.text);
      expect(assistant).toEqual(['Hi, Acme here.', 'Thanks. Let me look up order 4417 for you.']);
      expect(resumed.replies[1]).toMatchObject({ source: 'turn', text: 'You are welcome. Goodbye!' });
      const metrics = await (await fetch(`${stack.voiceUrl}/metrics`)).text();
      expect(metrics).toMatch(/^voice_realtime_errors_total\{code="session_expired"\} [1-9]/m);
    },
    45_000,
  );

  it('transfers the caller with an apology when every reconnect is refused', async () => {
    const base = stack.realtime.sessions.length;
    const call = await stack.call({
      source: [
        { until: (c) => c.heardMs >= 300 && !c.isHearingAudio, timeoutMs: 20_000 },
        { pauseMs: 30_000 },
      ],
    });
    await call.waitFor((c) => c.heardMs >= 300 && !c.isHearingAudio, 20_000);
    const refusedBefore = realtimeProxy.refused;
    // The Realtime endpoint goes away: the live socket breaks and every new connection is reset.
    realtimeProxy.off();

    const end = await call.ended;
    expect(end.reason).toBe('dialed');
    expect(realtimeProxy.refused - refusedBefore).toBe(3);
    expect(stack.realtime.sessions).toHaveLength(base + 1);
    // The caller heard the filler, then Twilio played the apology and dialled the profile's target.
    expect(mediaReceived(call).some((m) => m.payload === FILLER_FIRST_PAYLOAD)).toBe(true);
    expect(call.said).toEqual([
      'Sorry, we are having technical trouble. Let me connect you with a colleague.',
    ]);
    expect(call.dialed).toHaveLength(1);
    expect(call.dialed[0]).toMatchObject({ number: ACME.transferTarget });
    const updates = stack.twilioRest.requests.filter((r) => r.callSid === call.callSid && r.form.Twiml);
    expect(updates).toHaveLength(1);
    expect(updates[0]!.form.Twiml).toContain(`<Number>${ACME.transferTarget}</Number>`);
    expect(updates[0]!.form.Twiml).toContain('technical trouble');

    // The person picking up gets a hand-off ticket, and the conversation says why the AI left.
    const view = await conversationOf(call.callSid);
    expect(view.conversation.endReason).toBe('transferred');
    expect(view.tickets).toHaveLength(1);
  }, 45_000);
});

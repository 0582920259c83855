// The thinking sound during a slow brand tool, end to end: the caller simulator dials voice-server
// (production wiring), the Realtime simulator plays a model that calls the brand's tool, ai-server
// forwards it to an endpoint on loopback that this file holds open and releases on events, never on
// timer margins: the tool answers once the caller has heard the sounds the test counts, and the
// barge-in runs on a caller clock held frame by frame while the sound is in Twilio's buffer.
import type { RealtimeSimSession, Scenario } from '@switchboard/simulators/openai-realtime';
import { FRAME_MS, type SimulatedCall } from '@switchboard/simulators/twilio';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  THINKING_SOUND_MS,
  thinkingSoundChunks,
} from '../../services/voice-server/src/tools/thinking-sound.ts';
import { THINKING_EVERY_MS } from '../../services/voice-server/src/tools/tool-runner.ts';
import { CallerClock } from '../support/caller-clock.ts';
import { ACME, type FullStack, startFullStack } from '../support/full-stack.ts';
import {
  addOrderStatusTool,
  firstFrameOf,
  functionOutput,
  isThinkingSoundPayload,
  nthReply,
  replyPlayback,
  replySaying,
  type SlowToolEndpoint,
  startSlowToolEndpoint,
  thinkingSoundStarts,
  thinkingSoundsHeard,
  toolCallId,
  waitUntilHeard,
} from '../support/tools-call.ts';

/** Short lines keep real-time playback brief; the behaviour does not depend on their length. */
const MS_PER_CHAR = 30;
const SPEECH = { toneHz: 300, ms: 700 };
/** The brand's own tool (an HTTP endpoint on loopback that each test releases). */
const TOOL = 'order_status';
/** Above the longest hold here; ai-server allows up to 15 s in the stack. */
const TOOL_TIMEOUT_MS = 12_000;

let stack: FullStack;
let endpoint: SlowToolEndpoint;
let current: SimulatedCall | undefined;
let clock: CallerClock | undefined;
let sessionIndex = 0;
beforeAll(async () => {
  endpoint = await startSlowToolEndpoint();
  stack = await startFullStack();
  await addOrderStatusTool(stack, {
    name: TOOL,
    endpointUrl: `${endpoint.baseUrl}/order-status`,
    timeoutMs: TOOL_TIMEOUT_MS,
  });
}, 120_000);
afterAll(async () => {
  await stack?.close();
  await endpoint?.close();
});
afterEach(async () => {
  endpoint.release();
  if (current && !current.endedWith) await current.hangup();
  current = undefined;
  clock?.close();
  clock = undefined;
});

const sessionOf = (): RealtimeSimSession | undefined => stack.realtime.sessions[sessionIndex];

const ORDER_QUESTION = 'Where is my order A1234?';
const ORDER_ANSWER = 'Order A1234 shipped yesterday.';

function orderScenario(more: Scenario['turns'] = []): Scenario {
  return {
    greeting: 'Hi, Acme here.',
    msPerChar: MS_PER_CHAR,
    turns: [
      // No spoken line before the call, so nothing delays the sound: it is due 500 ms after the call.
      {
        user: ORDER_QUESTION,
        toolCalls: [{ name: TOOL, arguments: { order_id: 'A1234' } }],
        afterTools: ORDER_ANSWER,
      },
      ...(more ?? []),
    ],
  };
}

/** True once `n` thinking sounds arrived and the last has played to its end (the buffer ran dry). */
const heardSounds = (n: number) => (c: SimulatedCall) =>
  thinkingSoundStarts(c).length >= n && c.bufferedMs === 0 && !c.isHearingAudio;

/**
 * Asks about the order with the tool held until the caller has heard `sounds` thinking sounds whole,
 * then releases it (the next sound is due seconds later), waits for the answer and hangs up.
 */
async function orderCall(sounds: number): Promise<SimulatedCall> {
  endpoint.delayMs = 'held';
  endpoint.requests.length = 0;
  stack.realtime.setScenario(orderScenario());
  sessionIndex = stack.realtime.sessions.length;
  const call = await stack.call({
    source: [
      ...waitUntilHeard(sessionOf, nthReply('greeting')),
      { audio: SPEECH, label: 'order' },
      { until: heardSounds(sounds), timeoutMs: 30_000 },
      ...waitUntilHeard(sessionOf, nthReply('after_tools'), 30_000),
      { hangup: true },
    ],
  });
  current = call;
  await call.waitFor(heardSounds(sounds), 30_000);
  endpoint.release();
  await call.ended;
  return call;
}

/** The tool ran through ai-server to the brand's endpoint, and its result reached the model. */
function expectToolRan(call: SimulatedCall, session: RealtimeSimSession): void {
  expect(session.config.tools.map((t) => t.name)).toContain(TOOL);
  expect(endpoint.requests).toHaveLength(1);
  expect(endpoint.requests[0]!.body).toEqual({
    tool: TOOL,
    arguments: { order_id: 'A1234' },
    callSid: call.callSid,
    profileKey: ACME.profileKey,
  });
  expect(functionOutput(session, toolCallId(session, TOOL))).toEqual({
    ok: true,
    result: { orderId: 'A1234', status: 'shipped' },
  });
}

/** Every thinking sound arrived whole, in order, between the question and the model's answer. */
function expectWholeSoundsBeforeAnswer(call: SimulatedCall, session: RealtimeSimSession): number[] {
  const starts = thinkingSoundStarts(call);
  const chunks = thinkingSoundChunks();
  for (const start of starts) {
    const media = call.received
      .slice(start)
      .flatMap((r) => (r.message.event === 'media' ? [r.message.media.payload] : []))
      .slice(0, chunks.length);
    expect(media).toEqual(chunks);
  }
  const answerAt = firstFrameOf(call, session, replySaying(session, ORDER_ANSWER));
  expect(answerAt).toBeGreaterThan(0);
  for (const start of starts) expect(start).toBeLessThan(answerAt);
  return starts;
}

describe('a slow dynamic tool', () => {
  it.each([
    [1, 'once'],
    [3, 'three times'],
  ])(
    'a tool still running after %i sound(s): the caller hears the thinking sound %s, then the answer',
    async (sounds) => {
      const call = await orderCall(sounds);
      const session = sessionOf()!;
      expectToolRan(call, session);
      expect(expectWholeSoundsBeforeAnswer(call, session)).toHaveLength(sounds);
      expect(thinkingSoundsHeard(call)).toBe(sounds);
      expect(replyPlayback(call, session).get(replySaying(session, ORDER_ANSWER))).toMatchObject({
        cleared: false,
      });
    },
    60_000,
  );

  it('barge-in while the sound plays stops it at once, and it does not come back while the tool runs', async () => {
    endpoint.delayMs = 'held';
    endpoint.requests.length = 0;
    const STILL = 'Still checking.';
    stack.realtime.setScenario(orderScenario([{ user: 'Is that the blue jacket?', say: STILL }]));
    sessionIndex = stack.realtime.sessions.length;
    clock = new CallerClock();
    const callerClock = clock;
    const soundArrived = () => current !== undefined && thinkingSoundStarts(current).length > 0;
    // The caller's clock runs at real time until the sound's first frame has reached it, and stops
    // before playing any of it.
    const untilSound = callerClock.run(soundArrived);
    const call = await stack.call({
      ticker: callerClock.ticker,
      source: [
        ...waitUntilHeard(sessionOf, nthReply('greeting')),
        { audio: SPEECH, label: 'order' },
        { until: (c) => thinkingSoundStarts(c).length > 0, timeoutMs: 10_000 },
        { audio: { toneHz: 300, ms: 600 }, label: 'barge-in' },
        { until: () => endpoint.requests[0]?.answeredAtMs !== undefined, timeoutMs: 30_000 },
        ...waitUntilHeard(sessionOf, nthReply('after_tools'), 30_000),
        { hangup: true },
      ],
    });
    current = call;
    await untilSound;
    const soundAtWallMs = performance.now();
    const session = sessionOf()!;

    // Frame by frame: each frame plays 20 ms of the sound and sends 20 ms of the caller's speech; the
    // next frame waits until voice-server has forwarded this one to the model and, once the model
    // heard speech, until voice-server's clear has reached the caller.
    const appends = () => session.received('input_audio_buffer.append').length;
    const speechStarts = () => session.sent('input_audio_buffer.speech_started').length;
    const speechBefore = speechStarts();
    let frames = 0;
    while (call.clears.length === 0) {
      expect(frames * FRAME_MS).toBeLessThan(THINKING_SOUND_MS);
      const forwarded = appends();
      callerClock.step();
      frames++;
      await vi.waitFor(() => expect(appends()).toBeGreaterThan(forwarded), { timeout: 5_000, interval: 2 });
      if (speechStarts() > speechBefore) await call.waitFor((c) => c.clears.length > 0, 5_000);
    }
    const clear = call.clears[0]!;
    // The clear cut the sound while it still played: audio of it was dropped, every mark it echoed
    // was one of the sound's.
    expect(clear.droppedMs).toBeGreaterThan(0);
    expect(clear.marks.length).toBeGreaterThan(0);
    const starts = thinkingSoundStarts(call);
    expect(starts).toHaveLength(1);
    const clearAt = call.received.findIndex((r, i) => i > starts[0]! && r.message.event === 'clear');
    expect(clearAt).toBeGreaterThan(starts[0]!);
    const soundMarks = new Set<string>();
    for (let i = starts[0]!; i < clearAt; i++) {
      const msg = call.received[i]!.message;
      const prev = call.received[i - 1]!.message;
      if (msg.event === 'mark' && prev.event === 'media' && isThinkingSoundPayload(prev.media.payload))
        soundMarks.add(msg.mark.name);
    }
    for (const mark of clear.marks) expect(soundMarks.has(mark)).toBe(true);

    // The call goes on at real time. The tool is held until the reply to the barge-in was heard and
    // the next sound would have been due, so "it does not come back" covers that moment.
    const rest = callerClock.run();
    const stillDone = () => {
      const id = sessionOf()?.replies.find((r) => r.text === STILL)?.responseId;
      return (
        id !== undefined && session.sent('response.done').some((e) => JSON.stringify(e.event).includes(id))
      );
    };
    await call.waitFor((c) => stillDone() && c.bufferedMs === 0 && !c.isHearingAudio, 30_000);
    const dueAgainMs = soundAtWallMs + THINKING_EVERY_MS + 500 - performance.now();
    if (dueAgainMs > 0) await new Promise((resolve) => setTimeout(resolve, dueAgainMs));
    endpoint.release();
    await call.ended;
    callerClock.hold();
    await rest;

    expectToolRan(call, session);
    expect(call.turns[1]).toMatchObject({ label: 'barge-in', bargeIn: { stoppedBy: 'clear' } });
    const soundAfterClear = call.received
      .slice(clearAt)
      .filter((r) => r.message.event === 'media' && isThinkingSoundPayload(r.message.media.payload));
    expect(soundAfterClear).toHaveLength(0);
    // The caller spoke while the tool still ran: both speech starts came before the tool's output.
    const outputSeq = session
      .received('conversation.item.create')
      .find((e) => (e.event as { item: { type: string } }).item.type === 'function_call_output')!.seq;
    const speechStartSeqs = session.sent('input_audio_buffer.speech_started').map((e) => e.seq);
    expect(speechStartSeqs.filter((seq) => seq < outputSeq)).toHaveLength(2);
    // The call went on: the answer came and was heard.
    expect(replyPlayback(call, session).get(replySaying(session, ORDER_ANSWER))).toMatchObject({
      cleared: false,
    });
  }, 60_000);
});

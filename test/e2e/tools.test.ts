// Tools during a live call, end to end: the Twilio caller simulator dials voice-server (production
// wiring), the Realtime simulator plays a scripted model that calls tools, ai-server searches knowledge
// and forwards the brand's own tool, app-server records hand-offs and callbacks, and the Calls REST fake
// receives the transfer and the hang-up.
import type { ModelTiming, RealtimeSimSession, Scenario } from '@switchboard/simulators/openai-realtime';
import type { CallerScriptStep, SimulatedCall } from '@switchboard/simulators/twilio';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ACME, type FullStack, startFullStack } from '../support/full-stack.ts';
import {
  type CallbackView,
  endedConversation,
  functionOutput,
  nthReply,
  replyPlayback,
  replySaying,
  toolCallId,
  waitUntilHeard,
} from '../support/tools-call.ts';

/** The number the simulated caller dials from (full-stack's default `From`). */
const CALLER_NUMBER = '+14155550123';
/** Distinct from the number the caller dialled, so a SIP transfer visibly uses the profile's caller ID. */
const SIP_OUTBOUND_CALLER_ID = '+18005550142';
/** Short lines keep real-time playback brief; the behaviour does not depend on their length. */
const MS_PER_CHAR = 30;
const SPEECH = { toneHz: 300, ms: 700 };

/** Each call runs under both model timings of the Realtime simulator. */
const TIMINGS: Array<[string, ModelTiming]> = [
  ['instant model timing', 'instant'],
  ['realistic model timing', 'realistic'],
];

// One stack for the file (starting one costs seconds on a shared machine); each test sets its own
// scenario and model timing, places its own call and reads only what carries that call's SID.
let stack: FullStack;
let current: SimulatedCall | undefined;
let sessionIndex = 0;
beforeAll(async () => {
  stack = await startFullStack({ profile: { outboundCallerId: SIP_OUTBOUND_CALLER_ID } });
  // Twilio shows only numbers the account owns or verified as a transfer's caller ID.
  stack.twilioRest.setAccountNumbers({ owned: [ACME.number], verified: [SIP_OUTBOUND_CALLER_ID] });
}, 60_000);
afterAll(async () => {
  await stack?.close();
});
afterEach(async () => {
  // A test that failed mid-call must not leave its call running into the next one.
  if (current && !current.endedWith) await current.hangup();
  current = undefined;
});

/** Places a call playing `scenario` under `timing`; the Realtime session of this call is `sessionOf()`. */
async function placeCall(
  scenario: Scenario,
  source: CallerScriptStep<SimulatedCall>[],
  opts: { sip?: boolean; timing: ModelTiming },
): Promise<SimulatedCall> {
  stack.realtime.setScenario(scenario);
  stack.realtime.setTiming(opts.timing);
  sessionIndex = stack.realtime.sessions.length;
  current = await stack.call({ ...(opts.sip ? { sip: { domain: ACME.sipDomain } } : {}), source });
  return current;
}

const sessionOf = (): RealtimeSimSession | undefined => stack.realtime.sessions[sessionIndex];

/** The Calls API requests voice-server made for this call. */
function restPostsFor(call: SimulatedCall) {
  return stack.twilioRest.requests.filter((r) => r.callSid === call.callSid && r.method === 'POST');
}

// --- knowledge lookup, then a transfer to a person ------------------------------------------------

const QUESTION = 'How long does shipping take?';
const LOOKING = 'Let me check.';
const ANSWER = 'Standard shipping takes three to five business days.';
const ASK_PERSON = 'Can I talk to a person, please?';
const TRANSITION = 'Of course, I am connecting you with a colleague now.';
const HANDOFF = {
  reason: 'The caller asked for a person',
  summary: 'Asked how long shipping takes and heard three to five business days; wants a colleague.',
};

const transferScenario: Scenario = {
  greeting: ACME.greeting,
  msPerChar: MS_PER_CHAR,
  turns: [
    {
      user: QUESTION,
      say: LOOKING,
      toolCalls: [{ name: 'get_knowledge', arguments: { query: 'how long does shipping take' } }],
      afterTools: ANSWER,
    },
    {
      user: ASK_PERSON,
      toolCalls: [{ name: 'transfer_to_human', arguments: HANDOFF }],
      afterTools: TRANSITION,
    },
  ],
};

/** Greeting, a question answered from the knowledge base, then "a person, please". */
const questionThenPerson = (): CallerScriptStep<SimulatedCall>[] => [
  ...waitUntilHeard(sessionOf, nthReply('greeting')),
  { audio: SPEECH, label: 'question' },
  ...waitUntilHeard(sessionOf, nthReply('after_tools')),
  { audio: SPEECH, label: 'person' },
  // The transfer ends the call long before this.
  { pauseMs: 30_000 },
  { hangup: true },
];

async function transferCall(sip: boolean, timing: ModelTiming) {
  const call = await placeCall(transferScenario, questionThenPerson(), { sip, timing });
  const end = await call.ended;
  const session = sessionOf()!;

  // The knowledge lookup went through ai-server's search; its answer was spoken and heard in full.
  const knowledge = functionOutput(session, toolCallId(session, 'get_knowledge')) as {
    ok: boolean;
    results: Array<{ chunk_id: string; title: string }>;
  };
  expect(knowledge.ok).toBe(true);
  expect(knowledge.results.length).toBeGreaterThan(0);
  expect(knowledge.results.map((r) => r.title).join(' ')).toMatch(/shipping/i);
  const playback = replyPlayback(call, session);
  expect(playback.get(replySaying(session, ANSWER))).toMatchObject({
    cleared: false,
    lastMarkEchoedAtMs: expect.any(Number),
  });

  // The transition line was heard to its end, and only then did the Calls API get the <Dial>.
  expect(end.reason).toBe('dialed');
  const transition = playback.get(replySaying(session, TRANSITION))!;
  expect(transition.frames).toBeGreaterThan(0);
  expect(transition.cleared).toBe(false);
  expect(call.redirects).toHaveLength(1);
  const redirect = call.redirects[0]!;
  expect(redirect.via).toBe('rest_twiml');
  expect(transition.lastMarkEchoedAtMs).toBeLessThanOrEqual(redirect.atMs);
  const updates = stack.twilioRest.updates.filter((u) => u.callSid === call.callSid);
  expect(updates).toHaveLength(1);
  expect(updates[0]!.twiml).toBe(redirect.twiml);
  expect(restPostsFor(call).map((r) => [r.status, r.authorized])).toEqual([[200, true]]);

  // app-server holds the warm hand-off record: summary, transcript and the knowledge the agent used.
  const view = await endedConversation(stack, call.callSid);
  expect(view.conversation.endReason).toBe('transferred');
  const handoffs = view.tickets.filter((t) => t.kind === 'handoff');
  expect(handoffs).toHaveLength(1);
  const ticket = handoffs[0]!;
  expect(ticket.summary).toContain(HANDOFF.reason);
  expect(ticket.summary).toContain(HANDOFF.summary);
  expect(ticket.transferTarget).toBe(ACME.transferTarget);
  expect(ticket.transcriptExcerpt).toContain(`Caller: ${QUESTION}`);
  expect(ticket.transcriptExcerpt).toContain(`Agent: ${ANSWER}`);
  expect(ticket.transcriptExcerpt).toContain(`Caller: ${ASK_PERSON}`);
  const retrieved = [...new Set(knowledge.results.map((r) => r.chunk_id))].sort();
  expect([...ticket.knowledgeChunkIds].sort()).toEqual(retrieved);
  return { call, redirect, twiml: updates[0]!.twiml!, view };
}

describe('a question answered from the knowledge base, then a transfer to a person', () => {
  it.each(TIMINGS)(
    'PSTN: after the hand-off record and the transition line, dials out with the caller’s own number, under %s',
    async (_name, timing) => {
      const { call, redirect, twiml, view } = await transferCall(false, timing);
      expect(view.conversation.isSip).toBe(false);
      const dial = { verb: 'Dial', callerId: CALLER_NUMBER, number: ACME.transferTarget };
      expect(redirect.verbs).toEqual([expect.objectContaining(dial)]);
      expect(call.dialed).toEqual([expect.objectContaining(dial)]);
      expect(twiml).toContain(`<Dial callerId="${CALLER_NUMBER}">`);
    },
    60_000,
  );

  it.each(TIMINGS)(
    'SIP: after the hand-off record and the transition line, dials out with the profile’s caller ID, under %s',
    async (_name, timing) => {
      const { call, redirect, twiml, view } = await transferCall(true, timing);
      expect(call.from).toMatch(/^sip:/);
      expect(view.conversation.isSip).toBe(true);
      const dial = { verb: 'Dial', callerId: SIP_OUTBOUND_CALLER_ID, number: ACME.transferTarget };
      expect(redirect.verbs).toEqual([expect.objectContaining(dial)]);
      expect(call.dialed).toEqual([expect.objectContaining(dial)]);
      expect(twiml).toContain(`<Dial callerId="${SIP_OUTBOUND_CALLER_ID}">`);
    },
    60_000,
  );
});

// --- a callback, then the agent ends the call -----------------------------------------------------

const CALLBACK = {
  reason: 'Wants to exchange a jacket for a larger size',
  window_start: '2026-11-24T09:00:00-05:00',
  window_end: '2026-11-24T11:00:00-05:00',
  timezone: 'America/New_York',
};
const CONFIRMED = 'Done: a colleague will call you tomorrow between nine and eleven.';
const GOODBYE = 'Thanks for calling Acme. Goodbye!';

describe('a callback booked, then end_call', () => {
  it.each(TIMINGS)(
    'books the callback in app-server, says goodbye, then hangs up through the Calls API, under %s',
    async (_name, timing) => {
      const call = await placeCall(
        {
          greeting: ACME.greeting,
          msPerChar: MS_PER_CHAR,
          turns: [
            {
              user: 'Could someone call me back tomorrow morning?',
              toolCalls: [{ name: 'create_callback_ticket', arguments: CALLBACK }],
              afterTools: CONFIRMED,
            },
            {
              user: 'That is all, thanks. Bye!',
              toolCalls: [{ name: 'end_call', arguments: { reason: 'The caller said goodbye' } }],
              afterTools: GOODBYE,
            },
          ],
        },
        [
          ...waitUntilHeard(sessionOf, nthReply('greeting')),
          { audio: SPEECH, label: 'callback' },
          ...waitUntilHeard(sessionOf, nthReply('after_tools')),
          { audio: SPEECH, label: 'bye' },
          // end_call ends the call long before this.
          { pauseMs: 30_000 },
          { hangup: true },
        ],
        { timing },
      );
      const end = await call.ended;
      const session = sessionOf()!;

      // The goodbye was heard to its end, then the Calls API hung up.
      expect(end.reason).toBe('completed_via_api');
      const playback = replyPlayback(call, session);
      expect(playback.get(replySaying(session, CONFIRMED))).toMatchObject({ cleared: false });
      const goodbye = playback.get(replySaying(session, GOODBYE))!;
      expect(goodbye.frames).toBeGreaterThan(0);
      expect(goodbye.cleared).toBe(false);
      expect(goodbye.lastMarkEchoedAtMs).toBeLessThanOrEqual(end.atMs);
      const updates = stack.twilioRest.updates.filter((u) => u.callSid === call.callSid);
      expect(updates.map((u) => [u.status, u.twiml])).toEqual([['completed', undefined]]);
      expect(restPostsFor(call).map((r) => [r.form.Status, r.status])).toEqual([['completed', 200]]);

      // The callback's result went back to the model, and app-server has the callback.
      expect(functionOutput(session, toolCallId(session, 'create_callback_ticket'))).toMatchObject({
        ok: true,
        status: 'scheduled',
      });
      const view = await endedConversation(stack, call.callSid);
      const callbacks = (await stack.staffGet<{ items: CallbackView[] }>('/api/callbacks')).items.filter(
        (c) => c.conversationId === view.conversation.id,
      );
      expect(callbacks).toHaveLength(1);
      expect(callbacks[0]).toMatchObject({
        phone: CALLER_NUMBER,
        reason: CALLBACK.reason,
        timezone: CALLBACK.timezone,
        windowStart: new Date(CALLBACK.window_start).toISOString(),
        windowEnd: new Date(CALLBACK.window_end).toISOString(),
        ticket: { kind: 'callback', conversationId: view.conversation.id },
      });
      expect(view.tickets.filter((t) => t.kind === 'callback').map((t) => t.id)).toEqual([
        callbacks[0]!.ticketId,
      ]);
      // The agent ended this call, whichever of Twilio's stream stop and the REST answer lands first.
      expect(view.conversation.endReason).toBe('agent_hangup');
    },
    60_000,
  );
});

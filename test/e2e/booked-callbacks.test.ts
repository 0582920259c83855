// Booked callbacks placed by the product itself: a caller's callback (booked on an earlier call) comes
// due, app-server's sweep asks ai-server's outbound API to call, voice-server dials through the Twilio
// REST fake, a simulated person answers and hears the agent open with the callback's reason.
import type { RealtimeSimSession, Scenario } from '@switchboard/simulators/openai-realtime';
import type { CallerScriptStep, SimulatedCall } from '@switchboard/simulators/twilio';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SERVICE_TOKEN } from '../support/constants.ts';
import { ACME, type FullStack, startFullStack } from '../support/full-stack.ts';
import { endedConversation, nthReply, waitUntilHeard } from '../support/tools-call.ts';

/** A Monday, 12:00 in New York: inside calling hours, inside the callback's window. */
const NOW = new Date('2026-12-07T17:00:00Z');
const CALLER = '+14155550123';

let stack: FullStack;
let sessionIndex = 0;
beforeAll(async () => {
  stack = await startFullStack({ aiNow: () => NOW, callbacks: { now: () => NOW } });
}, 120_000);
afterAll(async () => {
  await stack?.close();
});

const sessionOf = (): RealtimeSimSession | undefined => stack.realtime.sessions[sessionIndex];
const service = { authorization: `Bearer ${SERVICE_TOKEN}`, 'content-type': 'application/json' };

/** A call that booked a callback, reported to app-server as voice-server reports it. */
async function bookCallback(): Promise<string> {
  const callSid = `CA${'5'.repeat(32)}`;
  const started = await fetch(`${stack.appServer.url}/internal/conversations`, {
    method: 'POST',
    headers: service,
    body: JSON.stringify({
      callSid,
      botProfileKey: ACME.profileKey,
      brandId: stack.ai.brandId,
      callerNumber: CALLER,
      isSip: false,
      startedAt: '2026-12-07T14:00:00.000Z',
    }),
  });
  expect(started.status).toBeLessThan(300);
  const booked = await fetch(`${stack.appServer.url}/internal/conversations/${callSid}/tickets/callback`, {
    method: 'POST',
    headers: service,
    body: JSON.stringify({
      phone: CALLER,
      windowStart: '2026-12-07T16:30:00.000Z',
      windowEnd: '2026-12-07T19:00:00.000Z',
      timezone: 'America/New_York',
      reason: 'the boiler repair quote',
      idempotencyKey: 'e2e-callback',
    }),
  });
  expect(booked.status).toBe(201);
  return ((await booked.json()) as { callbackId: string }).callbackId;
}

const scenario: Scenario = {
  persona: { match: /Call back about: the boiler repair quote/ },
  msPerChar: 30,
  greeting: 'Hello, this is Acme calling you back about your boiler repair quote.',
  turns: [],
};

const personListensThenHangsUp = (): CallerScriptStep<SimulatedCall>[] => [
  ...waitUntilHeard(sessionOf, nthReply('greeting')),
  { hangup: true },
];

describe('booked callbacks', () => {
  it('places a due callback once the brand opts in, and a person answers the agent calling back', async () => {
    const callbackId = await bookCallback();
    const sweep = () => stack.appServer.callbacks!.sweep();
    // Not opted in: nothing is placed.
    expect(await sweep()).toEqual({ placed: 0, waiting: 0, refused: 0, expired: 0 });

    const optIn = await fetch(`${stack.appServer.url}/admin/brands/${stack.ai.brandId}`, {
      method: 'PUT',
      headers: service,
      body: JSON.stringify({ autoPlaceCallbacks: true }),
    });
    expect(optIn.status).toBe(200);
    stack.realtime.setScenario(scenario);
    sessionIndex = stack.realtime.sessions.length;
    stack.setCallee(() => ({ answer: 'human', source: personListensThenHangsUp() }));

    const [first, second] = await Promise.all([sweep(), sweep()]);
    expect(first.placed + second.placed).toBe(1);
    const view = await stack.staffGet<{
      placement: { state: string; outboundCallId: string; callSid: string; conversationUrl: string };
    }>(`/api/callbacks/${callbackId}`);
    expect(view.placement).toMatchObject({ state: 'placed' });
    const dialed = await stack.dialer.waitForCall(view.placement.callSid);
    expect(dialed.created.request).toMatchObject({ to: CALLER, from: ACME.outboundCallerId });
    expect(await dialed.done).toBe('completed');
    expect(dialed.call!.scriptErrors).toEqual([]);
    expect(sessionOf()!.replies[0]!.instructions).toContain('Call back about: the boiler repair quote');

    // The outbound call is ai-server's, with the callback's idempotency key behind it.
    const outbound = await fetch(`${stack.ai.url}/admin/outbound-calls/${view.placement.outboundCallId}`, {
      headers: { authorization: `Bearer ${stack.ai.apiKey}` },
    });
    expect(await outbound.json()).toMatchObject({ to: CALLER, callSid: view.placement.callSid });
    // The call back is a conversation staff read, with the caller as the other party.
    expect(view.placement.conversationUrl).toBe(`/conversations/by-call/${view.placement.callSid}`);
    const conversation = await endedConversation(stack, view.placement.callSid);
    expect(conversation.conversation.callerNumber).toMatch(/0123$/);
    // A later sweep leaves it be.
    expect(await sweep()).toEqual({ placed: 0, waiting: 0, refused: 0, expired: 0 });
  });
});

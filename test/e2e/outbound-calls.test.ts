// Outbound calls end to end: the brand's API on ai-server, voice-server creating the call through the
// Twilio REST fake (the real twilio SDK), the simulated callee answering (a person, a machine, nobody),
// signed status and AMD callbacks, the Realtime simulator playing an agent that records the outcome.
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { verifyWebhook } from '@switchboard/ai-server';
import type { RealtimeSimSession, Scenario } from '@switchboard/simulators/openai-realtime';
import type { CallerScriptStep, SimulatedCall } from '@switchboard/simulators/twilio';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ACME, type FullStack, startFullStack } from '../support/full-stack.ts';
import { endedConversation, nthReply, waitUntilHeard } from '../support/tools-call.ts';

/** A Monday, 12:00 in New York (the profile's zone, and so the callee's for a +1 number). */
const NOW = new Date('2026-12-07T17:00:00Z');
const CALLEE = '+14155550199';
const TASK = 'Ask for a quote to repaint a two-bedroom flat.';
const OUTCOME_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  required: ['price', 'currency'],
  properties: { price: { type: 'number' }, currency: { type: 'string' }, availableFrom: { type: 'string' } },
};
const OUTCOME = { price: 450, currency: 'GBP', availableFrom: '2027-01-04' };
const VOICEMAIL = 'Hello, this is Acme Outfitters about your quote. Please call us back.';
const SPEECH = { toneHz: 300, ms: 700 };

/** The brand's view of a call, or an error answer (the fields the tests read). */
interface CallView {
  id: string;
  status: string;
  callSid: string;
  to: string;
  from: string;
  outcome: unknown;
  answeredBy: string | null;
  voicemail: string | null;
  attempt: number;
  previousAttempts: Array<{ callSid: string; status: string }>;
  conversation: { callSid: string } | null;
  webhook: { eventId: string; state: string; attempts: number; lastStatus: number | null } | null;
  error: {
    code: string;
    message: string;
    twilioCode?: number;
    details: { twilioCode?: number; outboundCallId: string };
  };
}

let stack: FullStack;
let sessionIndex = 0;
/** The brand's webhook receiver: what it was sent. */
let receiver: Server;
const hooks: Array<{ headers: IncomingHttpHeaders; body: string }> = [];
beforeAll(async () => {
  receiver = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      hooks.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
  stack = await startFullStack({
    aiNow: () => NOW,
    outbound: { maxConcurrentPerBrand: 3, retryPollMs: 200 },
  });
  // The whole stack starts here: under a loaded CI machine that took over a minute.
}, 120_000);
afterAll(async () => {
  await stack?.close();
  await new Promise((r) => receiver?.close(r));
});

const sessionOf = (): RealtimeSimSession | undefined => stack.realtime.sessions[sessionIndex];

let keyN = 0;
async function placeOutbound(overrides: Record<string, unknown> = {}) {
  const res = await fetch(`${stack.ai.url}/admin/outbound-calls`, {
    method: 'POST',
    headers: { authorization: `Bearer ${stack.ai.apiKey}`, 'content-type': 'application/json' },
    body: JSON.stringify({
      to: CALLEE,
      profileKey: ACME.profileKey,
      task: TASK,
      context: { flat: 'two bedrooms, Leeds' },
      outcomeSchema: OUTCOME_SCHEMA,
      idempotencyKey: `e2e-${++keyN}`,
      ...overrides,
    }),
  });
  return { status: res.status, body: (await res.json()) as CallView };
}

async function outboundCall(id: string): Promise<CallView> {
  const res = await fetch(`${stack.ai.url}/admin/outbound-calls/${id}`, {
    headers: { authorization: `Bearer ${stack.ai.apiKey}` },
  });
  return (await res.json()) as CallView;
}

/** Polls the brand's view of a call until `done` holds (the final status callback is asynchronous). */
async function until(id: string, done: (c: CallView) => boolean, timeoutMs = 20_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const c = await outboundCall(id);
    if (done(c)) return c;
    if (Date.now() > deadline) throw new Error(`outbound call ${id} never got there: ${JSON.stringify(c)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function functionOutputs(session: RealtimeSimSession): Array<Record<string, unknown>> {
  return session
    .received('conversation.item.create')
    .map((e) => (e.event as { item: { type: string; output?: string } }).item)
    .filter((i) => i.type === 'function_call_output')
    .map((i) => JSON.parse(i.output!) as Record<string, unknown>);
}

// The agent opens with the task, hears the price, first records it wrong (the model is told what to
// fix), then records it right and says goodbye.
const quoteScenario: Scenario = {
  persona: { match: /repaint a two-bedroom flat/ },
  msPerChar: 30,
  greeting: 'Hello, this is Acme calling about a quote to repaint a flat.',
  turns: [
    {
      user: 'It would be four hundred and fifty pounds, from the fourth of January.',
      toolCalls: [{ name: 'record_call_outcome', arguments: { price: 'four hundred and fifty' } }],
      afterTools: {
        toolCalls: [{ name: 'record_call_outcome', arguments: OUTCOME }],
        afterTools: 'Thank you, that is all I needed. Goodbye.',
      },
    },
  ],
};

const calleeGivesPrice = (): CallerScriptStep<SimulatedCall>[] => [
  ...waitUntilHeard(sessionOf, nthReply('greeting')),
  { audio: SPEECH, label: 'price' },
  ...waitUntilHeard(sessionOf, nthReply('after_tools', 1)),
  { hangup: true },
];

describe('outbound calls', () => {
  it('calls a person with the task, who gives the price; the outcome is validated, stored and posted', async () => {
    // The brand's webhook (a receiver on loopback: the stack allows it, as for dynamic tools).
    const hook = await fetch(`${stack.ai.url}/admin/outbound-webhook`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${stack.ai.apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ url: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/calls` }),
    });
    expect(hook.status).toBe(201);
    const { secret } = (await hook.json()) as { secret: string };
    stack.realtime.setScenario(quoteScenario);
    sessionIndex = stack.realtime.sessions.length;
    stack.setCallee(() => ({ answer: 'human', source: calleeGivesPrice() }));

    const placed = await placeOutbound();
    expect(placed.status).toBe(201);
    expect(placed.body).toMatchObject({ status: 'queued', to: CALLEE, from: ACME.outboundCallerId });
    const dialed = await stack.dialer.waitForCall(placed.body.callSid);
    expect(dialed.created.request).toMatchObject({ machineDetection: 'Enable', asyncAmd: true });
    expect(await dialed.done).toBe('completed');
    expect(dialed.call!.scriptErrors).toEqual([]);

    const session = sessionOf()!;
    // The first words were the task's, not the inbound greeting.
    expect(session.replies[0]!.instructions).toContain('Introduce yourself briefly');
    expect(session.replies[0]!.instructions).toContain(TASK);
    expect(session.replies[0]!.instructions).not.toContain(ACME.greeting);
    const [refused, recorded] = functionOutputs(session);
    expect(refused).toMatchObject({ ok: false });
    expect(JSON.stringify(refused)).toMatch(/currency is required|price must be number/);
    expect(recorded).toMatchObject({ ok: true });

    const view = await until(placed.body.id, (c) => c.status === 'completed');
    expect(view).toMatchObject({ outcome: OUTCOME, answeredBy: 'human', voicemail: null });
    expect(view.conversation?.callSid).toBe(placed.body.callSid);
    // The conversation staff read is the same call, with the callee as the other party.
    const conversation = await endedConversation(stack, placed.body.callSid);
    expect(conversation.conversation.callerNumber).toMatch(/0199$/);
    // The outcome is in the conversation's transcript too: the tool call that recorded it.
    const recordedTurns = (conversation.messages as Array<Record<string, unknown>>).filter(
      (m) => m.toolName === 'record_call_outcome',
    );
    expect(recordedTurns).toHaveLength(2);
    expect(recordedTurns[1]).toMatchObject({ toolArguments: OUTCOME, toolResult: { ok: true } });
    // Status callbacks came in Twilio's order, all accepted.
    const statuses = stack.dialer.callbacks
      .filter((c) => c.callSid === placed.body.callSid && c.kind === 'status')
      .map((c) => [c.params.CallStatus, c.httpStatus]);
    expect(statuses).toEqual([
      ['initiated', 204],
      ['ringing', 204],
      ['in-progress', 204],
      ['completed', 204],
    ]);
    // The brand's receiver got the signed event, once, with the outcome and the conversation.
    const withWebhook = await until(placed.body.id, (c) => c.webhook?.state === 'delivered');
    expect(hooks).toHaveLength(1);
    const [got] = hooks;
    expect(verifyWebhook(secret, got!.headers['switchboard-signature'] as string, got!.body)).toMatchObject({
      ok: true,
    });
    expect(got!.headers['switchboard-event-id']).toBe(withWebhook.webhook!.eventId);
    expect(JSON.parse(got!.body)).toMatchObject({
      id: withWebhook.webhook!.eventId,
      type: 'outbound_call.ended',
      call: {
        id: placed.body.id,
        status: 'completed',
        answeredBy: 'human',
        outcome: OUTCOME,
        conversation: { callSid: placed.body.callSid },
      },
    });
    expect(withWebhook.webhook).toMatchObject({ attempts: 1, lastStatus: 204 });
  }, 60_000);

  it('records a no-answer from the status callback', async () => {
    stack.setCallee(() => ({ answer: 'no-answer', ringMs: 200 }));
    const placed = await placeOutbound();
    expect(placed.status).toBe(201);
    const view = await until(placed.body.id, (c) => c.status === 'no-answer');
    expect(view).toMatchObject({ outcome: null, answeredBy: null, endedAt: expect.any(String) });
    const dialed = await stack.dialer.waitForCall(placed.body.callSid);
    expect(dialed.call).toBeUndefined();
  });

  it('answers a repeated idempotency key with the same call, placed once', async () => {
    stack.setCallee(() => ({ answer: 'busy' }));
    const creates = () => stack.twilioRest.requests.filter((r) => r.path.endsWith('/Calls.json')).length;
    const before = creates();
    const first = await placeOutbound({ idempotencyKey: 'same-key' });
    const again = await placeOutbound({ idempotencyKey: 'same-key' });
    expect([first.status, again.status]).toEqual([201, 200]);
    expect(again.body.id).toBe(first.body.id);
    expect(creates() - before).toBe(1);
    expect((await until(first.body.id, (c) => c.status === 'busy')).status).toBe('busy');
  });

  it('refuses a number Twilio will not call, with Twilio’s error', async () => {
    // E.164-shaped, but no NANP area code starts with 0.
    const placed = await placeOutbound({ to: '+10005550100' });
    expect(placed.status).toBe(400);
    expect(placed.body.error).toMatchObject({ code: 'TWILIO_REFUSED', details: { twilioCode: 21211 } });
    const view = await outboundCall(placed.body.error.details.outboundCallId);
    expect(view).toMatchObject({ status: 'failed', error: { twilioCode: 21211 } });
  });

  it('refuses a call outside the callee’s calling hours, naming the rule', async () => {
    const placed = await placeOutbound({ to: '+81312345678' });
    expect(placed.status).toBe(422);
    expect(placed.body.error.code).toBe('OUTSIDE_CALLING_HOURS');
    expect(placed.body.error.message).toMatch(/calling hours: it is 02:00 for the callee \(Asia\/Tokyo/);
  });

  it('leaves the profile’s voicemail message after the machine’s beep', async () => {
    const patched = await fetch(`${stack.ai.url}/admin/profiles/${ACME.profileKey}`, {
      method: 'PATCH',
      headers: { authorization: `Bearer ${stack.ai.apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ voicemailMessage: VOICEMAIL }),
    });
    expect(patched.status).toBe(200);
    stack.realtime.setScenario({ msPerChar: 30, greeting: 'Hello, this is Acme calling about a quote.' });
    stack.setCallee(() => ({ answer: 'machine', greeting: 'please leave a message', beep: true }));
    sessionIndex = stack.realtime.sessions.length;

    const placed = await placeOutbound();
    expect(placed.status).toBe(201);
    const dialed = await stack.dialer.waitForCall(placed.body.callSid);
    expect(dialed.created.request.machineDetection).toBe('DetectMessageEnd');
    expect(await dialed.done).toBe('completed');
    // Twilio said the message (the TwiML voice-server put in place of the stream), then hung up.
    expect(dialed.call!.said).toEqual([VOICEMAIL]);
    // The agent never spoke over the greeting: its opening waited for AMD, which said machine.
    expect(sessionOf()?.replies ?? []).toEqual([]);
    expect(dialed.call!.endedWith?.reason).toBe('twiml_hangup');
    const amd = stack.dialer.callbacks.find((c) => c.callSid === placed.body.callSid && c.kind === 'amd');
    expect(amd).toMatchObject({ params: { AnsweredBy: 'machine_end_beep' }, httpStatus: 204 });
    const view = await until(placed.body.id, (c) => c.status === 'completed');
    expect(view).toMatchObject({ answeredBy: 'machine_end_beep', voicemail: 'left_message', outcome: null });
  }, 60_000);

  it('tries a busy callee again per the profile, and keeps the last try’s no-answer', async () => {
    const patched = await fetch(`${stack.ai.url}/admin/profiles/${ACME.profileKey}`, {
      method: 'PATCH',
      headers: { authorization: `Bearer ${stack.ai.apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ outboundRetry: { attempts: 2, backoffSec: 1 } }),
    });
    expect(patched.status).toBe(200);
    let tries = 0;
    stack.setCallee(() => (++tries === 1 ? { answer: 'busy' } : { answer: 'no-answer', ringMs: 100 }));
    const creates = () => stack.twilioRest.requests.filter((r) => r.path.endsWith('/Calls.json')).length;
    const before = creates();
    const placed = await placeOutbound();
    expect(placed.status).toBe(201);
    const view = await until(placed.body.id, (c) => c.status === 'no-answer');
    expect(view.attempt).toBe(2);
    expect(view.previousAttempts).toMatchObject([{ callSid: placed.body.callSid, status: 'busy' }]);
    expect(view.callSid).not.toBe(placed.body.callSid);
    expect(creates() - before).toBe(2);
  }, 30_000);
});

// Specialist agents through the whole stack: a three-agent profile (concierge, quotes, scheduler) on
// ai-server, the Twilio caller simulator dialling voice-server, and the Realtime simulator's scripted
// model calling transfer_to_<agent>. The caller is handed to the quotes specialist and back while a
// knowledge lookup runs, all on one Realtime session whose voice never changes (the simulator refuses a
// voice change after audio with cannot_update_voice, as the API does); app-server records each hand-off.
// Then a socket dropped after a hand-off: the new session starts as the agent that was talking.
import type { RealtimeSimSession, Scenario } from '@switchboard/simulators/openai-realtime';
import type { SimulatedCall } from '@switchboard/simulators/twilio';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ACME, type FullStack, startFullStack } from '../support/full-stack.ts';
import {
  endedConversation,
  functionOutput,
  nthReply,
  toolCallId,
  waitUntilHeard,
} from '../support/tools-call.ts';

const AGENTS = {
  entryAgent: 'concierge',
  returnRequired: true,
  agents: [
    { key: 'concierge', instructions: 'Greet callers and route them.', handoffs: ['quotes', 'scheduler'] },
    {
      key: 'quotes',
      instructions: 'Give quotes for group orders.',
      tools: ['get_knowledge', 'end_call'],
      voice: 'cedar',
      handoffs: ['concierge'],
    },
    { key: 'scheduler', instructions: 'Book store visits.', tools: ['end_call'], handoffs: ['concierge'] },
  ],
};
const SPEECH = { toneHz: 300, ms: 700 };
const QUOTES_HELLO = 'Quotes desk here. How many jackets?';
const BACK = 'Shipping takes three to five days. I am back at the front desk.';
const GOODBYE = 'Thanks for calling Acme. Goodbye!';

const handOffScenario: Scenario = {
  greeting: ACME.greeting,
  msPerChar: 20,
  turns: [
    {
      user: 'I would like a quote for a group order.',
      toolCalls: [
        {
          name: 'transfer_to_quotes',
          arguments: { reason: 'wants a group quote', context: { size: 'group' } },
        },
      ],
      afterTools: QUOTES_HELLO,
    },
    {
      user: 'How long does shipping take? Then back to the front desk, please.',
      // The lookup runs while the caller is handed back.
      toolCalls: [
        { name: 'get_knowledge', arguments: { query: 'how long does shipping take' } },
        { name: 'transfer_to_concierge', arguments: { reason: 'quote done' } },
      ],
      afterTools: BACK,
    },
    {
      user: 'That is all.',
      toolCalls: [{ name: 'end_call', arguments: { reason: 'done' } }],
      afterTools: GOODBYE,
    },
  ],
};

let stack: FullStack;
let current: SimulatedCall | undefined;
let sessionIndex = 0;
beforeAll(async () => {
  stack = await startFullStack({ profile: AGENTS });
}, 120_000);
afterAll(async () => {
  await stack?.close();
});
afterEach(async () => {
  if (current && !current.endedWith) await current.hangup();
  current = undefined;
});

const sessionOf = (): RealtimeSimSession | undefined => stack.realtime.sessions[sessionIndex];
type Update = { session: { instructions?: string; tools?: Array<{ name: string }>; audio?: unknown } };
const updatesOf = (s: RealtimeSimSession) =>
  s.received('session.update').map((e) => (e.event as Update).session);
const names = (u: Update['session']) => (u.tools ?? []).map((t) => t.name).sort();

describe('agents and hand-offs within a call', () => {
  it('hands the caller to a specialist and back on one live session, with a tool running across it', async () => {
    stack.realtime.setScenario(handOffScenario);
    sessionIndex = stack.realtime.sessions.length;
    current = await stack.call({
      source: [
        ...waitUntilHeard(sessionOf, nthReply('greeting')),
        { audio: SPEECH, label: 'quote' },
        ...waitUntilHeard(sessionOf, nthReply('after_tools', 0)),
        { audio: SPEECH, label: 'shipping' },
        ...waitUntilHeard(sessionOf, nthReply('after_tools', 1)),
        { audio: SPEECH, label: 'bye' },
        { pauseMs: 20_000 },
        { hangup: true },
      ],
    });
    const end = await current.ended;
    expect(end.reason).not.toBe('caller_hangup');
    expect(stack.realtime.sessions).toHaveLength(sessionIndex + 1); // never reconnected
    const session = sessionOf()!;
    expect(session.sent('error')).toEqual([]);

    const [entry, toQuotes, back] = updatesOf(session);
    expect(entry!.instructions).toContain('the concierge agent\nGreet callers and route them.');
    expect(names(entry!)).toEqual(expect.arrayContaining(['transfer_to_quotes', 'transfer_to_scheduler']));
    expect(toQuotes!.instructions).toContain('the quotes agent\nGive quotes for group orders.');
    expect(names(toQuotes!)).toEqual([
      'end_call',
      'get_knowledge',
      'switch_language',
      'transfer_to_concierge',
    ]);
    expect(toQuotes!.audio).toBeUndefined(); // the voice stays
    expect(back!.instructions).toContain('the concierge agent');

    // The specialist answered under its own instructions; the lookup's result reached the model after
    // the hand-back, and the concierge answered with it.
    const after = session.replies.filter((r) => r.source === 'after_tools');
    expect(after[0]).toMatchObject({ text: QUOTES_HELLO });
    expect(after[0]!.instructions).toContain('the quotes agent');
    expect(functionOutput(session, toolCallId(session, 'get_knowledge'))).toMatchObject({ ok: true });
    expect(after[1]).toMatchObject({ text: BACK });
    expect(after[1]!.instructions).toContain('the concierge agent');

    const view = await endedConversation(stack, current.callSid);
    const handOffs = (view.messages as unknown as Array<{ source: string; handoff?: unknown }>)
      .filter((m) => m.source === 'handoff')
      .map((m) => m.handoff);
    expect(handOffs).toEqual([
      { from: 'concierge', to: 'quotes', reason: 'wants a group quote' },
      { from: 'quotes', to: 'concierge', reason: 'quote done' },
    ]);
  }, 90_000);

  it('a reconnect after a hand-off restores the agent that was talking', async () => {
    stack.realtime.setScenario({
      greeting: ACME.greeting,
      msPerChar: 40,
      turns: [
        {
          user: 'Can I book a store visit?',
          toolCalls: [{ name: 'transfer_to_scheduler', arguments: { reason: 'wants a visit' } }],
          afterTools: 'Scheduler here. Which day would suit you for a visit to the store?',
        },
      ],
      default: 'Sorry, could you say that again?',
    });
    sessionIndex = stack.realtime.sessions.length;
    let dropped = false;
    current = await stack.call({
      source: [
        ...waitUntilHeard(sessionOf, nthReply('greeting')),
        { audio: SPEECH, label: 'visit' },
        { until: () => dropped, timeoutMs: 20_000 },
        { until: () => stack.realtime.sessions.length > sessionIndex + 1, timeoutMs: 20_000 },
        { pauseMs: 1_000 },
        { hangup: true },
      ],
    });
    const first = await stack.realtime.session(sessionIndex, 10_000);
    // Once the scheduler starts answering, the socket drops a few deltas in.
    const deadline = Date.now() + 20_000;
    while (first.received('session.update').length < 2 && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 20));
    first.setFaults({
      dropSocket: {
        afterAudioDeltas: first.sent('response.output_audio.delta').length + 3,
        mode: 'terminate',
      },
    });
    dropped = true;
    await current.ended;
    const resumed = stack.realtime.sessions[sessionIndex + 1]!;
    const restored = updatesOf(resumed)[0]!;
    expect(restored.instructions).toContain('the scheduler agent\nBook store visits.');
    expect(names(restored)).toEqual(['end_call', 'switch_language', 'transfer_to_concierge']);
  }, 90_000);
});

// A simulated call through all three services on real sockets: voice-server asks the real ai-server for
// the profile, prompt, tools and knowledge, and the transcript lands in the real app-server.
import type { ModelTiming } from '@switchboard/simulators/openai-realtime';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ACME, type FullStack, STAFF, startFullStack } from '../support/full-stack.ts';
import { nthReply, waitUntilHeard } from '../support/tools-call.ts';

interface ConversationView {
  conversation: {
    id: string;
    callSid: string;
    status: string;
    endReason: string | null;
    botProfileKey: string;
  };
  messages: Array<{
    sequence: number;
    role: string;
    text: string | null;
    toolName: string | null;
    toolResult: unknown;
  }>;
  tickets: unknown[];
}

let stack: FullStack;
beforeAll(async () => {
  stack = await startFullStack({
    realtime: {
      scenario: {
        greeting: ACME.greeting,
        turns: [
          {
            user: 'How long does shipping take?',
            say: 'Let me check that for you.',
            toolCalls: [{ name: 'get_knowledge', arguments: { query: 'how long does shipping take' } }],
            afterTools: 'Standard shipping takes three to five business days.',
          },
          {
            user: 'Can someone call me back about a <b>damaged</b> jacket?',
            toolCalls: [
              {
                name: 'create_callback_ticket',
                arguments: { reason: 'Damaged jacket', timezone: 'America/New_York' },
              },
            ],
            afterTools: 'Done, a colleague will call you back.',
          },
        ],
      },
    },
  });
}, 120_000);
afterAll(async () => {
  await stack?.close();
});

describe('a call through voice-server, ai-server and app-server', () => {
  it.each([
    ['instant model timing', 'instant' as ModelTiming],
    ['realistic model timing', 'realistic' as ModelTiming],
  ])(
    'is served by ai-server and recorded in app-server in conversation order, under %s',
    async (_name, timing) => {
      stack.realtime.setTiming(timing);
      const base = stack.realtime.sessions.length;
      const sessionOf = () => stack.realtime.sessions[base];
      // Each step waits for the reply it needs to have been generated and heard in full, whatever the
      // model's timing or the machine's load (a slow tool's thinking sound is not the reply).
      const call = await stack.call({
        source: [
          ...waitUntilHeard(sessionOf, nthReply('greeting')),
          { audio: { toneHz: 300, ms: 700 }, label: 'question' },
          ...waitUntilHeard(sessionOf, nthReply('after_tools', 0), 30_000),
          { audio: { toneHz: 300, ms: 700 }, label: 'callback' },
          ...waitUntilHeard(sessionOf, nthReply('after_tools', 1), 30_000),
          { hangup: true },
        ],
      });
      await call.ended;
      // The profile, prompt and tools came from ai-server.
      expect(call.twiml?.verbs?.[0]).toMatchObject({
        verb: 'Connect',
        stream: { parameters: { bot_profile_key: ACME.profileKey } },
      });
      const session = stack.realtime.sessions[base]!;
      expect(session.config.instructions).toContain('Acme Outfitters');
      expect(session.config.instructions).toContain('PHONE');
      expect(session.config.tools.map((t) => t.name)).toEqual(
        expect.arrayContaining(['get_knowledge', 'transfer_to_human', 'create_callback_ticket', 'end_call']),
      );
      // The knowledge lookup reached ai-server's hybrid search and its answer went back to the model.
      const output = session
        .received('conversation.item.create')
        .find((e) => JSON.stringify(e.event).includes('function_call_output'));
      expect(JSON.stringify(output?.event)).toContain('Shipping times');

      // app-server has the conversation, complete and in order.
      await expect
        .poll(
          async () =>
            (
              await stack.staffGet<{ items: Array<{ callSid: string; status: string }> }>(
                '/api/conversations',
              )
            ).items.find((c) => c.callSid === call.callSid)?.status,
          { timeout: 10_000 },
        )
        .toBe('ended');
      const list = await stack.staffGet<{ items: Array<{ id: string; callSid: string }> }>(
        '/api/conversations',
      );
      const id = list.items.find((c) => c.callSid === call.callSid)!.id;
      const view = await stack.staffGet<ConversationView>(`/api/conversations/${id}`);
      expect(view.conversation).toMatchObject({ botProfileKey: ACME.profileKey, endReason: 'caller_hangup' });
      const seqs = view.messages.map((m) => m.sequence);
      expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
      expect(new Set(seqs).size).toBe(seqs.length);
      const lines = view.messages.map((m) => [m.role, m.toolName ?? m.text]);
      expect(lines).toEqual([
        ['agent', ACME.greeting],
        ['caller', 'How long does shipping take?'],
        ['agent', 'Let me check that for you.'],
        ['tool', 'get_knowledge'],
        ['agent', 'Standard shipping takes three to five business days.'],
        ['caller', 'Can someone call me back about a <b>damaged</b> jacket?'],
        ['tool', 'create_callback_ticket'],
        ['agent', 'Done, a colleague will call you back.'],
      ]);
      expect(view.tickets).toHaveLength(1);

      // The conversations UI shows the same call to the brand's staff, in order, markup escaped.
      const origin = stack.appServer.url;
      const login = await fetch(`${origin}/login`, {
        method: 'POST',
        redirect: 'manual',
        headers: { 'content-type': 'application/x-www-form-urlencoded', origin },
        body: new URLSearchParams({
          brandId: stack.ai.brandId,
          email: STAFF.email,
          password: STAFF.password,
        }),
      });
      expect(login.status).toBe(303);
      const cookie = String(login.headers.get('set-cookie')).split(';')[0]!;
      const page = await (await fetch(`${origin}/conversations/${id}`, { headers: { cookie } })).text();
      // In the transcript itself: the figures above it name the tools too.
      const transcript = page.slice(page.indexOf('aria-label="Transcript"'));
      expect(transcript.length).toBeLessThan(page.length);
      const order = [
        ACME.greeting.replace("'", '&#39;'),
        'How long does shipping take?',
        'get_knowledge',
        'Standard shipping takes three to five business days.',
        'Can someone call me back about a &lt;b&gt;damaged&lt;/b&gt; jacket?',
        'create_callback_ticket',
        'Done, a colleague will call you back.',
      ].map((text) => transcript.indexOf(text));
      expect(order.every((at) => at > 0)).toBe(true);
      expect(order).toEqual([...order].sort((a, b) => a - b));
      expect(page).not.toContain('<b>damaged</b>');
      expect(page).toContain('Damaged jacket');

      // ai-server debited the call once.
      await expect
        .poll(
          async () => {
            const res = await fetch(`${stack.ai.url}/admin/profiles/${ACME.profileKey}/debits`, {
              headers: { authorization: `Bearer ${stack.ai.apiKey}` },
            });
            return ((await res.json()) as { debits: Array<{ callSid: string }> }).debits.filter(
              (d) => d.callSid === call.callSid,
            ).length;
          },
          { timeout: 10_000 },
        )
        .toBe(1);
    },
    60_000,
  );
});

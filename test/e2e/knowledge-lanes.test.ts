// A call on the demo profile served by either retrieval lane: the brand splits calls 50/50 between
// Postgres hybrid search and a Pinecone lane (the simulator behind the real SDK), a call's knowledge
// lookup is answered by the lane its call SID is assigned to, and the conversation records that lane.
import { laneFor } from '@switchboard/ai-server';
import type { RealtimeSimSession, Scenario } from '@switchboard/simulators/openai-realtime';
import type { CallerScriptStep, SimulatedCall } from '@switchboard/simulators/twilio';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ACME, type FullStack, startFullStack } from '../support/full-stack.ts';
import { endedConversation, nthReply, waitUntilHeard } from '../support/tools-call.ts';

const LANES = {
  primary: { name: 'pg-hybrid', store: 'postgres', retrieval: 'hybrid', rerank: true },
  secondary: { name: 'pinecone', store: 'pinecone', retrieval: 'vector', rerank: false },
  secondaryPercent: 50,
} as const;

const scenario: Scenario = {
  greeting: ACME.greeting,
  msPerChar: 20,
  turns: [
    {
      user: 'How long does shipping take?',
      say: 'Let me check.',
      toolCalls: [{ name: 'get_knowledge', arguments: { query: 'how long does shipping take' } }],
      afterTools: 'Standard shipping takes three to five business days.',
    },
  ],
};

let stack: FullStack;
let sessionIndex = 0;
beforeAll(async () => {
  stack = await startFullStack({ pinecone: true });
  const res = await fetch(`${stack.ai.url}/admin/knowledge/lanes`, {
    method: 'PUT',
    headers: { authorization: `Bearer ${stack.ai.apiKey}`, 'content-type': 'application/json' },
    body: JSON.stringify(LANES),
  });
  expect(res.status).toBe(200);
}, 90_000);
afterAll(() => stack?.close());

const sessionOf = (): RealtimeSimSession | undefined => stack.realtime.sessions[sessionIndex];

/** A call SID the brand's split sends to `role`. */
function sidFor(role: 'primary' | 'secondary'): string {
  for (let i = 0; ; i++) {
    const sid = `CA${role === 'primary' ? 'a' : 'b'}${String(i).padStart(31, '0')}`;
    if (laneFor(LANES as never, stack.ai.brandId, sid) === role) return sid;
  }
}

async function callAsking(
  callSid: string,
): Promise<{ call: SimulatedCall; output: Record<string, unknown> }> {
  stack.realtime.setScenario(scenario);
  sessionIndex = stack.realtime.sessions.length;
  const source: CallerScriptStep<SimulatedCall>[] = [
    ...waitUntilHeard(sessionOf, nthReply('greeting')),
    { audio: { toneHz: 300, ms: 700 }, label: 'question' },
    ...waitUntilHeard(sessionOf, nthReply('after_tools')),
    { hangup: true },
  ];
  const call = await stack.call({ callSid, source });
  await call.ended;
  const item = sessionOf()!
    .received('conversation.item.create')
    .map((e) => (e.event as { item: { type: string; output?: string } }).item)
    .find((i) => i.type === 'function_call_output');
  return { call, output: JSON.parse(item!.output!) as Record<string, unknown> };
}

describe('a demo call served by either retrieval lane', () => {
  for (const role of ['primary', 'secondary'] as const) {
    it(`answers from the ${role} lane when the call SID is assigned to it, and the conversation records the lane`, async () => {
      const { call, output } = await callAsking(sidFor(role));
      expect(output).toMatchObject({ ok: true, lane: LANES[role].name });
      const results = output.results as Array<{ title: string }>;
      expect(results.map((r) => r.title).join(' ')).toMatch(/shipping/i);

      const view = await endedConversation(stack, call.callSid);
      const tool = view.messages.find((m) => m.toolName === 'get_knowledge') as unknown as {
        toolResult: { lane: string };
      };
      expect(tool.toolResult.lane).toBe(LANES[role].name);
    }, 60_000);
  }
});

// Specialist agents inside one call: the entry agent's instructions, tools and voice start the session;
// transfer_to_<agent> swaps instructions and tools on the live session (no new socket, no voice change),
// tells the model why, and is recorded; a reconnect restores the agent talking, and a tool started
// before a hand-off still answers into the same conversation.
import type { RealtimeFunctionTool } from '@switchboard/realtime';
import type { ScriptedRealtimeConnection } from '@switchboard/realtime/testing';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { CallProfile } from '../ports/ai-server.ts';
import { callTool, harness, settle, until } from '../testing/session-harness.ts';
import { CallAgents } from './agents.ts';

const AGENTS: Partial<CallProfile> = {
  entryAgent: 'concierge',
  agents: [
    { key: 'concierge', instructions: 'Greet and route.', voice: 'cedar', handoffs: ['quotes', 'scheduler'] },
    {
      key: 'quotes',
      instructions: 'Give quotes.',
      tools: ['get_quote', 'end_call'],
      handoffs: ['concierge'],
    },
    { key: 'scheduler', instructions: 'Book visits.', tools: ['end_call'], handoffs: ['concierge'] },
  ],
};
const GET_QUOTE: RealtimeFunctionTool = {
  type: 'function',
  name: 'get_quote',
  description: 'Quote',
  parameters: { type: 'object', properties: {} },
};

type SessionSent = { instructions?: string; tools?: Array<{ name?: string }> };
const updates = (rt: ScriptedRealtimeConnection) =>
  rt.sentOfType('session.update').map((e) => e.session as SessionSent);
const toolNames = (s: { tools?: Array<{ name?: string }> } | undefined) =>
  (s?.tools ?? []).map((t) => t.name).sort();
const outputs = (rt: ScriptedRealtimeConnection) =>
  rt
    .sentOfType('conversation.item.create')
    .map((e) => e.item)
    .filter((i) => i.type === 'function_call_output') as Array<{ call_id: string; output: string }>;

async function started() {
  const h = harness({ profile: AGENTS, tools: [GET_QUOTE] });
  const rt = await h.rt();
  return { h, rt };
}

describe('agents and hand-offs within a call', () => {
  it('starts with the entry agent: its instructions, its transfer tools and its voice', async () => {
    const { h, rt } = await started();
    const first = updates(rt)[0]!;
    expect(first.instructions).toContain('You are the Acme phone agent');
    expect(first.instructions).toContain('the concierge agent\nGreet and route.');
    expect(toolNames(first)).toContain('transfer_to_quotes');
    expect(toolNames(first)).toContain('transfer_to_scheduler');
    expect(toolNames(first)).not.toContain('transfer_to_concierge');
    expect(toolNames(first)).toContain('transfer_to_human');
    expect((first as { audio?: { output?: { voice?: string } } }).audio?.output?.voice).toBe('cedar');
    h.session.stop();
    await h.done;
  });

  it('hands over on the live session, keeps the voice, tells the model and records it; and back', async () => {
    const { h, rt } = await started();
    callTool(rt, 'r1', 'c1', 'transfer_to_quotes', { reason: 'wants a quote', context: { item: 'roof' } });
    await until(() => outputs(rt).length === 1, 'transfer output');
    const swap = updates(rt)[1]!;
    expect(swap.instructions).toContain('the quotes agent\nGive quotes.');
    expect(swap.instructions).not.toContain('Greet and route.');
    expect(toolNames(swap)).toEqual(['end_call', 'get_quote', 'switch_language', 'transfer_to_concierge']);
    expect(JSON.stringify(swap)).not.toContain('voice');
    const notes = rt
      .sentOfType('conversation.item.create')
      .map((e) => JSON.stringify(e.item))
      .filter((t) => t.includes('handed from the concierge agent'));
    expect(notes[0]).toContain('wants a quote');
    expect(notes[0]).toContain('roof');
    expect(JSON.parse(outputs(rt)[0]!.output)).toMatchObject({ ok: true, agent: 'quotes' });
    await until(() => rt.sentOfType('response.create').length >= 1, 'the new agent answers');
    expect(h.connector.connections).toHaveLength(1);
    expect(h.session.transcript.messages().find((m) => m.source === 'handoff')).toMatchObject({
      role: 'system',
      handoff: { from: 'concierge', to: 'quotes', reason: 'wants a quote' },
    });

    // quotes may not hand to scheduler: refused, nothing swapped.
    callTool(rt, 'r2', 'c2', 'transfer_to_scheduler', { reason: 'booking' });
    await until(() => outputs(rt).length === 2, 'refusal');
    expect(JSON.parse(outputs(rt)[1]!.output)).toMatchObject({ ok: false });
    expect(updates(rt)).toHaveLength(2);

    callTool(rt, 'r3', 'c3', 'transfer_to_concierge', { reason: 'done with the quote' });
    await until(() => outputs(rt).length === 3, 'back');
    expect(updates(rt)[2]!.instructions).toContain('Greet and route.');
    expect(h.session.transcript.messages().filter((m) => m.source === 'handoff')).toHaveLength(2);
    h.session.stop();
    await h.done;
  });

  it('a reconnect after a hand-off restores the current agent', async () => {
    const { h, rt } = await started();
    callTool(rt, 'r1', 'c1', 'transfer_to_scheduler', { reason: 'book a visit' });
    await until(() => outputs(rt).length === 1, 'transfer output');
    rt.drop(1011, 'server error');
    await until(() => h.connector.connections.length === 2, 'reconnected');
    const next = h.connector.connections[1]!;
    await until(() => next.sentOfType('session.update').length > 0, 'configured');
    const restored = next.sentOfType('session.update')[0]!.session as SessionSent;
    expect(restored.instructions).toContain('the scheduler agent\nBook visits.');
    expect(toolNames(restored)).toEqual(['end_call', 'switch_language', 'transfer_to_concierge']);
    h.session.stop();
    await h.done;
  });

  it('a tool still running when the agent hands over answers into the same conversation', async () => {
    const { h, rt } = await started();
    let finish: (v: { ok: true; result: { echoed: string; arguments: unknown } }) => void = () => {};
    h.aiServer.executeTool = () => new Promise((r) => (finish = r));
    // The concierge does not list get_quote, but a call already made runs to its end.
    callTool(rt, 'r1', 'c_slow', 'get_quote', {});
    await settle();
    callTool(rt, 'r2', 'c_move', 'transfer_to_quotes', { reason: 'quote' });
    await until(() => outputs(rt).length === 1, 'transfer output');
    finish({ ok: true, result: { echoed: 'get_quote', arguments: { price: 120 } } });
    await until(() => outputs(rt).length === 2, 'slow tool output');
    expect(outputs(rt)[1]).toMatchObject({ call_id: 'c_slow' });
    expect(outputs(rt)[1]!.output).toContain('120');
    expect(h.connector.connections).toHaveLength(1);
    h.session.stop();
    await h.done;
  });

  it('a profile without agents gets no transfer tools', async () => {
    const h = harness();
    const rt = await h.rt();
    expect(
      toolNames(updates(rt)[0]).filter((n) => n?.startsWith('transfer_to_') && n !== 'transfer_to_human'),
    ).toEqual([]);
    h.session.stop();
    await h.done;
  });
});

describe('CallAgents, fed anything the model might send', () => {
  it('never throws, and switches only to an allowed target', () => {
    const keys = fc.constantFrom('concierge', 'quotes', 'scheduler', 'human', '', 'x'.repeat(80));
    fc.assert(
      fc.property(fc.array(fc.tuple(keys, fc.string(), fc.anything()), { maxLength: 8 }), (steps) => {
        const updates: unknown[] = [];
        const agents = new CallAgents({
          updateSession: (p) => updates.push(p),
          note: () => {},
          record: () => {},
        });
        const profile = { key: 'acme', ...AGENTS } as CallProfile;
        agents.toolHandlers(profile);
        agents.start(profile, 'Base.', [GET_QUOTE]);
        for (const [to, reason, context] of steps) {
          const from = agents.current!;
          const allowed = (profile.agents!.find((a) => a.key === from)!.handoffs ?? []).includes(to);
          const result = agents.handOff(to, reason, context);
          expect(result.ok).toBe(allowed);
          expect(agents.current).toBe(allowed ? to : from);
        }
        expect(updates).toHaveLength(agents.handOffs.length);
      }),
      { numRuns: 200 },
    );
  });
});

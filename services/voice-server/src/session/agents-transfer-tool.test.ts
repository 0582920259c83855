// The transfer_to_<agent> tools as the model meets them on a live call: what it is offered, which
// arguments it must give, what it is answered (hand-over or refusal), what it is told afterwards, and
// what lands on the transcript. Also the entry agent when it is not the first listed, its voice next
// to the profile's own voice settings, and a profile whose entry agent names no agent.
import type { RealtimeFunctionTool } from '@switchboard/realtime';
import type { ScriptedRealtimeConnection } from '@switchboard/realtime/testing';
import { describe, expect, it } from 'vitest';
import type { CallProfile } from '../ports/ai-server.ts';
import { callTool, harness, until } from '../testing/session-harness.ts';

// The entry agent is deliberately not the first one listed.
const AGENTS: Partial<CallProfile> = {
  entryAgent: 'concierge',
  agents: [
    { key: 'quotes', instructions: 'Give quotes.', tools: ['get_quote'], handoffs: ['concierge'] },
    { key: 'concierge', instructions: 'Greet and route.', voice: 'cedar', handoffs: ['quotes', 'scheduler'] },
    { key: 'scheduler', instructions: 'Book visits.', tools: [], handoffs: ['concierge'] },
  ],
};
const GET_QUOTE: RealtimeFunctionTool = {
  type: 'function',
  name: 'get_quote',
  description: 'Quote',
  parameters: { type: 'object', properties: {} },
};

type SessionSent = {
  instructions?: string;
  tools?: Array<RealtimeFunctionTool>;
  audio?: { output?: { voice?: string; speed?: number } };
};
const updates = (rt: ScriptedRealtimeConnection) =>
  rt.sentOfType('session.update').map((e) => e.session as SessionSent);
const toolNames = (s: SessionSent | undefined) => (s?.tools ?? []).map((t) => t.name).sort();
const outputs = (rt: ScriptedRealtimeConnection) =>
  rt
    .sentOfType('conversation.item.create')
    .map((e) => e.item)
    .filter((i) => i.type === 'function_call_output')
    .map((i) => JSON.parse((i as { output: string }).output) as Record<string, unknown>);
/** The system notes the model was given (hand-off notes and others). */
const notes = (rt: ScriptedRealtimeConnection) =>
  rt
    .sentOfType('conversation.item.create')
    .map((e) => e.item as { type: string; role?: string; content?: Array<{ text?: string }> })
    .filter((i) => i.type === 'message' && i.role === 'system')
    .map((i) => i.content?.[0]?.text ?? '');

async function started(profile: Partial<CallProfile> = AGENTS) {
  const h = harness({ profile, tools: [GET_QUOTE] });
  const rt = await h.rt();
  return { h, rt };
}

async function stop(h: ReturnType<typeof harness>) {
  h.session.stop();
  await h.done;
}

/** The model calls `name` with `args`; resolves once the tool's output went back to it. */
async function transfer(rt: ScriptedRealtimeConnection, name: string, args: unknown) {
  const before = outputs(rt).length;
  const id = `c${before + 1}`;
  callTool(rt, `r_${id}`, id, name, args);
  await until(() => outputs(rt).length > before, `${name} output`);
  return outputs(rt)[before]!;
}

describe('the entry agent', () => {
  it('is the one the profile names, not the first listed', async () => {
    const { h, rt } = await started();
    const first = updates(rt)[0]!;
    expect(first.instructions).toContain('the concierge agent\nGreet and route.');
    expect(first.instructions).not.toContain('Give quotes.');
    expect(toolNames(first)).toContain('transfer_to_quotes');
    await stop(h);
  });

  it("speaks with its own voice, at the profile's speed", async () => {
    const { h, rt } = await started();
    // PROFILE's voice is marin at speed 1.1: the agent's voice replaces only the voice.
    expect(updates(rt)[0]!.audio?.output).toMatchObject({ voice: 'cedar', speed: 1.1 });
    await stop(h);
  });

  it('when the profile names no agent of its own as entry, the call runs on the profile alone', async () => {
    const { h, rt } = await started({ ...AGENTS, entryAgent: 'reception' });
    const first = updates(rt)[0]!;
    expect(first.instructions).not.toContain('# Your role');
    expect(
      toolNames(first).filter((n) => n?.startsWith('transfer_to_') && n !== 'transfer_to_human'),
    ).toEqual([]);
    expect(first.audio?.output?.voice).toBe('marin');
    // A transfer tool the model makes up is not one the call runs.
    const out = await transfer(rt, 'transfer_to_quotes', { reason: 'quote' });
    expect(out).toMatchObject({ ok: false, error: 'Unknown tool transfer_to_quotes.' });
    expect(updates(rt)).toHaveLength(1);
    await stop(h);
  });
});

describe('the transfer tool the model is offered', () => {
  it('is a function asking for a reason in words and, optionally, context for the next agent', async () => {
    const { h, rt } = await started();
    const tool = updates(rt)[0]!.tools!.find((t) => t.name === 'transfer_to_quotes');
    expect(tool).toEqual({
      type: 'function',
      name: 'transfer_to_quotes',
      description:
        'Hand the caller to the quotes agent when their request is its job. Say one short line first.',
      parameters: {
        type: 'object',
        properties: {
          reason: { type: 'string', description: 'Why the caller is handed over, in a few words.' },
          context: {
            type: 'object',
            description: 'What the next agent should know (names, numbers, what was already said).',
          },
        },
        required: ['reason'],
      },
    });
    await stop(h);
  });

  it.each([
    ['no reason', {}, 'reason is required'],
    ['a reason that is not words', { reason: 42 }, 'reason must be string'],
    ['context that is not an object', { reason: 'quote', context: 'roof' }, 'context must be object'],
  ])('refuses %s: the model gets the error and nobody is handed over', async (_what, args, error) => {
    const { h, rt } = await started();
    const out = await transfer(rt, 'transfer_to_quotes', args);
    expect(out.ok).toBe(false);
    expect(String(out.error)).toContain(error);
    expect(updates(rt)).toHaveLength(1);
    expect(h.session.transcript.messages().filter((m) => m.source === 'handoff')).toEqual([]);
    await stop(h);
  });
});

describe('a hand-off, as the model and the transcript see it', () => {
  it('answers the tool call with the new agent and what to do now', async () => {
    const { h, rt } = await started();
    expect(await transfer(rt, 'transfer_to_quotes', { reason: 'wants a quote' })).toEqual({
      ok: true,
      status: 'handed_over',
      agent: 'quotes',
      instruction: 'You are now the quotes agent. Continue helping the caller.',
    });
    await stop(h);
  });

  it('tells the new agent who handed over and why, and records it in a line', async () => {
    const { h, rt } = await started();
    await transfer(rt, 'transfer_to_quotes', { reason: '  wants a quote  ' });
    expect(notes(rt).at(-1)).toBe(
      'The caller was handed from the concierge agent to you, the quotes agent. Reason: wants a quote. Continue the conversation as the quotes agent; do not greet the caller again.',
    );
    expect(h.session.transcript.messages().find((m) => m.source === 'handoff')).toMatchObject({
      role: 'system',
      text: 'Handed from concierge to quotes: wants a quote',
      handoff: { from: 'concierge', to: 'quotes', reason: 'wants a quote' },
    });
    await stop(h);
  });

  it('a blank reason is recorded as none given', async () => {
    const { h, rt } = await started();
    expect(await transfer(rt, 'transfer_to_quotes', { reason: '   ' })).toMatchObject({ ok: true });
    expect(notes(rt).at(-1)).toContain('Reason: no reason given.');
    expect(h.session.transcript.messages().find((m) => m.source === 'handoff')).toMatchObject({
      text: 'Handed from concierge to quotes: no reason given',
      handoff: { reason: 'no reason given' },
    });
    await stop(h);
  });

  it('passes on a long context cut to 2,000 characters', async () => {
    const { h, rt } = await started();
    const context = { notes: 'x'.repeat(5_000) };
    await transfer(rt, 'transfer_to_quotes', { reason: 'quote', context });
    const note = notes(rt).at(-1)!;
    const told = JSON.stringify(context).slice(0, 2_000);
    expect(note).toContain(` What they were told: ${told}. Continue`);
    expect(note.length).toBeLessThan(2_300);
    await stop(h);
  });

  it('refuses a target the agent may not hand to, naming both, and changes nothing', async () => {
    const { h, rt } = await started();
    await transfer(rt, 'transfer_to_quotes', { reason: 'quote' });
    const notesBefore = notes(rt).length;
    expect(await transfer(rt, 'transfer_to_scheduler', { reason: 'booking' })).toEqual({
      ok: false,
      error: 'The quotes agent cannot hand the caller to scheduler.',
    });
    expect(updates(rt)).toHaveLength(2);
    expect(notes(rt)).toHaveLength(notesBefore);
    expect(h.session.transcript.messages().filter((m) => m.source === 'handoff')).toHaveLength(1);
    await stop(h);
  });
});

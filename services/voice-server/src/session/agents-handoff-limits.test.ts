// CallAgents on its own, at its edges: how an agent's instructions join the brand's prompt, how long a
// reason may be, the hand-offs kept on the call, and hand-offs asked for when there is no agent to
// hand from or to (refused, never thrown, nothing sent or recorded).
import type { RealtimeSessionCreateRequest } from '@switchboard/realtime';
import { describe, expect, it } from 'vitest';
import type { CallProfile } from '../ports/ai-server.ts';
import type { TranscriptMessage } from '../ports/app-server.ts';
import { CallAgents } from './agents.ts';

const PROFILE: CallProfile = {
  key: 'acme',
  entryAgent: 'concierge',
  agents: [
    // `billing` is listed as a target but the profile has no such agent.
    { key: 'concierge', instructions: '  Greet and route.\n', handoffs: ['quotes', 'billing'] },
    { key: 'quotes', instructions: '\nGive quotes.  ', handoffs: ['concierge'] },
  ],
};

function agentsFor(profile: CallProfile = PROFILE) {
  const sent: Array<Partial<RealtimeSessionCreateRequest>> = [];
  const notes: string[] = [];
  const records: Array<Omit<TranscriptMessage, 'sequence'>> = [];
  let clock = Date.parse('2025-03-01T10:00:00.000Z');
  const agents = new CallAgents({
    updateSession: (patch) => sent.push(patch),
    note: (text) => notes.push(text),
    record: (m) => records.push(m),
    // Each hand-off a second after the last.
    now: () => {
      clock += 1_000;
      return new Date(clock);
    },
  });
  agents.toolHandlers(profile);
  return { agents, sent, notes, records };
}

describe("an agent's instructions", () => {
  it("follow the brand's prompt after one blank line, both trimmed of stray whitespace", () => {
    const { agents, sent } = agentsFor();
    const start = agents.start(PROFILE, 'You are the Acme phone agent.\n\n  \n', []);
    expect(start.instructions).toBe(
      'You are the Acme phone agent.\n\n# Your role: the concierge agent\nGreet and route.',
    );
    agents.handOff('quotes', 'quote', undefined);
    expect(sent[0]!.instructions).toBe(
      'You are the Acme phone agent.\n\n# Your role: the quotes agent\nGive quotes.',
    );
    expect(agents.instructionsNow()).toBe(sent[0]!.instructions);
  });
});

describe('the hand-offs kept on the call', () => {
  it('lists each one in order, with who, why and when', () => {
    const { agents, records } = agentsFor();
    agents.start(PROFILE, 'Base.', []);
    agents.handOff('quotes', 'wants a quote', { item: 'roof' });
    agents.handOff('concierge', ' done ', undefined);
    expect(agents.handOffs).toEqual([
      { from: 'concierge', to: 'quotes', reason: 'wants a quote', at: '2025-03-01T10:00:01.000Z' },
      { from: 'quotes', to: 'concierge', reason: 'done', at: '2025-03-01T10:00:02.000Z' },
    ]);
    expect(records.map((r) => r.startedAt)).toEqual(agents.handOffs.map((h) => h.at));
  });

  it('keeps at most 500 characters of a reason', () => {
    const { agents, notes, records } = agentsFor();
    agents.start(PROFILE, 'Base.', []);
    const reason = `${'because '.repeat(100)}`;
    agents.handOff('quotes', reason, undefined);
    const kept = reason.trim().slice(0, 500);
    expect(agents.handOffs[0]!.reason).toBe(kept);
    expect(records[0]!.handoff).toEqual({ from: 'concierge', to: 'quotes', reason: kept });
    expect(notes[0]).toContain(`Reason: ${kept}. Continue`);
  });
});

describe('a hand-off with no agent to hand from or to', () => {
  it('is refused on a profile without agents, naming the current agent', () => {
    const profile: CallProfile = { key: 'plain' };
    const { agents, sent, notes, records } = agentsFor(profile);
    agents.start(profile, 'Base.', []);
    expect(agents.handOff('quotes', 'quote', undefined)).toEqual({
      ok: false,
      error: 'The current agent cannot hand the caller to quotes.',
    });
    expect([sent, notes, records, agents.handOffs]).toEqual([[], [], [], []]);
    expect(agents.current).toBeUndefined();
  });

  it('is refused when the target is listed but the profile has no such agent', () => {
    const { agents, sent, notes, records } = agentsFor();
    agents.start(PROFILE, 'Base.', []);
    expect(agents.handOff('billing', 'invoice', undefined)).toEqual({
      ok: false,
      error: 'The concierge agent cannot hand the caller to billing.',
    });
    expect([sent, notes, records, agents.handOffs]).toEqual([[], [], [], []]);
    expect(agents.current).toBe('concierge');
  });
});

import { describe, expect, it } from 'vitest';
import type { KnowledgeHit } from '../ports/ai-server.ts';
import { harness, settle } from '../testing/session-harness.ts';
import { KNOWLEDGE_CHUNKS, withinBudget } from './get-knowledge.ts';

const hit = (i: number, chars: number): KnowledgeHit => ({
  chunkId: `c${i}`,
  articleId: `a${i}`,
  title: `T${i}`,
  text: 'x'.repeat(chars),
  score: 1 - i / 100,
});

describe('get_knowledge', () => {
  it('asks ai-server for the top 12 chunks', async () => {
    const h = harness();
    const rt = await h.rt();
    const asked: number[] = [];
    const languages: Array<string | undefined> = [];
    h.aiServer.searchKnowledge = async (
      _k: string,
      q: { query: string; limit?: number; language?: string },
    ) => {
      asked.push(q.limit ?? 0);
      languages.push(q.language);
      return { mode: 'hybrid', results: [] };
    };
    rt.emit({
      type: 'response.output_item.done',
      event_id: 'e',
      response_id: 'r1',
      output_index: 0,
      item: {
        id: 'f',
        type: 'function_call',
        call_id: 'c',
        name: 'get_knowledge',
        arguments: '{"query":"returns"}',
      },
    });
    await settle();
    expect(asked).toEqual([KNOWLEDGE_CHUNKS]);
    // A profile serving one language searches all of its articles.
    expect(languages).toEqual([undefined]);
  });

  it('gives the model the hits in rank order within the token budget, cutting the last that fits in part', () => {
    const hits = Array.from({ length: 12 }, (_, i) => hit(i, 1_000));
    const given = withinBudget(hits, 2_000); // about 8,000 characters
    expect(given.map((h) => h.chunkId)).toEqual(['c0', 'c1', 'c2', 'c3', 'c4', 'c5', 'c6', 'c7']);
    expect(given.at(-1)!.text.endsWith('…')).toBe(true);
    expect(given.reduce((n, h) => n + h.title.length + h.text.length, 0)).toBeLessThanOrEqual(8_000);
    expect(withinBudget(hits.slice(0, 3), 2_000)).toEqual(hits.slice(0, 3));
  });

  it('splits by the call SID and records the lane that served it with the tool result', async () => {
    const h = harness();
    const rt = await h.rt();
    const keys: Array<string | undefined> = [];
    h.aiServer.searchKnowledge = async (_k: string, q: { query: string; callSid?: string }) => {
      keys.push(q.callSid);
      return {
        mode: 'vector',
        lane: { name: 'pinecone', store: 'pinecone' },
        results: [hit(0, 100)],
      };
    };
    callKnowledge(rt, 'returns');
    await settle();
    callKnowledge(rt, 'refunds', 'c2');
    await settle();
    expect(new Set(keys).size).toBe(1);
    expect(keys[0]).toMatch(/^CA/);
    const tool = toolMessages(h).at(-1)!;
    expect(tool.toolResult).toMatchObject({ ok: true, lane: 'pinecone', results: [{ chunk_id: 'c0' }] });
  });

  it('tells the model when the knowledge base has no answer, and reads it nothing', async () => {
    const h = harness();
    const rt = await h.rt();
    h.aiServer.searchKnowledge = async () => ({ mode: 'hybrid', noAnswer: true, results: [hit(0, 100)] });
    callKnowledge(rt, 'meaning of life');
    await settle();
    const tool = toolMessages(h).at(-1)!;
    expect(tool.toolResult).toMatchObject({ ok: true, no_answer: true, results: [] });
  });
});

function callKnowledge(
  rt: Awaited<ReturnType<ReturnType<typeof harness>['rt']>>,
  query: string,
  callId = 'c',
) {
  rt.emit({
    type: 'response.output_item.done',
    event_id: `e-${callId}`,
    response_id: `r-${callId}`,
    output_index: 0,
    item: {
      id: `f-${callId}`,
      type: 'function_call',
      call_id: callId,
      name: 'get_knowledge',
      arguments: JSON.stringify({ query }),
    },
  });
}

function toolMessages(h: ReturnType<typeof harness>) {
  return [...h.appServer.conversations.values()]
    .flatMap((c) => [...c.messages.values()])
    .filter((m) => m.toolName === 'get_knowledge');
}

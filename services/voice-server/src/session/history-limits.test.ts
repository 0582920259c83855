// How much of a long conversation a new Realtime session is given back, and how tool calls and lost
// caller turns are summarised: the limits at their edges.
import { describe, expect, it } from 'vitest';
import type { TranscriptMessage } from '../ports/app-server.ts';
import { replayItems } from './history.ts';

let seq = 0;
const msg = (m: Partial<TranscriptMessage> & Pick<TranscriptMessage, 'role'>): TranscriptMessage => ({
  sequence: ++seq,
  text: null,
  startedAt: new Date(0).toISOString(),
  source: 'realtime',
  ...m,
});
const texts = (items: ReturnType<typeof replayItems>) =>
  items.map((i) => {
    const c = (i.item as { content: Array<{ text?: string; audio?: string }> }).content[0]!;
    return c.text ?? `audio:${c.audio?.length}`;
  });

describe('replayItems limits', () => {
  it('keeps the 60 most recent turns, in order', () => {
    const messages = Array.from({ length: 70 }, (_, i) =>
      msg({ role: i % 2 ? 'agent' : 'caller', text: `t${i}` }),
    );
    const items = replayItems(messages);
    expect(items).toHaveLength(60);
    expect(texts(items)[0]).toBe('t10');
    expect(texts(items).at(-1)).toBe('t69');
  });

  it('stops once 24,000 characters are given back: exactly at the limit, nothing older', () => {
    const messages = Array.from({ length: 6 }, (_, i) => msg({ role: 'caller', text: `${i}`.repeat(6_000) }));
    expect(texts(replayItems(messages)).map((t) => t[0])).toEqual(['2', '3', '4', '5']);
    const over = Array.from({ length: 6 }, (_, i) => msg({ role: 'caller', text: `${i}`.repeat(6_001) }));
    expect(texts(replayItems(over)).map((t) => t[0])).toEqual(['2', '3', '4', '5']);
    const under = Array.from({ length: 6 }, (_, i) => msg({ role: 'caller', text: `${i}`.repeat(5_999) }));
    expect(texts(replayItems(under)).map((t) => t[0])).toEqual(['1', '2', '3', '4', '5']);
  });

  it('counts a lost turn given back as audio at 40 characters a second (200 bytes of mu-law per character)', () => {
    const audio = new Uint8Array(200 * 24_000); // 600 s: the whole budget
    const messages = [msg({ role: 'caller', text: 'older' }), msg({ role: 'caller', itemId: 'c1' })];
    expect(texts(replayItems(messages, () => audio))).toEqual([`audio:${Math.ceil((audio.length / 3) * 4)}`]);
    const smaller = new Uint8Array(200 * 23_999);
    expect(texts(replayItems(messages, () => smaller))).toHaveLength(2);
  });
});

describe('replayItems contents', () => {
  it('summarises a tool call as a system note, arguments and result clipped at 600 characters', () => {
    const [item] = replayItems([
      msg({
        role: 'tool',
        toolName: 'get_knowledge',
        toolArguments: { query: 'returns' },
        toolResult: { ok: true },
      }),
    ]);
    expect(item).toEqual({
      type: 'conversation.item.create',
      item: {
        type: 'message',
        role: 'system',
        content: [
          {
            type: 'input_text',
            text: 'Earlier in this call the get_knowledge tool was called with {"query":"returns"} and returned {"ok":true}.',
          },
        ],
      },
    });
    const [long] = texts(
      replayItems([msg({ role: 'tool', toolName: 't', toolArguments: { q: 'x'.repeat(1_000) } })]),
    );
    const args = long!.slice(
      'Earlier in this call the t tool was called with '.length,
      long!.indexOf(' and returned'),
    );
    expect(args).toHaveLength(600);
    expect(args.endsWith('…')).toBe(true);
    expect(long!.endsWith(' and returned null.')).toBe(true);
    const exact = JSON.stringify({ q: 'y'.repeat(592) });
    expect(exact).toHaveLength(600);
    expect(
      texts(replayItems([msg({ role: 'tool', toolName: 't', toolArguments: { q: 'y'.repeat(592) } })]))[0],
    ).toBe(`Earlier in this call the t tool was called with ${exact} and returned null.`);
    expect(texts(replayItems([msg({ role: 'tool', toolName: 't' })]))[0]).toContain('called with {} and');
  });

  it('leaves out what has no words to give: empty turns, a tool message without a tool, system notes', () => {
    const items = replayItems([
      msg({ role: 'caller', text: '' }),
      msg({ role: 'agent', text: null, itemId: 'a1' }),
      msg({ role: 'tool', text: 'x' }),
      msg({ role: 'system', text: 'note' }),
      msg({ role: 'agent', text: 'Hello.' }),
    ]);
    expect(items.map((i) => (i.item as { role: string }).role)).toEqual(['assistant']);
  });

  it('asks for a lost turn’s audio once, and only for a caller turn without words', () => {
    const asked: string[] = [];
    replayItems(
      [
        msg({ role: 'caller', itemId: 'c1' }),
        msg({ role: 'caller', itemId: 'c2', text: 'Hi.' }),
        msg({ role: 'agent', itemId: 'a1' }),
      ],
      (id) => {
        asked.push(id);
        return new Uint8Array(0);
      },
    );
    expect(asked).toEqual(['c1']);
  });
});

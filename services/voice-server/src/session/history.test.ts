// The conversation given back to a new Realtime session after a drop: text turns as messages, and a
// caller turn whose words never came as its audio (a `message` item with `input_audio` content,
// base64 in the session's input format: OpenAI Realtime API reference, conversation.item.create).
import { describe, expect, it } from 'vitest';
import type { TranscriptMessage } from '../ports/app-server.ts';
import { replayItems } from './history.ts';

const msg = (
  m: Partial<TranscriptMessage> & Pick<TranscriptMessage, 'role'>,
  i: number,
): TranscriptMessage => ({
  sequence: i + 1,
  text: null,
  startedAt: new Date(0).toISOString(),
  source: 'realtime',
  ...m,
});

describe('replayItems', () => {
  it('gives back a caller turn with no words as its audio, and leaves out one whose audio is gone', () => {
    const audio = Uint8Array.from([0xff, 0x7f, 0x00, 0x10]);
    const messages = [
      { role: 'agent' as const, text: 'Hi, Acme here.', itemId: 'a1' },
      { role: 'caller' as const, text: 'Where is my order?', itemId: 'c1' },
      { role: 'agent' as const, text: 'Let me check.', itemId: 'a2' },
      { role: 'caller' as const, itemId: 'c2' },
      { role: 'caller' as const, itemId: 'c3' },
    ].map(msg);
    const items = replayItems(messages, (id) => (id === 'c2' ? audio : undefined));
    expect(items.map((i) => i.item)).toEqual([
      { type: 'message', role: 'assistant', content: [{ type: 'output_text', text: 'Hi, Acme here.' }] },
      { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'Where is my order?' }] },
      { type: 'message', role: 'assistant', content: [{ type: 'output_text', text: 'Let me check.' }] },
      {
        type: 'message',
        role: 'user',
        content: [{ type: 'input_audio', audio: Buffer.from(audio).toString('base64') }],
      },
    ]);
  });

  it('counts audio toward the history budget, so a long history keeps its latest turns', () => {
    const big = new Uint8Array(8_000 * 60); // a minute of mu-law
    const messages = Array.from({ length: 20 }, (_, i) => msg({ role: 'caller', itemId: `c${i}` }, i));
    const items = replayItems(messages, () => big);
    expect(items.length).toBeGreaterThan(0);
    expect(items.length).toBeLessThan(20);
  });
});

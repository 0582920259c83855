import { describe, expect, it } from 'vitest';
import type { Conversation, Message } from '../domain/types.ts';
import { callFigures, figuresPanel } from './figures.ts';

const at = new Date('2026-12-06T10:00:00.000Z');
const message = (over: Partial<Message>): Message => ({
  conversationId: 'c',
  sequence: 1,
  role: 'tool',
  text: null,
  itemId: null,
  startedAt: at,
  source: 'tool',
  interrupted: false,
  toolName: 'get_knowledge',
  toolArguments: { query: 'returns' },
  toolResult: null,
  responseMs: null,
  firstAudioMs: null,
  firstFrameMs: null,
  heardText: null,
  transcription: null,
  transcriber: null,
  transcriberText: null,
  handoff: null,
  languageSwitch: null,
  sanitized: [],
  createdAt: at,
  updatedAt: at,
  ...over,
});
const conversation = { startedAt: at, endedAt: null, durationSec: null, updatedAt: at } as Conversation;

describe('the knowledge lane of a conversation', () => {
  it('comes from the knowledge tool results, each lane once, in order', () => {
    const messages = [
      message({ sequence: 1, itemId: 'a', toolResult: { ok: true, lane: 'pinecone', results: [] } }),
      message({ sequence: 2, itemId: 'b', toolResult: { ok: true, lane: 'pinecone', results: [] } }),
      message({ sequence: 3, itemId: 'c', toolResult: { ok: true, lane: 'pg-hybrid', results: [] } }),
      message({ sequence: 4, itemId: 'd', toolName: 'order_status', toolResult: { lane: 'not-a-lane' } }),
    ];
    expect(callFigures(conversation, messages).knowledgeLanes).toEqual(['pinecone', 'pg-hybrid']);
    const panel = String(figuresPanel(conversation, messages));
    expect(panel).toContain('data-figure="knowledge-lane" class="mono">pinecone → pg-hybrid<');
  });

  it('is left out when no search named one, and escaped when it is odd', () => {
    expect(String(figuresPanel(conversation, [message({ toolResult: { ok: true } })]))).not.toContain(
      'Knowledge lane',
    );
    const odd = String(figuresPanel(conversation, [message({ toolResult: { lane: '<b>x</b>' } })]));
    expect(odd).toContain('&lt;b&gt;x&lt;/b&gt;');
  });
});

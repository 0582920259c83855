import type { RealtimeClientEvent } from '@switchboard/realtime';
import type { TranscriptMessage } from '../ports/app-server.ts';

/** How much of the conversation a new Realtime session is given back. */
const MAX_REPLAY_MESSAGES = 60;
const MAX_REPLAY_CHARS = 24_000;
const MAX_TOOL_TEXT = 600;

type ItemCreate = Extract<RealtimeClientEvent, { type: 'conversation.item.create' }>;

function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/**
 * The conversation so far as items for a new Realtime session (after a drop or a renewal): caller and
 * agent turns as user/assistant messages, tool calls summarized as system notes. A caller turn whose
 * words never arrived (the socket dropped before its transcript, or transcription failed) is given back
 * as its audio when `audioOf` still has it, so the new session hears the question the old one lost.
 * The most recent turns are kept when the history is long.
 */
export function replayItems(
  messages: TranscriptMessage[],
  audioOf: (itemId: string) => Uint8Array | undefined = () => undefined,
): ItemCreate[] {
  const items: ItemCreate[] = [];
  let chars = 0;
  for (const m of [...messages].reverse()) {
    if (items.length >= MAX_REPLAY_MESSAGES || chars >= MAX_REPLAY_CHARS) break;
    let item: ItemCreate['item'] | undefined;
    let text = '';
    let cost: number | undefined;
    // A caller turn without words: its audio, while kept (looked up once).
    const kept = m.role === 'caller' && !m.text && m.itemId ? audioOf(m.itemId) : undefined;
    if (m.role === 'caller' && m.text) {
      text = m.text;
      item = { type: 'message', role: 'user', content: [{ type: 'input_text', text }] };
    } else if (kept?.length) {
      const audio = Buffer.from(kept.buffer, kept.byteOffset, kept.byteLength).toString('base64');
      // Input audio costs about 10 tokens a second, as much as 40 characters of text.
      cost = Math.ceil(kept.length / 200);
      item = { type: 'message', role: 'user', content: [{ type: 'input_audio', audio }] };
    } else if (m.role === 'agent' && m.text) {
      text = m.text;
      item = { type: 'message', role: 'assistant', content: [{ type: 'output_text', text }] };
    } else if (m.role === 'tool' && m.toolName) {
      const summary =
        `Earlier in this call the ${m.toolName} tool was called with ${clip(JSON.stringify(m.toolArguments ?? {}), MAX_TOOL_TEXT)}` +
        ` and returned ${clip(JSON.stringify(m.toolResult ?? null), MAX_TOOL_TEXT)}.`;
      text = summary;
      item = { type: 'message', role: 'system', content: [{ type: 'input_text', text }] };
    }
    if (!item) continue;
    chars += cost ?? text.length;
    items.push({ type: 'conversation.item.create', item });
  }
  return items.reverse();
}

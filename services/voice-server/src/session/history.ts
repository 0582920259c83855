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
 * The conversation so far as text items for a new Realtime session (after a drop or a renewal):
 * caller and agent turns as user/assistant messages, tool calls summarized as system notes. The most
 * recent turns are kept when the history is long.
 */
export function replayItems(messages: TranscriptMessage[]): ItemCreate[] {
  const items: ItemCreate[] = [];
  let chars = 0;
  for (const m of [...messages].reverse()) {
    if (items.length >= MAX_REPLAY_MESSAGES || chars >= MAX_REPLAY_CHARS) break;
    let item: ItemCreate['item'] | undefined;
    let text = '';
    if (m.role === 'caller' && m.text) {
      text = m.text;
      item = { type: 'message', role: 'user', content: [{ type: 'input_text', text }] };
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
    chars += text.length;
    items.push({ type: 'conversation.item.create', item });
  }
  return items.reverse();
}

/**
 * The conversation a session keeps: its items in order, each with the audio and text behind its wire
 * shape. The parts of the session that add, read or cut items share one {@link Conversation}.
 */
import { formatBytesPerMs, type RealtimeAudioFormat } from './audio-format.ts';
import { newId } from './ids.ts';
import type { ServerEventOutbox } from './outbox.ts';
import type { SimConversationItem } from './session-types.ts';

/** One item with what the wire shape leaves out. */
export interface ItemRecord {
  id: string;
  wire: Record<string, unknown>;
  audioChunks: Uint8Array[];
  audioBytes: number;
  audioFormat: RealtimeAudioFormat | null;
  text: string | null;
  /** User audio from the buffer: what the caller said (ground truth, never on the wire). */
  spokenText: string | null;
  heardText: string | null;
  plannedAudioMs: number;
  truncatedAtMs: number | null;
}

/** A record with no audio and no text yet. */
export function newItemRecord(id: string, wire: Record<string, unknown>): ItemRecord {
  return {
    id,
    wire,
    audioChunks: [],
    audioBytes: 0,
    audioFormat: null,
    text: null,
    spokenText: null,
    heardText: null,
    plannedAudioMs: 0,
    truncatedAtMs: null,
  };
}

/** The conversation's items, in order. */
export class Conversation {
  /** The `conversation_id` responses report. */
  readonly id = newId('conv');
  readonly records: ItemRecord[] = [];

  /** The id of the last item, or null when the conversation is empty. */
  lastItemId(): string | null {
    return this.records.at(-1)?.id ?? null;
  }

  find(id: string): ItemRecord | undefined {
    return this.records.find((r) => r.id === id);
  }

  indexOf(id: string): number {
    return this.records.findIndex((r) => r.id === id);
  }

  /** Appends an item; returns the id of the item before it. */
  append(record: ItemRecord): string | null {
    const previous = this.lastItemId();
    this.records.push(record);
    return previous;
  }

  insertAt(index: number, record: ItemRecord): void {
    this.records.splice(index, 0, record);
  }

  removeAt(index: number): void {
    this.records.splice(index, 1);
  }

  /** True when a `function_call` with this `call_id` is in the conversation. */
  hasFunctionCall(callId: string): boolean {
    return this.records.some((r) => r.wire.type === 'function_call' && r.wire.call_id === callId);
  }

  /** The items as tests see them. */
  views(): SimConversationItem[] {
    return this.records.map(itemView);
  }
}

/** Sends `conversation.item.added` then `.done` for an item that is complete when added. */
export function announceItem(out: ServerEventOutbox, previous: string | null, wire: Record<string, unknown>) {
  out.send({ type: 'conversation.item.added', previous_item_id: previous, item: structuredClone(wire) });
  out.send({ type: 'conversation.item.done', previous_item_id: previous, item: structuredClone(wire) });
}

/** An item's audio as one array (a copy). */
export function itemAudio(record: ItemRecord): Uint8Array {
  return joinChunks(record.audioChunks, record.audioBytes);
}

function itemView(r: ItemRecord): SimConversationItem {
  return {
    id: r.id,
    item: structuredClone(r.wire),
    audio: r.audioFormat ? itemAudio(r) : null,
    audioMs: r.audioFormat ? r.audioBytes / formatBytesPerMs(r.audioFormat) : 0,
    text: r.text,
    spokenText: r.spokenText,
    heardText: r.heardText,
    truncatedAtMs: r.truncatedAtMs,
  };
}

function joinChunks(chunks: Uint8Array[], total: number): Uint8Array {
  if (chunks.length === 1 && chunks[0]!.length === total) return chunks[0]!.slice();
  const out = new Uint8Array(total);
  let at = 0;
  for (const c of chunks) {
    out.set(c.subarray(0, Math.min(c.length, total - at)), at);
    at += c.length;
    if (at >= total) break;
  }
  return out;
}

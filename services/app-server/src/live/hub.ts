import type { CallLevels } from '@switchboard/service-kit/clients/app-server';
import type { Conversation, Message, Ticket } from '../domain/types.ts';

/**
 * Something staff may want to see the moment it happens, as it is now; `id` is the change's place in
 * the shared feed (the SSE event id a reconnecting stream catches up from).
 */
export type LiveEvent =
  | { type: 'conversation'; id: number; conversation: Conversation }
  | { type: 'message'; id: number; conversation: Conversation; message: Message }
  | { type: 'ticket'; id: number; conversation: Conversation; ticket: Ticket }
  /** Passing news (id 0): the live call's audio levels, never caught up on. */
  | { type: 'levels'; id: number; conversation: Conversation; levels: CallLevels };

export type LiveListener = (event: LiveEvent) => void;

/**
 * This process's fan-out of changes to the streams staff have open here. Listeners subscribe to one
 * brand or one conversation; events of conversations without a brand reach nobody. Changes reach it
 * from every replica through the shared feed (LiveRelay).
 */
export class LiveHub {
  private readonly byBrand = new Map<string, Set<LiveListener>>();
  private readonly byConversation = new Map<string, Set<LiveListener>>();

  subscribeBrand(brandId: string, listener: LiveListener): () => void {
    return add(this.byBrand, brandId, listener);
  }

  subscribeConversation(conversationId: string, listener: LiveListener): () => void {
    return add(this.byConversation, conversationId, listener);
  }

  /** True when a stream here follows the brand or the conversation. */
  wants(brandId: string | null, conversationId: string): boolean {
    return (!!brandId && this.byBrand.has(brandId)) || this.byConversation.has(conversationId);
  }

  publish(event: LiveEvent): void {
    const brandId = event.conversation.brandId;
    if (!brandId) return;
    const listeners = [
      ...(this.byBrand.get(brandId) ?? []),
      ...(this.byConversation.get(event.conversation.id) ?? []),
    ];
    for (const l of listeners) {
      try {
        l(event);
      } catch {
        // A broken stream must not stop the others; its own close handler unsubscribes it.
      }
    }
  }

  /** Open subscriptions (for tests and metrics). */
  get size(): number {
    let n = 0;
    for (const s of this.byBrand.values()) n += s.size;
    for (const s of this.byConversation.values()) n += s.size;
    return n;
  }
}

function add(map: Map<string, Set<LiveListener>>, key: string, listener: LiveListener): () => void {
  let set = map.get(key);
  if (!set) {
    set = new Set();
    map.set(key, set);
  }
  set.add(listener);
  return () => {
    const s = map.get(key);
    if (!s) return;
    s.delete(listener);
    if (s.size === 0) map.delete(key);
  };
}

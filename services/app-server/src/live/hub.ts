import type { Conversation, Message, Ticket } from '../domain/types.ts';

/** Something staff may want to see the moment it happens. */
export type LiveEvent =
  | { type: 'conversation'; conversation: Conversation }
  | { type: 'message'; conversation: Conversation; message: Message }
  | { type: 'ticket'; conversation: Conversation; ticket: Ticket };

export type LiveListener = (event: LiveEvent) => void;

/**
 * In-process fan-out of changes to the streams staff have open. Listeners subscribe to one brand or one
 * conversation; events of conversations without a brand reach nobody. One process only: replicas
 * behind a load balancer would need a shared channel (Postgres LISTEN/NOTIFY) in front of this.
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

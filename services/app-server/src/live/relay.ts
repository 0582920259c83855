import type { CallLevels } from '@switchboard/service-kit/clients/app-server';
import type { Conversation, Message } from '../domain/types.ts';
import type { AppStore } from '../store/store.ts';
import type { LiveFeed, LiveRecord } from './feed.ts';
import type { LiveEvent, LiveHub } from './hub.ts';

/**
 * Carries the shared feed's changes into this process's hub: each change announced by any replica is
 * read back as it is now and published, in the order the feed delivered them. Changes nobody here
 * follows are not read at all.
 */
export class LiveRelay {
  private pending: LiveRecord[] = [];
  private draining = false;

  constructor(
    private readonly store: AppStore,
    private readonly hub: LiveHub,
    private readonly feed: LiveFeed,
    private readonly onError: (err: unknown) => void = () => undefined,
  ) {}

  /** Starts listening to the feed; resolves with the way to stop. */
  start(): Promise<() => void> {
    return this.feed.listen((r) => {
      if (!this.hub.wants(r.brandId, r.conversationId)) return;
      this.pending.push(r);
      void this.drain();
    });
  }

  /** What the records point at, as it is now; records whose conversation or part is gone are left out. */
  async resolve(records: readonly LiveRecord[]): Promise<LiveEvent[]> {
    const conversations = new Map<string, Promise<Conversation | null>>();
    const conversation = (id: string) => {
      let c = conversations.get(id);
      if (!c) {
        c = this.store.getConversationById(id);
        conversations.set(id, c);
      }
      return c;
    };
    const messages = await this.messagesOf(records);
    const out: LiveEvent[] = [];
    for (const r of records) {
      const c = await conversation(r.conversationId);
      if (!c) continue;
      if (r.kind === 'conversation') out.push({ type: 'conversation', id: r.id, conversation: c });
      else if (r.kind === 'message') {
        const m = messages.get(`${r.conversationId}\u0000${r.ref}`);
        if (m) out.push({ type: 'message', id: r.id, conversation: c, message: m });
      } else if (r.kind === 'levels') {
        const levels = parseLevels(r.ref);
        if (levels) out.push({ type: 'levels', id: r.id, conversation: c, levels });
      } else if (r.ref) {
        const t = await this.store.getTicketById(r.ref);
        if (t && t.conversationId === c.id)
          out.push({ type: 'ticket', id: r.id, conversation: c, ticket: t });
      }
    }
    return out;
  }

  /** The messages the records name, one query per conversation. */
  private async messagesOf(records: readonly LiveRecord[]): Promise<Map<string, Message>> {
    const wanted = new Map<string, number[]>();
    for (const r of records) {
      const sequence = Number(r.ref);
      if (r.kind !== 'message' || !Number.isSafeInteger(sequence)) continue;
      wanted.set(r.conversationId, [...(wanted.get(r.conversationId) ?? []), sequence]);
    }
    const out = new Map<string, Message>();
    for (const [conversationId, sequences] of wanted)
      for (const m of await this.store.getMessages(conversationId, sequences))
        out.set(`${conversationId}\u0000${m.sequence}`, m);
    return out;
  }

  private async drain(): Promise<void> {
    if (this.draining) return;
    this.draining = true;
    try {
      while (this.pending.length) {
        const batch = this.pending;
        this.pending = [];
        try {
          for (const e of await this.resolve(batch)) this.hub.publish(e);
        } catch (err) {
          this.onError(err);
        }
      }
    } finally {
      this.draining = false;
    }
  }
}

/** Levels as announced (JSON of CallLevels); anything else is left out. */
function parseLevels(ref: string | null): CallLevels | undefined {
  if (!ref) return undefined;
  try {
    const v = JSON.parse(ref) as Partial<CallLevels>;
    const isList = (l: unknown): l is number[] =>
      Array.isArray(l) && l.length <= 40 && l.every((x) => typeof x === 'number' && x >= 0 && x <= 1);
    if (typeof v.windowMs !== 'number' || !isList(v.caller) || !isList(v.agent)) return undefined;
    return { windowMs: v.windowMs, caller: v.caller, agent: v.agent };
  } catch {
    return undefined;
  }
}

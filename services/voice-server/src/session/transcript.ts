import type { AppServerClient, TranscriptMessage } from '../ports/app-server.ts';

interface Entry {
  message: TranscriptMessage;
  sent: boolean;
  /** For an agent turn the caller cut off: how much of its audio they heard (and, when known, the words). */
  heard?: { heardMs: number; totalMs: number; text?: string | undefined };
}

/** The words of `text` heard when `fraction` of its audio had played (to the end of the word under way). */
export function heardPart(text: string, fraction: number): string {
  if (fraction >= 1) return text;
  if (fraction <= 0) return '';
  const at = Math.round(text.length * fraction);
  const end = text.indexOf(' ', at);
  return (end < 0 ? text : text.slice(0, end)).trimEnd();
}

/**
 * The call's transcript in conversation order. A sequence number is given when an item first appears
 * (a committed caller turn, an agent output item), so order holds even though texts arrive later and
 * out of order; each message is sent to app-server once it is final.
 */
export class Transcript {
  private readonly byItem = new Map<string, Entry>();
  private readonly entries: Entry[] = [];
  private nextSequence = 1;
  private settleWaiters: Array<() => void> = [];

  constructor(
    private readonly callSid: string,
    private readonly sink: AppServerClient,
    private readonly onSinkError: (err: unknown) => void,
    /** Resolves once the conversation exists on the sink; messages wait for it. */
    private readonly ready: () => Promise<void> = () => Promise.resolve(),
  ) {}

  /** Opens an entry for `itemId` (no-op when it exists) and returns it. */
  open(
    itemId: string,
    role: TranscriptMessage['role'],
    startedAt: Date,
    source: TranscriptMessage['source'] = 'realtime',
  ): TranscriptMessage {
    const existing = this.byItem.get(itemId);
    if (existing) return existing.message;
    const entry: Entry = {
      message: {
        sequence: this.nextSequence++,
        role,
        text: null,
        itemId,
        startedAt: startedAt.toISOString(),
        source,
      },
      sent: false,
    };
    this.byItem.set(itemId, entry);
    this.entries.push(entry);
    return entry.message;
  }

  get(itemId: string): TranscriptMessage | undefined {
    return this.byItem.get(itemId)?.message;
  }

  /** Appends a message that is final at once (DTMF, tool results, system notes). */
  add(message: Omit<TranscriptMessage, 'sequence'>): TranscriptMessage {
    const entry: Entry = { message: { ...message, sequence: this.nextSequence++ }, sent: false };
    this.entries.push(entry);
    if (message.itemId) this.byItem.set(message.itemId, entry);
    this.send([entry]);
    return entry.message;
  }

  /** Marks `itemId` final with `text` and sends it. */
  finalize(itemId: string, text: string | null, patch: Partial<TranscriptMessage> = {}): void {
    const entry = this.byItem.get(itemId);
    if (!entry) return;
    if (text !== null) entry.message.text = text;
    Object.assign(entry.message, patch);
    this.applyHeard(entry);
    if (!entry.sent) this.send([entry]);
    if (this.settleWaiters.length && !this.callerTurnPending()) {
      const waiters = this.settleWaiters;
      this.settleWaiters = [];
      for (const w of waiters) w();
    }
  }

  /** Changes `itemId` after the fact (an external transcript came) and sends it again if it was sent. */
  amend(itemId: string, patch: Partial<TranscriptMessage>): void {
    const entry = this.byItem.get(itemId);
    if (!entry) return;
    Object.assign(entry.message, patch);
    if (entry.sent) this.send([entry]);
  }

  /**
   * The caller cut `itemId` off after hearing `heardMs` of its `totalMs` of audio: the turn is marked
   * interrupted, with the part they heard (`heardText` when the words heard are known exactly, from a
   * TTS provider's alignment), and sent again if it was already sent.
   */
  markInterrupted(itemId: string, heardMs: number, totalMs: number, heardText?: string): void {
    const entry = this.byItem.get(itemId);
    if (entry?.message.role !== 'agent') return;
    entry.heard = { heardMs, totalMs, text: heardText };
    entry.message.interrupted = true;
    this.applyHeard(entry);
    if (entry.sent) this.send([entry]);
  }

  private applyHeard(entry: Entry): void {
    const { heard, message } = entry;
    if (!heard || message.text === null) return;
    message.interrupted = true;
    message.heardText =
      heard.text ?? heardPart(message.text, heard.totalMs > 0 ? heard.heardMs / heard.totalMs : 0);
  }

  /**
   * The conversation once every caller turn has its words (or is known to have none), waiting at most
   * `timeoutMs`: transcripts arrive after the turn, and a hand-off should carry the caller's last words.
   */
  settled(timeoutMs: number): Promise<TranscriptMessage[]> {
    if (!this.callerTurnPending()) return Promise.resolve(this.messages());
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.settleWaiters = this.settleWaiters.filter((w) => w !== done);
        resolve(this.messages());
      };
      const timer = setTimeout(done, timeoutMs);
      this.settleWaiters.push(done);
    });
  }

  /** A caller turn is still waiting for its words (its transcript has not come, nor failed). */
  callerTurnPending(): boolean {
    return this.entries.some(
      (e) => e.message.role === 'caller' && e.message.text === null && !e.message.transcription,
    );
  }

  /** Sends every message not yet sent (at the end of the call); agent turns that never got words are left out. */
  flush(): void {
    const unsent = this.entries.filter(
      (e) => !e.sent && !(e.message.role === 'agent' && e.message.text === null),
    );
    if (unsent.length) this.send(unsent);
  }

  /** Every message so far, in conversation order. */
  messages(): TranscriptMessage[] {
    return this.entries.map((e) => e.message);
  }

  private send(entries: Entry[]): void {
    for (const e of entries) e.sent = true;
    const batch = entries.map((e) => ({ ...e.message }));
    this.ready()
      .then(() => this.sink.appendMessages(this.callSid, batch))
      .catch(this.onSinkError);
  }
}

import type {
  AppServerClient,
  CallbackTicketCreated,
  CallbackTicketInput,
  ConversationEnd,
  ConversationStart,
  HandoffTicketCreated,
  HandoffTicketInput,
  TranscriptMessage,
} from './app-server.ts';

interface StoredConversation {
  start: ConversationStart;
  messages: Map<number, TranscriptMessage>;
  end?: ConversationEnd;
  handoffs: Array<HandoffTicketInput & { ticketId: string }>;
  callbacks: Array<CallbackTicketInput & { ticketId: string; callbackId: string }>;
}

/** Records conversations in memory: used when no APP_SERVER_URL is configured, and in tests. */
export class InMemoryAppServer implements AppServerClient {
  readonly conversations = new Map<string, StoredConversation>();
  private ids = 0;

  async startConversation(start: ConversationStart): Promise<void> {
    if (!this.conversations.has(start.callSid))
      this.conversations.set(start.callSid, { start, messages: new Map(), handoffs: [], callbacks: [] });
  }

  async appendMessages(callSid: string, messages: TranscriptMessage[]): Promise<void> {
    const c = this.get(callSid);
    for (const m of messages) c.messages.set(m.sequence, m);
  }

  async endConversation(callSid: string, end: ConversationEnd): Promise<void> {
    const c = this.conversations.get(callSid);
    if (c) c.end = end;
  }

  async createHandoffTicket(callSid: string, input: HandoffTicketInput): Promise<HandoffTicketCreated> {
    const c = this.get(callSid);
    const ticketId = `ticket_${++this.ids}`;
    c.handoffs.push({ ...input, ticketId });
    return { ticketId };
  }

  async createCallbackTicket(callSid: string, input: CallbackTicketInput): Promise<CallbackTicketCreated> {
    const c = this.get(callSid);
    const created = { ticketId: `ticket_${++this.ids}`, callbackId: `callback_${this.ids}` };
    c.callbacks.push({ ...input, ...created });
    return created;
  }

  /** The transcript of a call in conversation order. */
  transcript(callSid: string): TranscriptMessage[] {
    const c = this.conversations.get(callSid);
    return c ? [...c.messages.values()].sort((a, b) => a.sequence - b.sequence) : [];
  }

  private get(callSid: string): StoredConversation {
    const c = this.conversations.get(callSid);
    if (!c) throw new Error(`unknown conversation ${callSid}`);
    return c;
  }
}

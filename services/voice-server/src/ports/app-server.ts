/** A message of the call's transcript, in conversation order by `sequence`. */
export interface TranscriptMessage {
  sequence: number;
  role: 'caller' | 'agent' | 'tool' | 'system';
  text: string | null;
  itemId?: string;
  /** When the turn started (ISO 8601). */
  startedAt: string;
  source: 'realtime' | 'transcriber' | 'dtmf' | 'system' | 'tool';
  /** True when the caller interrupted this agent turn; text is what they heard. */
  interrupted?: boolean;
  toolName?: string;
  toolArguments?: unknown;
  toolResult?: unknown;
  latency?: { responseMs?: number; firstAudioMs?: number };
}

export interface ConversationStart {
  callSid: string;
  botProfileKey: string;
  brandId?: string;
  callerNumber: string;
  isSip: boolean;
  startedAt: string;
  freshcallerCallId?: string;
}

export interface ConversationEnd {
  endReason: string;
  endedAt: string;
  durationSec: number;
  opikTraceId?: string;
}

/** app-server as voice-server sees it. Calls are idempotent: keyed by call SID and message sequence. */
export interface AppServerClient {
  startConversation(start: ConversationStart): Promise<void>;
  appendMessages(callSid: string, messages: TranscriptMessage[]): Promise<void>;
  endConversation(callSid: string, end: ConversationEnd): Promise<void>;
}

/** Records conversations in memory: the stand-in until app-server's client is configured. */
export class InMemoryAppServer implements AppServerClient {
  readonly conversations = new Map<
    string,
    { start: ConversationStart; messages: Map<number, TranscriptMessage>; end?: ConversationEnd }
  >();

  async startConversation(start: ConversationStart): Promise<void> {
    if (!this.conversations.has(start.callSid))
      this.conversations.set(start.callSid, { start, messages: new Map() });
  }

  async appendMessages(callSid: string, messages: TranscriptMessage[]): Promise<void> {
    const c = this.conversations.get(callSid);
    if (!c) throw new Error(`unknown conversation ${callSid}`);
    for (const m of messages) c.messages.set(m.sequence, m);
  }

  async endConversation(callSid: string, end: ConversationEnd): Promise<void> {
    const c = this.conversations.get(callSid);
    if (c) c.end = end;
  }

  /** The transcript of a call in conversation order. */
  transcript(callSid: string): TranscriptMessage[] {
    const c = this.conversations.get(callSid);
    return c ? [...c.messages.values()].sort((a, b) => a.sequence - b.sequence) : [];
  }
}

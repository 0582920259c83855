/**
 * app-server's internal API as the other services see it: conversations, their transcript, and the
 * handoff and callback tickets a call raises. Every call is idempotent, so the client retries failures
 * that may succeed later, and it keeps one call's requests in the order they were made.
 */
import { randomUUID } from 'node:crypto';
import { ServiceError } from '../errors.ts';
import { JsonClient } from '../http-client.ts';

/** Who spoke a transcript message. */
export type MessageRole = 'caller' | 'agent' | 'tool' | 'system';
/** Where a transcript message's text came from. */
export type TranscriptSource =
  | 'realtime'
  | 'transcriber'
  | 'dtmf'
  | 'system'
  | 'tool'
  | 'handoff'
  | 'language';

/**
 * A change of the call's language (a `language` message): when (the message's `startedAt`), from and
 * to (BCP 47 tags), and how: `detected` from the caller's words, `asked` by the caller (the model's
 * `switch_language` tool). `served: false`: the profile does not serve `to`; the call stayed in
 * `from` and the caller was offered a transfer or a callback.
 */
export interface LanguageSwitch {
  from: string;
  to: string;
  how: 'detected' | 'asked';
  /** The detector's confidence, 0..1 (of `detected`). */
  confidence?: number;
  served: boolean;
}
/** Ticket urgency. */
export type TicketPriority = 'low' | 'normal' | 'high' | 'urgent';

/** A message of the call's transcript, in conversation order by `sequence`. */
export interface TranscriptMessage {
  sequence: number;
  role: MessageRole;
  text: string | null;
  itemId?: string;
  /** When the turn started (ISO 8601). */
  startedAt: string;
  source: TranscriptSource;
  /** True when the caller interrupted (barged in on) this agent turn. */
  interrupted?: boolean;
  /**
   * Of an interrupted agent turn: the part of `text` the caller heard before they spoke over it, to
   * the end of the word under way (`text` stays the whole answer the model gave). Absent: how much
   * was heard is unknown.
   */
  heardText?: string;
  /** `failed`: a caller turn whose words the transcription could not make out (text stays null). */
  transcription?: 'failed';
  /**
   * Of a caller turn: the external transcriber that also transcribed it. With `source: 'transcriber'`
   * the text is its (the Realtime transcript was empty or failed); otherwise its text is `transcriberText`.
   */
  transcriber?: 'cartesia' | 'elevenlabs';
  /** The external transcriber's text of a caller turn whose `text` is the Realtime transcript. */
  transcriberText?: string;
  /** Of a `handoff` message: the agents the caller went from and to, and why. */
  handoff?: { from: string; to: string; reason: string };
  /** Of a `language` message: the switch. */
  languageSwitch?: LanguageSwitch;
  toolName?: string;
  toolArguments?: unknown;
  toolResult?: unknown;
  /**
   * An agent turn's timings, each in ms from the moment the caller's speech stopped: `firstAudioMs`
   * the model's first audio arrived, `firstFrameMs` the first media frame of it went to Twilio;
   * `responseMs` is the reply latency as measured so far (used when the other two are absent). On a
   * tool message, `responseMs` is how long the tool took.
   */
  latency?: { responseMs?: number; firstAudioMs?: number; firstFrameMs?: number };
}

/** Sent once when a call is answered. */
export interface ConversationStart {
  callSid: string;
  botProfileKey: string;
  /** The brand the bot profile belongs to; without it staff cannot see the conversation until it is set. */
  brandId?: string;
  callerNumber: string;
  isSip: boolean;
  /** ISO 8601. */
  startedAt: string;
  freshcallerCallId?: string;
  /**
   * The brand's IANA time zone (the bot profile's), e.g. "America/New_York": staff see the call's
   * times in it. Absent or unknown: the brand's zone if app-server has one, else UTC.
   */
  timezone?: string;
  /**
   * Who placed the call: the caller (`inbound`, the default), the brand (`outbound`), or staff trying
   * a profile from the browser (`web`, no phone line).
   */
  direction?: 'inbound' | 'outbound' | 'web';
  /** The language the call started in (BCP 47); switches come as `language` messages. */
  language?: string;
  /**
   * Where app-server reaches the voice-server instance holding the call to act on it (end, transfer),
   * with the service token, e.g. "http://10.0.3.7:8080". Absent: staff cannot act on the call.
   */
  controlUrl?: string;
}

/**
 * Audio levels of a live call, oldest first: one entry per window (a few a second), each side's RMS
 * level from 0 (silence) to 1 (full scale).
 */
export interface CallLevels {
  /** Length of each window in ms. */
  windowMs: number;
  caller: number[];
  agent: number[];
}

/** Sent once when a call ends. */
export interface ConversationEnd {
  endReason: string;
  /** ISO 8601. */
  endedAt: string;
  durationSec: number;
  opikTraceId?: string;
}

/** A request for a human to take over (or follow up on) the call. */
export interface HandoffTicketInput {
  summary: string;
  transcriptExcerpt: string;
  knowledgeChunkIds: string[];
  priority?: TicketPriority;
  /** Where the call was transferred, when it was. */
  transferTarget?: string;
  /** A repeated key returns the ticket the first request made. The client makes one when absent. */
  idempotencyKey?: string;
  /** The call's Opik trace id, so staff can open the trace from the ticket. */
  opikTraceId?: string;
}

/** A callback the agent promised the caller. */
export interface CallbackTicketInput {
  phone: string;
  /** Preferred window (ISO 8601). */
  windowStart?: string;
  windowEnd?: string;
  /** IANA time zone of the caller's preference, e.g. "Europe/Berlin". */
  timezone: string;
  reason: string;
  priority?: TicketPriority;
  /** A repeated key returns the ticket the first request made. The client makes one when absent. */
  idempotencyKey?: string;
  /** The call's Opik trace id, so staff can open the trace from the ticket. */
  opikTraceId?: string;
}

export interface HandoffTicketCreated {
  ticketId: string;
}

export interface CallbackTicketCreated {
  ticketId: string;
  callbackId: string;
}

/** app-server as voice-server sees it. Calls are idempotent: keyed by call SID and message sequence. */
export interface AppServerClient {
  /** Idempotent by `callSid`. */
  startConversation(start: ConversationStart): Promise<void>;
  /** Idempotent by (callSid, sequence); a re-sent sequence with newer text updates it. */
  appendMessages(callSid: string, messages: TranscriptMessage[]): Promise<void>;
  endConversation(callSid: string, end: ConversationEnd): Promise<void>;
  createHandoffTicket(callSid: string, input: HandoffTicketInput): Promise<HandoffTicketCreated>;
  createCallbackTicket(callSid: string, input: CallbackTicketInput): Promise<CallbackTicketCreated>;
}

export interface HttpAppServerClientOptions {
  baseUrl: string;
  /** The shared service token. */
  token: string;
  timeoutMs?: number;
  /** Attempts per request when the failure is retryable (5xx, timeouts, unreachable). Default 3. */
  maxAttempts?: number;
  /** First retry delay; doubles each attempt. Default 200 ms. */
  retryDelayMs?: number;
  fetch?: typeof fetch;
}

/** The internal API's paths, shared with app-server's routes. */
export const APP_SERVER_PATHS = {
  conversations: '/internal/conversations',
  messages: (callSid: string) => `/internal/conversations/${encodeURIComponent(callSid)}/messages`,
  end: (callSid: string) => `/internal/conversations/${encodeURIComponent(callSid)}/end`,
  handoffTickets: (callSid: string) =>
    `/internal/conversations/${encodeURIComponent(callSid)}/tickets/handoff`,
  callbackTickets: (callSid: string) =>
    `/internal/conversations/${encodeURIComponent(callSid)}/tickets/callback`,
  levels: (callSid: string) => `/internal/conversations/${encodeURIComponent(callSid)}/levels`,
} as const;

/** voice-server's control routes for a call it holds (app-server calls them with the service token). */
export const CALL_CONTROL_PATHS = {
  end: (callSid: string) => `/internal/calls/${encodeURIComponent(callSid)}/end`,
  transfer: (callSid: string) => `/internal/calls/${encodeURIComponent(callSid)}/transfer`,
} as const;

/** Who asked for a call action from the live monitor: the staff id for logs, the name for the transcript. */
export interface StaffActor {
  staffId: string;
  staffName: string;
}

/**
 * AppServerClient over HTTP with the service token. Requests for one call run one after another in the
 * order they were made (so messages never overtake the conversation's start), while different calls
 * proceed independently. Retryable failures are retried with backoff; everything sent is idempotent.
 */
export class HttpAppServerClient implements AppServerClient {
  private readonly http: JsonClient;
  private readonly maxAttempts: number;
  private readonly retryDelayMs: number;
  /** The tail of each call's request chain; removed when it settles and nothing queued behind it. */
  private readonly chains = new Map<string, Promise<unknown>>();

  constructor(opts: HttpAppServerClientOptions) {
    this.http = new JsonClient({
      baseUrl: opts.baseUrl,
      token: opts.token,
      ...(opts.timeoutMs !== undefined ? { timeoutMs: opts.timeoutMs } : {}),
      ...(opts.fetch ? { fetch: opts.fetch } : {}),
    });
    this.maxAttempts = Math.max(1, opts.maxAttempts ?? 3);
    this.retryDelayMs = opts.retryDelayMs ?? 200;
  }

  async startConversation(start: ConversationStart): Promise<void> {
    await this.inOrder(start.callSid, () =>
      this.http.request({ method: 'POST', path: APP_SERVER_PATHS.conversations, body: start }),
    );
  }

  async appendMessages(callSid: string, messages: TranscriptMessage[]): Promise<void> {
    if (messages.length === 0) return;
    await this.inOrder(callSid, () =>
      this.http.request({ method: 'POST', path: APP_SERVER_PATHS.messages(callSid), body: { messages } }),
    );
  }

  async endConversation(callSid: string, end: ConversationEnd): Promise<void> {
    await this.inOrder(callSid, () =>
      this.http.request({ method: 'POST', path: APP_SERVER_PATHS.end(callSid), body: end }),
    );
  }

  createHandoffTicket(callSid: string, input: HandoffTicketInput): Promise<HandoffTicketCreated> {
    // A key of our own makes a retried request safe even when the caller gave none.
    const body = { ...input, idempotencyKey: input.idempotencyKey ?? randomUUID() };
    return this.inOrder(callSid, () =>
      this.http.request<HandoffTicketCreated>({
        method: 'POST',
        path: APP_SERVER_PATHS.handoffTickets(callSid),
        body,
      }),
    );
  }

  createCallbackTicket(callSid: string, input: CallbackTicketInput): Promise<CallbackTicketCreated> {
    const body = { ...input, idempotencyKey: input.idempotencyKey ?? randomUUID() };
    return this.inOrder(callSid, () =>
      this.http.request<CallbackTicketCreated>({
        method: 'POST',
        path: APP_SERVER_PATHS.callbackTickets(callSid),
        body,
      }),
    );
  }

  /** Runs `fn` (with retries) after every earlier request for `callSid` has settled. */
  private inOrder<T>(callSid: string, fn: () => Promise<T>): Promise<T> {
    const previous = this.chains.get(callSid) ?? Promise.resolve();
    const run = previous.then(
      () => this.withRetries(fn),
      () => this.withRetries(fn),
    );
    const tail = run.catch(() => undefined);
    this.chains.set(callSid, tail);
    void tail.then(() => {
      if (this.chains.get(callSid) === tail) this.chains.delete(callSid);
    });
    return run;
  }

  private async withRetries<T>(fn: () => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await fn();
      } catch (err) {
        const retryable = err instanceof ServiceError && err.retryable;
        if (!retryable || attempt >= this.maxAttempts) throw err;
        await new Promise((r) => setTimeout(r, this.retryDelayMs * 2 ** (attempt - 1)));
      }
    }
  }
}

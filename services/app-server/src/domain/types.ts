import type {
  LanguageSwitch,
  MessageRole,
  TicketPriority,
  TranscriptSource,
} from '@switchboard/service-kit/clients/app-server';

export type { LanguageSwitch, MessageRole, TicketPriority, TranscriptSource };

export const CONVERSATION_STATUSES = ['active', 'ended'] as const;
export type ConversationStatus = (typeof CONVERSATION_STATUSES)[number];

export const TICKET_KINDS = ['handoff', 'callback'] as const;
export type TicketKind = (typeof TICKET_KINDS)[number];

export const TICKET_STATUSES = ['open', 'in_progress', 'resolved', 'closed'] as const;
export type TicketStatus = (typeof TICKET_STATUSES)[number];

export const TICKET_PRIORITIES = [
  'low',
  'normal',
  'high',
  'urgent',
] as const satisfies readonly TicketPriority[];

export const CALLBACK_STATUSES = ['scheduled', 'done', 'cancelled', 'missed'] as const;
export type CallbackStatus = (typeof CALLBACK_STATUSES)[number];

export const MESSAGE_ROLES = ['caller', 'agent', 'tool', 'system'] as const satisfies readonly MessageRole[];
export const TRANSCRIPT_SOURCES = [
  'realtime',
  'transcriber',
  'dtmf',
  'system',
  'tool',
  'handoff',
  'language',
] as const satisfies readonly TranscriptSource[];

/** How a caller's language came to be known: detected from their words, or asked for. */
export const LANGUAGE_SWITCH_HOWS = ['detected', 'asked'] as const satisfies readonly LanguageSwitch['how'][];

/** One phone call as app-server records it. */
/** `web`: staff talking to a profile from the browser ("Try your bot"); no phone line. */
export const CALL_DIRECTIONS = ['inbound', 'outbound', 'web'] as const;
export type CallDirection = (typeof CALL_DIRECTIONS)[number];

export interface Conversation {
  id: string;
  /** Null until known: such conversations are visible to no staff. */
  brandId: string | null;
  botProfileKey: string;
  callSid: string;
  channel: 'PHONE';
  callerNumber: string;
  isSip: boolean;
  freshcallerCallId: string | null;
  status: ConversationStatus;
  startedAt: Date;
  endedAt: Date | null;
  endReason: string | null;
  durationSec: number | null;
  opikTraceId: string | null;
  /** IANA time zone from the call's start (the brand's); null when voice-server sent none. */
  timezone: string | null;
  /** Who placed the call. */
  direction: CallDirection;
  /** The voice-server instance holding the live call (staff actions go there); null: none known. */
  controlUrl: string | null;
  /** The specialist agent talking now (the last hand-off's target); null: the profile's only agent. */
  currentAgent: string | null;
  /** The languages the call was in (BCP 47): the start language first, then each served switch's target. */
  languages: string[];
  createdAt: Date;
  updatedAt: Date;
}

/** External transcribers voice-server may name on a caller turn. */
export const TRANSCRIBERS = ['cartesia', 'elevenlabs'] as const;
export type Transcriber = (typeof TRANSCRIBERS)[number];

/** A conversation in a list, with counts for the overview. */
export interface ConversationSummary extends Conversation {
  messageCount: number;
  openTicketCount: number;
}

/** One transcript message; (conversationId, sequence) is unique. */
export interface Message {
  conversationId: string;
  sequence: number;
  role: MessageRole;
  text: string | null;
  itemId: string | null;
  startedAt: Date;
  source: TranscriptSource;
  interrupted: boolean;
  toolName: string | null;
  toolArguments: unknown;
  toolResult: unknown;
  /** Milliseconds from the caller's end of speech (see TranscriptMessage.latency). */
  responseMs: number | null;
  firstAudioMs: number | null;
  firstFrameMs: number | null;
  /** Of an interrupted agent turn: the part the caller heard; `text` holds the whole answer. */
  heardText: string | null;
  /** `failed`: the transcription could not make out this caller turn. */
  transcription: 'failed' | null;
  /** Of a caller turn: the external transcriber that also transcribed it (see TranscriptMessage). */
  transcriber: Transcriber | null;
  /** That transcriber's text when `text` is the Realtime transcript. */
  transcriberText: string | null;
  /** Of a hand-off between agents: who handed the caller to whom, and why. */
  handoff: HandOff | null;
  /** Of a `language` message: the switch (or the request for a language the profile does not serve). */
  languageSwitch: LanguageSwitch | null;
  /** What had to be repaired to store it (empty when it was stored as sent). */
  sanitized: string[];
  createdAt: Date;
  updatedAt: Date;
}

/** A callback promised to a caller; belongs to exactly one ticket of kind `callback`. */
export interface Callback {
  id: string;
  ticketId: string;
  conversationId: string;
  phone: string;
  windowStart: Date | null;
  windowEnd: Date | null;
  timezone: string;
  reason: string;
  status: CallbackStatus;
  createdAt: Date;
  updatedAt: Date;
}

/** Work for staff raised by a call: a handoff, or a callback to make. */
export interface Ticket {
  id: string;
  conversationId: string;
  kind: TicketKind;
  status: TicketStatus;
  priority: TicketPriority;
  summary: string;
  transcriptExcerpt: string;
  knowledgeChunkIds: string[];
  transferTarget: string | null;
  assignee: string | null;
  idempotencyKey: string | null;
  /** The call's Opik trace id, as voice-server sent it with the ticket; null when the call was not traced. */
  opikTraceId: string | null;
  /** The highest message sequence stored when the ticket was made: where its marker sits in the transcript. */
  afterSequence: number;
  createdAt: Date;
  updatedAt: Date;
  callback: Callback | null;
}

/** A staff member of one brand. */
export interface StaffAccount {
  id: string;
  brandId: string;
  /** Stored lower-cased; unique within the brand. */
  email: string;
  displayName: string;
  /** `scrypt$...` (see auth/passwords.ts). */
  passwordHash: string;
  /** Bumped to sign every session of this account out. */
  sessionVersion: number;
  disabled: boolean;
  createdAt: Date;
}

/** One signed-in browser of a staff account. */
export interface StaffSession {
  id: string;
  staffId: string;
  createdAt: Date;
  expiresAt: Date;
  revokedAt: Date | null;
}

/** A brand-scoped key for the JSON API. Only the secret's hash is stored. */
export interface ApiKey {
  id: string;
  brandId: string;
  label: string;
  secretHash: string;
  revoked: boolean;
  createdAt: Date;
}

/** One page of a list, newest first; pass `nextCursor` back as `cursor` for the next. */
export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

/** A brand as app-server knows it (its own row is optional: ids work without one). */
export interface Brand {
  id: string;
  /** What staff type to sign in; null until an operator sets one. */
  slug: string | null;
  name: string | null;
  /** IANA time zone; null when neither set nor learnt from a call. */
  timezone: string | null;
}

/** A hand-off between a profile's specialist agents, as recorded on the transcript. */
export interface HandOff {
  from: string;
  to: string;
  reason: string;
}

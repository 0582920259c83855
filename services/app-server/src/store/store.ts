import type { AnalysisStore } from '../analysis/analysis-store.ts';
import type { CallbackPlacementStore } from '../callbacks/placement-store.ts';
import type {
  ApiKey,
  Brand,
  Callback,
  CallbackStatus,
  CallDirection,
  Conversation,
  ConversationStatus,
  ConversationSummary,
  HandOff,
  LanguageSwitch,
  Message,
  MessageRole,
  Page,
  StaffAccount,
  StaffSession,
  Ticket,
  TicketKind,
  TicketPriority,
  TicketStatus,
  Transcriber,
  TranscriptSource,
} from '../domain/types.ts';
import type { LiveFeed } from '../live/feed.ts';
import type { RecordingStore } from '../recordings/recording-store.ts';
import type { StaffPhoneStore } from '../staff/staff-phone-store.ts';

/** A conversation as a call's start describes it. */
export interface NewConversation {
  callSid: string;
  botProfileKey: string;
  brandId: string | null;
  callerNumber: string;
  isSip: boolean;
  startedAt: Date;
  freshcallerCallId: string | null;
  /** A known IANA zone, or null. */
  timezone: string | null;
  /** Default inbound. */
  direction?: CallDirection;
  /** The voice-server instance holding the call; default none. */
  controlUrl?: string | null;
  /** The language the call started in (BCP 47); default none known. */
  language?: string | null;
}

/** A message as voice-server sends it; absent fields leave a stored message's values alone. */
export interface MessageInput {
  sequence: number;
  role: MessageRole;
  text: string | null;
  itemId?: string;
  startedAt: Date;
  source: TranscriptSource;
  interrupted?: boolean;
  toolName?: string;
  toolArguments?: unknown;
  toolResult?: unknown;
  responseMs?: number;
  firstAudioMs?: number;
  firstFrameMs?: number;
  heardText?: string;
  transcription?: 'failed';
  transcriber?: Transcriber;
  transcriberText?: string;
  handoff?: HandOff;
  /** Of a `language` message: the switch; a served one adds its `to` to the conversation's languages. */
  languageSwitch?: LanguageSwitch;
  /** Notes on what was repaired to store it; replaces the stored notes. */
  sanitized?: string[];
}

export interface ConversationEndInput {
  endReason: string;
  endedAt: Date;
  durationSec: number;
  opikTraceId: string | null;
}

export interface NewTicket {
  kind: TicketKind;
  priority: TicketPriority;
  summary: string;
  transcriptExcerpt: string;
  knowledgeChunkIds: string[];
  transferTarget: string | null;
  idempotencyKey: string | null;
  opikTraceId: string | null;
  /** Required when kind is `callback`. */
  callback?: {
    phone: string;
    windowStart: Date | null;
    windowEnd: Date | null;
    timezone: string;
    reason: string;
  };
}

export interface ConversationFilter {
  /** startedAt >= from */
  from?: Date;
  /** startedAt < to */
  to?: Date;
  /** Substring of the caller number. */
  caller?: string;
  status?: ConversationStatus;
  /** Words said in the call: ranked by relevance (best first) instead of by time. */
  text?: string;
  /** A BCP 47 tag (lower-case): calls that were in it, or in a tag it is a prefix of (`es` finds `es-MX`). */
  language?: string;
  limit: number;
  cursor?: string;
}

export interface TicketFilter {
  status?: TicketStatus;
  kind?: TicketKind;
  conversationId?: string;
  limit: number;
  cursor?: string;
}

export interface CallbackFilter {
  status?: CallbackStatus;
  limit: number;
  cursor?: string;
}

export interface TicketPatch {
  status?: TicketStatus;
  priority?: TicketPriority;
  /** Null unassigns. */
  assignee?: string | null;
}

export interface NewStaff {
  brandId: string;
  email: string;
  displayName: string;
  passwordHash: string;
}

/** Brand fields an operator sets; absent fields stay as they are, null clears one. */
export interface BrandPatch {
  slug?: string | null;
  name?: string | null;
  timezone?: string | null;
}

/** A callback with the ticket it belongs to, as the callbacks list shows it. */
export interface CallbackWithTicket extends Callback {
  ticket: Omit<Ticket, 'callback'>;
}

/**
 * Everything app-server keeps. Brand-scoped reads take the brand and answer null (or leave rows out)
 * for another brand's data, so a route cannot forget the check. Writes by id are done after a scoped read.
 */
export interface AppStore {
  /** Call recordings and each brand's retention. */
  recordings(): RecordingStore;
  /** Booked callbacks app-server places itself, and each brand's opt-in. */
  callbackPlacements(): CallbackPlacementStore;
  /** Staff members' own phone numbers. */
  staffPhones(): StaffPhoneStore;
  /** Inserts unless the call SID exists; an existing conversation only gains a brand it lacked. */
  startConversation(input: NewConversation): Promise<{ conversation: Conversation; created: boolean }>;
  findConversationByCallSid(callSid: string): Promise<Conversation | null>;
  /** The brand of the most recent conversation of this bot profile that had one. */
  brandOfBotProfile(botProfileKey: string): Promise<string | null>;
  /** Upserts by (conversation, sequence); returns the stored rows. A null text never replaces a text. */
  upsertMessages(conversationId: string, messages: MessageInput[]): Promise<Message[]>;
  endConversation(conversationId: string, end: ConversationEndInput): Promise<Conversation>;
  setConversationBrand(conversationId: string, brandId: string): Promise<Conversation>;
  /**
   * Returns the existing ticket when (conversation, idempotencyKey) was seen before. Records the highest
   * message sequence stored so far as the ticket's `afterSequence`.
   */
  createTicket(conversationId: string, input: NewTicket): Promise<{ ticket: Ticket; created: boolean }>;

  listConversations(brandId: string, filter: ConversationFilter): Promise<Page<ConversationSummary>>;
  getConversation(brandId: string, id: string): Promise<Conversation | null>;
  /** In conversation order. */
  listMessages(conversationId: string): Promise<Message[]>;
  listTickets(brandId: string, filter: TicketFilter): Promise<Page<Ticket>>;
  getTicket(brandId: string, id: string): Promise<Ticket | null>;
  /** A status change on a callback ticket moves its callback too (resolved: done, closed: cancelled). */
  updateTicket(id: string, patch: TicketPatch): Promise<Ticket>;
  listCallbacks(brandId: string, filter: CallbackFilter): Promise<Page<CallbackWithTicket>>;
  getCallback(brandId: string, id: string): Promise<CallbackWithTicket | null>;
  /** Also moves the ticket: done resolves it, cancelled closes it, scheduled reopens it. */
  updateCallbackStatus(id: string, status: CallbackStatus): Promise<CallbackWithTicket>;

  /** Throws StaffExistsError when the brand already has the email. */
  createStaff(input: NewStaff): Promise<StaffAccount>;
  findStaffByEmail(brandId: string, email: string): Promise<StaffAccount | null>;
  getStaff(id: string): Promise<StaffAccount | null>;
  /** Disables (or enables) an account; a disabled account's sessions are refused. */
  setStaffDisabled(id: string, disabled: boolean): Promise<StaffAccount | null>;
  setStaffPassword(id: string, passwordHash: string): Promise<void>;
  createSession(input: { id: string; staffId: string; expiresAt: Date }): Promise<StaffSession>;
  getSession(id: string): Promise<StaffSession | null>;
  /** Revokes one session, or every live session of an account but `exceptId`; returns how many. */
  revokeSession(id: string): Promise<number>;
  revokeSessions(staffId: string, exceptId?: string): Promise<number>;
  createApiKey(input: { id: string; brandId: string; label: string; secretHash: string }): Promise<ApiKey>;
  getApiKey(id: string): Promise<ApiKey | null>;

  getBrand(id: string): Promise<Brand | null>;
  /** By slug (lower-case). */
  findBrandBySlug(slug: string): Promise<Brand | null>;
  /** Creates or changes a brand's row; throws SlugTakenError when another brand has the slug. */
  putBrand(id: string, patch: BrandPatch): Promise<Brand>;
  /** Gives a brand the time zone its calls report, unless it has one (creates its row if needed). */
  learnBrandTimezone(id: string, timezone: string): Promise<void>;
  /** Enabled or not, in every brand (sign-in by email alone); at most `limit`. */
  findStaffByEmailInAnyBrand(email: string, limit: number): Promise<StaffAccount[]>;

  /** Unscoped reads for live updates (the streams check the brand themselves). */
  getConversationById(id: string): Promise<Conversation | null>;
  getMessages(conversationId: string, sequences: readonly number[]): Promise<Message[]>;
  getTicketById(id: string): Promise<Ticket | null>;
  /** The change channel live views follow: shared by every replica on the same database. */
  liveFeed(): LiveFeed;
  /** Post-call analyses, in the same database. */
  analyses(): AnalysisStore;

  /** True when the database answers. */
  ping(): Promise<boolean>;
  close(): Promise<void>;
}

/** A staff account with this email already exists in the brand. */
export class StaffExistsError extends Error {
  constructor() {
    super('a staff account with this email already exists in the brand');
    this.name = 'StaffExistsError';
  }
}

/** Another brand already signs in with this slug. */
export class SlugTakenError extends Error {
  constructor() {
    super('another brand already has this slug');
    this.name = 'SlugTakenError';
  }
}

/** The ticket status a callback's new status implies; a scheduled callback keeps an open ticket as it is. */
export function ticketStatusForCallback(status: CallbackStatus, current: TicketStatus): TicketStatus {
  if (status === 'done') return 'resolved';
  if (status === 'cancelled') return 'closed';
  return current === 'open' || current === 'in_progress' ? current : 'open';
}

/** The callback status a callback ticket's new status implies. */
export function callbackStatusForTicket(status: TicketStatus): CallbackStatus {
  if (status === 'resolved') return 'done';
  if (status === 'closed') return 'cancelled';
  return 'scheduled';
}

/** Opaque list cursor: the last item's sort time and id. */
export function encodeCursor(at: Date, id: string): string {
  return Buffer.from(`${at.toISOString()}|${id}`).toString('base64url');
}

/** True for a time in years 1970 to 9999: what list filters and cursors may carry. */
export function inStoredRange(d: Date): boolean {
  const t = d.getTime();
  return t >= Date.UTC(1970, 0, 1) && t < Date.UTC(10000, 0, 1);
}

/** Most results a relevance-ranked search pages through. */
export const MAX_SEARCH_OFFSET = 10_000;

/** Cursor of a relevance-ranked page: how many results came before it. */
export function encodeOffsetCursor(offset: number): string {
  return Buffer.from(`offset:${offset}`).toString('base64url');
}

/** Parses a cursor made by encodeOffsetCursor; undefined when malformed or past the last page searched. */
export function decodeOffsetCursor(cursor: string): number | undefined {
  if (!/^[A-Za-z0-9_-]{1,40}$/.test(cursor)) return undefined;
  const m = /^offset:(\d{1,6})$/.exec(Buffer.from(cursor, 'base64url').toString('utf8'));
  const n = m ? Number(m[1]) : Number.NaN;
  return Number.isSafeInteger(n) && n <= MAX_SEARCH_OFFSET ? n : undefined;
}

/** Parses a cursor made by encodeCursor; undefined when malformed (it is input: never trusted). */
export function decodeCursor(cursor: string): { at: Date; id: string } | undefined {
  if (!/^[A-Za-z0-9_-]{1,200}$/.test(cursor)) return undefined;
  const raw = Buffer.from(cursor, 'base64url').toString('utf8');
  const m = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z)\|([0-9a-f-]{36})$/.exec(raw);
  if (!m) return undefined;
  const at = new Date(m[1]!);
  if (Number.isNaN(at.getTime()) || !inStoredRange(at)) return undefined;
  return { at, id: m[2]! };
}

import { randomUUID } from 'node:crypto';
import type { AnalysisStore } from '../analysis/analysis-store.ts';
import { MemoryAnalysisStore } from '../analysis/memory-analysis-store.ts';
import { type CallbackPlacementStore, MemoryCallbackPlacementStore } from '../callbacks/placement-store.ts';
import { languagesAfter, speaksLanguage } from '../domain/languages.ts';
import type {
  ApiKey,
  Brand,
  CallbackStatus,
  Conversation,
  ConversationSummary,
  Message,
  Page,
  StaffAccount,
  StaffSession,
  Ticket,
} from '../domain/types.ts';
import { MemoryLiveFeed } from '../live/memory-feed.ts';
import { MemoryRecordingStore, type RecordingStore } from '../recordings/recording-store.ts';
import { MemoryStaffPhoneStore, type StaffPhoneStore } from '../staff/staff-phone-store.ts';
import { relevance } from './relevance.ts';
import {
  type AppStore,
  type BrandPatch,
  type CallbackFilter,
  type CallbackWithTicket,
  type ConversationEndInput,
  type ConversationFilter,
  callbackStatusForTicket,
  decodeCursor,
  decodeOffsetCursor,
  encodeCursor,
  encodeOffsetCursor,
  type MessageInput,
  type NewConversation,
  type NewStaff,
  type NewTicket,
  SlugTakenError,
  StaffExistsError,
  type TicketFilter,
  type TicketPatch,
  ticketStatusForCallback,
} from './store.ts';

/** Newest first by time, then id; `after` is the cursor's position. */
function page<T>(
  rows: T[],
  key: (row: T) => { at: Date; id: string },
  limit: number,
  cursor?: string,
): Page<T> {
  const sorted = [...rows].sort((a, b) => {
    const ka = key(a);
    const kb = key(b);
    return kb.at.getTime() - ka.at.getTime() || (kb.id < ka.id ? -1 : kb.id > ka.id ? 1 : 0);
  });
  const after = cursor ? decodeCursor(cursor) : undefined;
  const start = after
    ? sorted.filter((r) => {
        const k = key(r);
        return (
          k.at.getTime() < after.at.getTime() || (k.at.getTime() === after.at.getTime() && k.id < after.id)
        );
      })
    : sorted;
  const items = start.slice(0, limit);
  const last = items.at(-1);
  const nextCursor = start.length > limit && last ? encodeCursor(key(last).at, key(last).id) : null;
  return { items, nextCursor };
}

const clone = <T>(v: T): T => structuredClone(v);

/**
 * An in-memory AppStore with the same behaviour as the Prisma store (the shared contract test runs on
 * both). For fast route tests; the service itself always runs on the database.
 */
export class MemoryStore implements AppStore {
  private readonly conversations = new Map<string, Conversation>();
  private readonly messages = new Map<string, Map<number, Message>>();
  private readonly tickets = new Map<string, Ticket>();
  private readonly staff = new Map<string, StaffAccount>();
  private readonly apiKeys = new Map<string, ApiKey>();
  private readonly sessions = new Map<string, StaffSession>();
  private readonly brands = new Map<string, Brand>();
  private readonly feed = new MemoryLiveFeed();
  private readonly analysisStore = new MemoryAnalysisStore(
    (id) => this.conversations.get(id),
    (id) => [...(this.messages.get(id)?.values() ?? [])],
  );

  analyses(): AnalysisStore {
    return this.analysisStore;
  }

  private readonly recordingStore = new MemoryRecordingStore((id) => this.conversations.get(id));

  recordings(): RecordingStore {
    return this.recordingStore;
  }

  private readonly placementStore = new MemoryCallbackPlacementStore(() =>
    [...this.tickets.values()].flatMap((t) => {
      const conversation = this.conversations.get(t.conversationId);
      return t.callback && conversation ? [{ callback: t.callback, conversation }] : [];
    }),
  );

  callbackPlacements(): CallbackPlacementStore {
    return this.placementStore;
  }

  private readonly phoneStore = new MemoryStaffPhoneStore((id) => this.staff.get(id)?.brandId);

  staffPhones(): StaffPhoneStore {
    return this.phoneStore;
  }

  async startConversation(input: NewConversation): Promise<{ conversation: Conversation; created: boolean }> {
    const existing = [...this.conversations.values()].find((c) => c.callSid === input.callSid);
    if (existing) {
      if (
        (!existing.brandId && input.brandId) ||
        (!existing.timezone && input.timezone) ||
        (!existing.controlUrl && input.controlUrl) ||
        (!existing.languages.length && input.language)
      ) {
        existing.brandId ??= input.brandId;
        existing.timezone ??= input.timezone;
        existing.controlUrl ??= input.controlUrl ?? null;
        if (!existing.languages.length && input.language) existing.languages = [input.language];
        existing.updatedAt = new Date();
      }
      return { conversation: clone(existing), created: false };
    }
    const now = new Date();
    const { language, ...fields } = input;
    const conversation: Conversation = {
      id: randomUUID(),
      ...fields,
      languages: language ? [language] : [],
      direction: input.direction ?? 'inbound',
      controlUrl: input.controlUrl ?? null,
      currentAgent: null,
      channel: 'PHONE',
      status: 'active',
      endedAt: null,
      endReason: null,
      durationSec: null,
      opikTraceId: null,
      createdAt: now,
      updatedAt: now,
    };
    this.conversations.set(conversation.id, conversation);
    this.messages.set(conversation.id, new Map());
    return { conversation: clone(conversation), created: true };
  }

  async findConversationByCallSid(callSid: string): Promise<Conversation | null> {
    const c = [...this.conversations.values()].find((x) => x.callSid === callSid);
    return c ? clone(c) : null;
  }

  async brandOfBotProfile(botProfileKey: string): Promise<string | null> {
    const brands = new Set(
      [...this.conversations.values()]
        .filter((c) => c.botProfileKey === botProfileKey && c.brandId)
        .map((c) => c.brandId),
    );
    // Profile keys are unique per brand only: a key two brands used names no brand.
    return brands.size === 1 ? [...brands][0]! : null;
  }

  async upsertMessages(conversationId: string, inputs: MessageInput[]): Promise<Message[]> {
    const rows = this.mustMessages(conversationId);
    const out: Message[] = [];
    for (const m of inputs) {
      const now = new Date();
      const prev = rows.get(m.sequence);
      const next: Message = prev
        ? {
            ...prev,
            role: m.role,
            source: m.source,
            startedAt: m.startedAt,
            text: m.text ?? prev.text,
            itemId: m.itemId ?? prev.itemId,
            interrupted: m.interrupted ?? prev.interrupted,
            toolName: m.toolName ?? prev.toolName,
            toolArguments: m.toolArguments !== undefined ? clone(m.toolArguments) : prev.toolArguments,
            toolResult: m.toolResult !== undefined ? clone(m.toolResult) : prev.toolResult,
            responseMs: m.responseMs ?? prev.responseMs,
            firstAudioMs: m.firstAudioMs ?? prev.firstAudioMs,
            firstFrameMs: m.firstFrameMs ?? prev.firstFrameMs,
            heardText: m.heardText ?? prev.heardText,
            transcription: m.transcription ?? prev.transcription,
            transcriber: m.transcriber ?? prev.transcriber,
            transcriberText: m.transcriberText ?? prev.transcriberText,
            handoff: m.handoff ? clone(m.handoff) : prev.handoff,
            languageSwitch: m.languageSwitch ? clone(m.languageSwitch) : prev.languageSwitch,
            sanitized: m.sanitized ?? prev.sanitized,
            updatedAt: now,
          }
        : {
            conversationId,
            sequence: m.sequence,
            role: m.role,
            text: m.text,
            itemId: m.itemId ?? null,
            startedAt: m.startedAt,
            source: m.source,
            interrupted: m.interrupted ?? false,
            toolName: m.toolName ?? null,
            toolArguments: m.toolArguments !== undefined ? clone(m.toolArguments) : null,
            toolResult: m.toolResult !== undefined ? clone(m.toolResult) : null,
            responseMs: m.responseMs ?? null,
            firstAudioMs: m.firstAudioMs ?? null,
            firstFrameMs: m.firstFrameMs ?? null,
            heardText: m.heardText ?? null,
            transcription: m.transcription ?? null,
            transcriber: m.transcriber ?? null,
            transcriberText: m.transcriberText ?? null,
            handoff: m.handoff ? clone(m.handoff) : null,
            languageSwitch: m.languageSwitch ? clone(m.languageSwitch) : null,
            sanitized: m.sanitized ?? [],
            createdAt: now,
            updatedAt: now,
          };
      rows.set(m.sequence, next);
      out.push(clone(next));
    }
    const to = inputs.findLast((m) => m.handoff)?.handoff?.to;
    if (to) Object.assign(this.mustConversation(conversationId), { currentAgent: to, updatedAt: new Date() });
    const conversation = this.mustConversation(conversationId);
    for (const m of inputs)
      if (m.languageSwitch)
        Object.assign(conversation, {
          languages: languagesAfter(conversation.languages, m.languageSwitch),
          updatedAt: new Date(),
        });
    return out;
  }

  async endConversation(conversationId: string, end: ConversationEndInput): Promise<Conversation> {
    const c = this.mustConversation(conversationId);
    Object.assign(c, {
      status: 'ended',
      endReason: end.endReason,
      endedAt: end.endedAt,
      durationSec: end.durationSec,
      opikTraceId: end.opikTraceId ?? c.opikTraceId,
      updatedAt: new Date(),
    });
    return clone(c);
  }

  async setConversationBrand(conversationId: string, brandId: string): Promise<Conversation> {
    const c = this.mustConversation(conversationId);
    c.brandId = brandId;
    c.updatedAt = new Date();
    return clone(c);
  }

  async createTicket(
    conversationId: string,
    input: NewTicket,
  ): Promise<{ ticket: Ticket; created: boolean }> {
    this.mustConversation(conversationId);
    if (input.idempotencyKey) {
      const seen = [...this.tickets.values()].find(
        (t) => t.conversationId === conversationId && t.idempotencyKey === input.idempotencyKey,
      );
      if (seen) return { ticket: clone(seen), created: false };
    }
    const now = new Date();
    const id = randomUUID();
    const ticket: Ticket = {
      id,
      conversationId,
      kind: input.kind,
      status: 'open',
      priority: input.priority,
      summary: input.summary,
      transcriptExcerpt: input.transcriptExcerpt,
      knowledgeChunkIds: [...input.knowledgeChunkIds],
      transferTarget: input.transferTarget,
      assignee: null,
      idempotencyKey: input.idempotencyKey,
      opikTraceId: input.opikTraceId,
      afterSequence: Math.max(0, ...(this.messages.get(conversationId)?.keys() ?? [])),
      createdAt: now,
      updatedAt: now,
      callback: input.callback
        ? {
            id: randomUUID(),
            ticketId: id,
            conversationId,
            ...input.callback,
            status: 'scheduled',
            createdAt: now,
            updatedAt: now,
          }
        : null,
    };
    this.tickets.set(id, ticket);
    return { ticket: clone(ticket), created: true };
  }

  async listConversations(brandId: string, f: ConversationFilter): Promise<Page<ConversationSummary>> {
    const rows = [...this.conversations.values()].filter(
      (c) =>
        c.brandId === brandId &&
        (!f.from || c.startedAt >= f.from) &&
        (!f.to || c.startedAt < f.to) &&
        (!f.caller || c.callerNumber.includes(f.caller)) &&
        (!f.status || c.status === f.status) &&
        (!f.language || speaksLanguage(c.languages, f.language)),
    );
    const p = f.text ? this.search(rows, f as ConversationFilter & { text: string }) : undefined;
    const found = p ?? page(rows, (c) => ({ at: c.startedAt, id: c.id }), f.limit, f.cursor);
    return {
      nextCursor: found.nextCursor,
      items: found.items.map((c) => ({
        ...clone(c),
        messageCount: this.messages.get(c.id)?.size ?? 0,
        openTicketCount: [...this.tickets.values()].filter(
          (t) => t.conversationId === c.id && (t.status === 'open' || t.status === 'in_progress'),
        ).length,
      })),
    };
  }

  /** Best match first (see relevance.ts), then newest; pages by offset. */
  private search(rows: Conversation[], f: ConversationFilter & { text: string }): Page<Conversation> {
    const ranked = rows.flatMap((c) => {
      const texts = [...(this.messages.get(c.id)?.values() ?? [])].flatMap((m) => (m.text ? [m.text] : []));
      const rank = relevance(texts, f.text);
      return rank === undefined ? [] : [{ c, rank }];
    });
    ranked.sort(
      (a, b) =>
        b.rank - a.rank ||
        b.c.startedAt.getTime() - a.c.startedAt.getTime() ||
        (b.c.id < a.c.id ? -1 : b.c.id > a.c.id ? 1 : 0),
    );
    const offset = f.cursor ? (decodeOffsetCursor(f.cursor) ?? 0) : 0;
    const items = ranked.slice(offset, offset + f.limit).map((r) => r.c);
    const more = ranked.length > offset + f.limit;
    return { items, nextCursor: more ? encodeOffsetCursor(offset + f.limit) : null };
  }

  async getConversation(brandId: string, id: string): Promise<Conversation | null> {
    const c = this.conversations.get(id);
    return c && c.brandId === brandId ? clone(c) : null;
  }

  async listMessages(conversationId: string): Promise<Message[]> {
    return [...(this.messages.get(conversationId)?.values() ?? [])]
      .sort((a, b) => a.sequence - b.sequence)
      .map(clone);
  }

  async listTickets(brandId: string, f: TicketFilter): Promise<Page<Ticket>> {
    const rows = [...this.tickets.values()].filter(
      (t) =>
        this.brandOf(t.conversationId) === brandId &&
        (!f.status || t.status === f.status) &&
        (!f.kind || t.kind === f.kind) &&
        (!f.conversationId || t.conversationId === f.conversationId),
    );
    const p = page(rows, (t) => ({ at: t.createdAt, id: t.id }), f.limit, f.cursor);
    return { nextCursor: p.nextCursor, items: p.items.map(clone) };
  }

  async getTicket(brandId: string, id: string): Promise<Ticket | null> {
    const t = this.tickets.get(id);
    return t && this.brandOf(t.conversationId) === brandId ? clone(t) : null;
  }

  async updateTicket(id: string, patch: TicketPatch): Promise<Ticket> {
    const t = this.tickets.get(id);
    if (!t) throw new Error(`no ticket ${id}`);
    const now = new Date();
    if (patch.status !== undefined) {
      t.status = patch.status;
      if (t.callback) {
        t.callback.status = callbackStatusForTicket(patch.status);
        t.callback.updatedAt = now;
      }
    }
    if (patch.priority !== undefined) t.priority = patch.priority;
    if (patch.assignee !== undefined) t.assignee = patch.assignee;
    t.updatedAt = now;
    return clone(t);
  }

  async listCallbacks(brandId: string, f: CallbackFilter): Promise<Page<CallbackWithTicket>> {
    const rows = [...this.tickets.values()]
      .filter((t) => t.callback && this.brandOf(t.conversationId) === brandId)
      .filter((t) => !f.status || t.callback!.status === f.status)
      .map((t) => this.withTicket(t));
    return page(rows, (c) => ({ at: c.createdAt, id: c.id }), f.limit, f.cursor);
  }

  async getCallback(brandId: string, id: string): Promise<CallbackWithTicket | null> {
    const t = [...this.tickets.values()].find((x) => x.callback?.id === id);
    return t && this.brandOf(t.conversationId) === brandId ? this.withTicket(t) : null;
  }

  async updateCallbackStatus(id: string, status: CallbackStatus): Promise<CallbackWithTicket> {
    const t = [...this.tickets.values()].find((x) => x.callback?.id === id);
    if (!t?.callback) throw new Error(`no callback ${id}`);
    const now = new Date();
    t.callback.status = status;
    t.callback.updatedAt = now;
    t.status = ticketStatusForCallback(status, t.status);
    t.updatedAt = now;
    return this.withTicket(t);
  }

  async createStaff(input: NewStaff): Promise<StaffAccount> {
    const email = input.email.toLowerCase();
    if ([...this.staff.values()].some((s) => s.brandId === input.brandId && s.email === email))
      throw new StaffExistsError();
    const s: StaffAccount = {
      id: randomUUID(),
      ...input,
      email,
      sessionVersion: 1,
      disabled: false,
      createdAt: new Date(),
    };
    this.staff.set(s.id, s);
    return clone(s);
  }

  async findStaffByEmail(brandId: string, email: string): Promise<StaffAccount | null> {
    const lower = email.toLowerCase();
    const s = [...this.staff.values()].find((x) => x.brandId === brandId && x.email === lower);
    return s ? clone(s) : null;
  }

  async getStaff(id: string): Promise<StaffAccount | null> {
    const s = this.staff.get(id);
    return s ? clone(s) : null;
  }

  async setStaffDisabled(id: string, disabled: boolean): Promise<StaffAccount | null> {
    const s = this.staff.get(id);
    if (!s) return null;
    s.disabled = disabled;
    return clone(s);
  }

  async setStaffPassword(id: string, passwordHash: string): Promise<void> {
    const s = this.staff.get(id);
    if (s) s.passwordHash = passwordHash;
  }

  async createSession(input: { id: string; staffId: string; expiresAt: Date }): Promise<StaffSession> {
    const s: StaffSession = { ...input, createdAt: new Date(), revokedAt: null };
    this.sessions.set(s.id, s);
    return clone(s);
  }

  async getSession(id: string): Promise<StaffSession | null> {
    const s = this.sessions.get(id);
    return s ? clone(s) : null;
  }

  async revokeSession(id: string): Promise<number> {
    const s = this.sessions.get(id);
    if (!s || s.revokedAt) return 0;
    s.revokedAt = new Date();
    return 1;
  }

  async revokeSessions(staffId: string, exceptId?: string): Promise<number> {
    let n = 0;
    for (const s of this.sessions.values())
      if (s.staffId === staffId && s.id !== exceptId && !s.revokedAt) {
        s.revokedAt = new Date();
        n++;
      }
    return n;
  }

  async createApiKey(input: {
    id: string;
    brandId: string;
    label: string;
    secretHash: string;
  }): Promise<ApiKey> {
    const k: ApiKey = { ...input, revoked: false, createdAt: new Date() };
    this.apiKeys.set(k.id, k);
    return clone(k);
  }

  async getApiKey(id: string): Promise<ApiKey | null> {
    const k = this.apiKeys.get(id);
    return k ? clone(k) : null;
  }

  async getBrand(id: string): Promise<Brand | null> {
    const b = this.brands.get(id);
    return b ? clone(b) : null;
  }

  async findBrandBySlug(slug: string): Promise<Brand | null> {
    const b = [...this.brands.values()].find((x) => x.slug === slug.toLowerCase());
    return b ? clone(b) : null;
  }

  async putBrand(id: string, patch: BrandPatch): Promise<Brand> {
    const slug = patch.slug?.toLowerCase();
    if (slug && [...this.brands.values()].some((b) => b.slug === slug && b.id !== id))
      throw new SlugTakenError();
    const b = this.brands.get(id) ?? { id, slug: null, name: null, timezone: null };
    if (patch.slug !== undefined) b.slug = slug ?? null;
    if (patch.name !== undefined) b.name = patch.name;
    if (patch.timezone !== undefined) b.timezone = patch.timezone;
    this.brands.set(id, b);
    return clone(b);
  }

  async learnBrandTimezone(id: string, timezone: string): Promise<void> {
    const b = this.brands.get(id);
    if (!b) this.brands.set(id, { id, slug: null, name: null, timezone });
    else b.timezone ??= timezone;
  }

  async findStaffByEmailInAnyBrand(email: string, limit: number): Promise<StaffAccount[]> {
    const lower = email.toLowerCase();
    return [...this.staff.values()]
      .filter((s) => s.email === lower)
      .slice(0, limit)
      .map(clone);
  }

  async getConversationById(id: string): Promise<Conversation | null> {
    const c = this.conversations.get(id);
    return c ? clone(c) : null;
  }

  async getMessages(conversationId: string, sequences: readonly number[]): Promise<Message[]> {
    const rows = this.messages.get(conversationId);
    return [...new Set(sequences)].flatMap((s) => {
      const m = rows?.get(s);
      return m ? [clone(m)] : [];
    });
  }

  async getTicketById(id: string): Promise<Ticket | null> {
    const t = this.tickets.get(id);
    return t ? clone(t) : null;
  }

  liveFeed(): MemoryLiveFeed {
    return this.feed;
  }

  async ping(): Promise<boolean> {
    return true;
  }

  async close(): Promise<void> {
    await this.feed.close();
  }

  private withTicket(t: Ticket): CallbackWithTicket {
    const { callback, ...ticket } = clone(t);
    return { ...callback!, ticket };
  }

  private brandOf(conversationId: string): string | null {
    return this.conversations.get(conversationId)?.brandId ?? null;
  }

  private mustConversation(id: string): Conversation {
    const c = this.conversations.get(id);
    if (!c) throw new Error(`no conversation ${id}`);
    return c;
  }

  private mustMessages(id: string): Map<number, Message> {
    this.mustConversation(id);
    return this.messages.get(id)!;
  }
}

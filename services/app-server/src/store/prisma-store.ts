import { fileURLToPath } from 'node:url';
import { type Database, openDatabase, type PrismaAdapter, type SqlRunner } from '@switchboard/db';
import { createLogger, type Logger } from '@switchboard/service-kit';
import { Prisma, PrismaClient } from '../../generated/prisma/client.ts';
import type { AnalysisStore } from '../analysis/analysis-store.ts';
import { PrismaAnalysisStore } from '../analysis/prisma-analysis-store.ts';
import type { CallbackPlacementStore } from '../callbacks/placement-store.ts';
import { PrismaCallbackPlacementStore } from '../callbacks/prisma-placement-store.ts';
import type {
  ApiKey,
  Brand,
  Callback,
  CallbackStatus,
  Conversation,
  ConversationSummary,
  HandOff,
  LanguageSwitch,
  Message,
  Page,
  StaffAccount,
  StaffSession,
  Ticket,
  Transcriber,
} from '../domain/types.ts';
import { TRANSCRIBERS } from '../domain/types.ts';
import type { LiveFeed } from '../live/feed.ts';
import { PgNotificationSource } from '../live/pg-notifications.ts';
import { PgliteNotificationSource } from '../live/pglite-notifications.ts';
import { type NotificationSource, SqlLiveFeed } from '../live/sql-feed.ts';
import { PrismaRecordingStore } from '../recordings/prisma-recording-store.ts';
import type { RecordingStore } from '../recordings/recording-store.ts';
import { PrismaStaffPhoneStore, type StaffPhoneStore } from '../staff/staff-phone-store.ts';
import { conversationIdsInLanguage, likeLiteral, searchConversations } from './conversation-search.ts';
import { type JobDatabase, pgliteDatabaseOf, pgliteOf } from './pglite-handle.ts';
import { PrismaBrands } from './prisma-brands.ts';
import {
  type AppStore,
  type BrandPatch,
  type CallbackFilter,
  type CallbackWithTicket,
  type ConversationEndInput,
  type ConversationFilter,
  callbackStatusForTicket,
  decodeCursor,
  encodeCursor,
  type MessageInput,
  type NewConversation,
  type NewStaff,
  type NewTicket,
  StaffExistsError,
  type TicketFilter,
  type TicketPatch,
  ticketStatusForCallback,
} from './store.ts';

/** app-server's migrations, beside the schema. */
export const MIGRATIONS_DIR = fileURLToPath(new URL('../../prisma/migrations', import.meta.url));

type Row<T extends keyof PrismaClient> = PrismaClient[T] extends { findFirstOrThrow(...a: never[]): infer R }
  ? Awaited<R>
  : never;
type ConversationRow = Row<'conversation'>;
type MessageRow = Row<'message'>;
type TicketRow = Row<'ticket'>;
type CallbackRow = Row<'callback'>;

const isUniqueViolation = (err: unknown) =>
  err instanceof Prisma.PrismaClientKnownRequestError && err.code === 'P2002';

const OPEN_TICKET: Prisma.TicketWhereInput = { status: { in: ['open', 'in_progress'] } };

function toConversation(r: ConversationRow): Conversation {
  return {
    id: r.id,
    brandId: r.brandId,
    botProfileKey: r.botProfileKey,
    callSid: r.callSid,
    channel: r.channel,
    callerNumber: r.callerNumber,
    isSip: r.isSip,
    freshcallerCallId: r.freshcallerCallId,
    status: r.status,
    startedAt: r.startedAt,
    endedAt: r.endedAt,
    endReason: r.endReason,
    durationSec: r.durationSec,
    opikTraceId: r.opikTraceId,
    timezone: r.timezone,
    direction: r.direction === 'outbound' || r.direction === 'web' ? r.direction : 'inbound',
    controlUrl: r.controlUrl,
    currentAgent: r.currentAgent,
    languages: r.languages ?? [],
    createdAt: r.createdAt,
    updatedAt: r.updatedAt,
  };
}

function toMessage(r: MessageRow): Message {
  return {
    conversationId: r.conversationId,
    sequence: r.sequence,
    role: r.role,
    text: r.text,
    itemId: r.itemId,
    startedAt: r.startedAt,
    source: r.source,
    interrupted: r.interrupted,
    toolName: r.toolName,
    toolArguments: r.toolArguments,
    toolResult: r.toolResult,
    responseMs: r.responseMs,
    firstAudioMs: r.firstAudioMs,
    firstFrameMs: r.firstFrameMs,
    heardText: r.heardText,
    transcription: r.transcription === 'failed' ? 'failed' : null,
    transcriber: (TRANSCRIBERS as readonly string[]).includes(r.transcriber ?? '')
      ? (r.transcriber as Transcriber)
      : null,
    transcriberText: r.transcriberText,
    handoff: (r.handoff as HandOff | null) ?? null,
    languageSwitch: (r.languageSwitch as LanguageSwitch | null) ?? null,
    sanitized: r.sanitized,
    createdAt: r.createdAt,
    updatedAt: r.updatedAt,
  };
}

function toCallback(r: CallbackRow): Callback {
  return {
    id: r.id,
    ticketId: r.ticketId,
    conversationId: r.conversationId,
    phone: r.phone,
    windowStart: r.windowStart,
    windowEnd: r.windowEnd,
    timezone: r.timezone,
    reason: r.reason,
    status: r.status,
    createdAt: r.createdAt,
    updatedAt: r.updatedAt,
  };
}

function toTicketFields(r: TicketRow): Omit<Ticket, 'callback'> {
  return {
    id: r.id,
    conversationId: r.conversationId,
    kind: r.kind,
    status: r.status,
    priority: r.priority,
    summary: r.summary,
    transcriptExcerpt: r.transcriptExcerpt,
    knowledgeChunkIds: r.knowledgeChunkIds,
    transferTarget: r.transferTarget,
    assignee: r.assignee,
    idempotencyKey: r.idempotencyKey,
    opikTraceId: r.opikTraceId,
    afterSequence: r.afterSequence,
    createdAt: r.createdAt,
    updatedAt: r.updatedAt,
  };
}

function toTicket(r: TicketRow & { callback: CallbackRow | null }): Ticket {
  return { ...toTicketFields(r), callback: r.callback ? toCallback(r.callback) : null };
}

/** Rows after the cursor in (time desc, id desc) order. */
function afterCursor<F extends string>(field: F, cursor: string | undefined) {
  const c = cursor ? decodeCursor(cursor) : undefined;
  if (!c) return {};
  return { OR: [{ [field]: { lt: c.at } }, { [field]: c.at, id: { lt: c.id } }] };
}

function pageOf<T extends { id: string }>(rows: T[], limit: number, at: (r: T) => Date): Page<T> {
  const items = rows.slice(0, limit);
  const last = items.at(-1);
  return { items, nextCursor: rows.length > limit && last ? encodeCursor(at(last), last.id) : null };
}

/** The AppStore on Postgres (or embedded PGlite) through the service's Prisma client. */
export class PrismaStore implements AppStore {
  private readonly prisma: PrismaClient;
  private readonly brands: PrismaBrands;
  private readonly analysisStore: PrismaAnalysisStore;
  /** Where the job queue keeps its tables: the same database (set by openPrismaStore). */
  jobDatabase: JobDatabase | undefined;

  /** `notifications`: how this process hears NOTIFY (PGlite's own, or a Postgres connection). */
  constructor(
    private readonly db: Database<PrismaClient>,
    notifications: NotificationSource,
    private readonly feed = new SqlLiveFeed(db.sql, notifications),
  ) {
    this.prisma = db.prisma;
    this.brands = new PrismaBrands(db.prisma);
    this.analysisStore = new PrismaAnalysisStore(
      db.prisma,
      db.sql,
      toConversation as (r: never) => Conversation,
    );
  }

  analyses(): AnalysisStore {
    return this.analysisStore;
  }

  private recordingStore: PrismaRecordingStore | undefined;

  recordings(): RecordingStore {
    this.recordingStore ??= new PrismaRecordingStore(this.prisma);
    return this.recordingStore;
  }

  private placementStore: PrismaCallbackPlacementStore | undefined;

  callbackPlacements(): CallbackPlacementStore {
    this.placementStore ??= new PrismaCallbackPlacementStore(this.prisma);
    return this.placementStore;
  }

  staffPhones(): StaffPhoneStore {
    return new PrismaStaffPhoneStore(this.prisma);
  }

  /** Raw SQL on the store's database. */
  get sql(): SqlRunner {
    return this.db.sql;
  }

  async startConversation(input: NewConversation): Promise<{ conversation: Conversation; created: boolean }> {
    const existing = await this.prisma.conversation.findUnique({ where: { callSid: input.callSid } });
    if (existing) return { conversation: await this.fillIn(existing, input), created: false };
    try {
      const { language, ...fields } = input;
      const row = await this.prisma.conversation.create({
        data: { ...fields, languages: language ? [language] : [] },
      });
      return { conversation: toConversation(row), created: true };
    } catch (err) {
      if (!isUniqueViolation(err)) throw err;
      // A concurrent start of the same call won the insert.
      const row = await this.prisma.conversation.findUniqueOrThrow({ where: { callSid: input.callSid } });
      return { conversation: await this.fillIn(row, input), created: false };
    }
  }

  /** A repeated start only fills in what the conversation lacked (its brand, its time zone). */
  private async fillIn(row: ConversationRow, input: NewConversation): Promise<Conversation> {
    const data = {
      ...(!row.brandId && input.brandId ? { brandId: input.brandId } : {}),
      ...(!row.timezone && input.timezone ? { timezone: input.timezone } : {}),
      ...(!row.controlUrl && input.controlUrl ? { controlUrl: input.controlUrl } : {}),
      ...(!(row.languages ?? []).length && input.language ? { languages: [input.language] } : {}),
    };
    if (!Object.keys(data).length) return toConversation(row);
    return toConversation(await this.prisma.conversation.update({ where: { id: row.id }, data }));
  }

  async findConversationByCallSid(callSid: string): Promise<Conversation | null> {
    const row = await this.prisma.conversation.findUnique({ where: { callSid } });
    return row ? toConversation(row) : null;
  }

  async brandOfBotProfile(botProfileKey: string): Promise<string | null> {
    const rows = await this.prisma.conversation.findMany({
      where: { botProfileKey, brandId: { not: null } },
      distinct: ['brandId'],
      select: { brandId: true },
      take: 2,
    });
    // Profile keys are unique per brand only: a key two brands used names no brand.
    return rows.length === 1 ? rows[0]!.brandId : null;
  }

  async upsertMessages(conversationId: string, messages: MessageInput[]): Promise<Message[]> {
    const ops = messages.map((m) => {
      const optional = {
        ...(m.itemId !== undefined ? { itemId: m.itemId } : {}),
        ...(m.interrupted !== undefined ? { interrupted: m.interrupted } : {}),
        ...(m.toolName !== undefined ? { toolName: m.toolName } : {}),
        ...(m.toolArguments !== undefined ? { toolArguments: m.toolArguments as Prisma.InputJsonValue } : {}),
        ...(m.toolResult !== undefined ? { toolResult: m.toolResult as Prisma.InputJsonValue } : {}),
        ...(m.responseMs !== undefined ? { responseMs: m.responseMs } : {}),
        ...(m.firstAudioMs !== undefined ? { firstAudioMs: m.firstAudioMs } : {}),
        ...(m.firstFrameMs !== undefined ? { firstFrameMs: m.firstFrameMs } : {}),
        ...(m.heardText !== undefined ? { heardText: m.heardText } : {}),
        ...(m.transcription !== undefined ? { transcription: m.transcription } : {}),
        ...(m.transcriber !== undefined ? { transcriber: m.transcriber } : {}),
        ...(m.transcriberText !== undefined ? { transcriberText: m.transcriberText } : {}),
        ...(m.sanitized !== undefined ? { sanitized: m.sanitized } : {}),
        ...(m.handoff !== undefined ? { handoff: m.handoff as unknown as Prisma.InputJsonValue } : {}),
        ...(m.languageSwitch !== undefined
          ? { languageSwitch: m.languageSwitch as unknown as Prisma.InputJsonValue }
          : {}),
      };
      return this.prisma.message.upsert({
        where: { conversationId_sequence: { conversationId, sequence: m.sequence } },
        create: {
          conversationId,
          sequence: m.sequence,
          role: m.role,
          text: m.text,
          startedAt: m.startedAt,
          source: m.source,
          ...optional,
        },
        // A null text is "not transcribed yet": it never replaces a text already stored.
        update: {
          role: m.role,
          startedAt: m.startedAt,
          source: m.source,
          ...(m.text !== null ? { text: m.text } : {}),
          ...optional,
        },
      });
    });
    // The last hand-off in the batch names the agent talking now (the live monitor shows it).
    const to = messages.findLast((m) => m.handoff)?.handoff?.to;
    const rows = await this.prisma.$transaction([
      ...ops,
      ...(to
        ? [this.prisma.conversation.update({ where: { id: conversationId }, data: { currentAgent: to } })]
        : []),
      ...messages.flatMap((m) =>
        m.languageSwitch ? this.addLanguages(conversationId, m.languageSwitch) : [],
      ),
    ]);
    return rows.slice(0, ops.length).map((r) => toMessage(r as MessageRow));
  }

  /**
   * The call's languages after a language message (see languagesAfter), each change one statement that
   * reads the row it writes, so concurrent batches of one call cannot lose a language.
   */
  private addLanguages(conversationId: string, s: LanguageSwitch) {
    const first = this.prisma.$executeRaw`
      UPDATE conversation SET languages = ARRAY[${s.from}]::text[], updated_at = now()
      WHERE id = ${conversationId} AND coalesce(cardinality(languages), 0) = 0`;
    if (!s.served) return [first];
    return [
      first,
      this.prisma.$executeRaw`
        UPDATE conversation SET languages = array_append(languages, ${s.to}::text), updated_at = now()
        WHERE id = ${conversationId}
          AND NOT EXISTS (SELECT 1 FROM unnest(languages) l WHERE lower(l) = lower(${s.to}))`,
    ];
  }

  async endConversation(conversationId: string, end: ConversationEndInput): Promise<Conversation> {
    const row = await this.prisma.conversation.update({
      where: { id: conversationId },
      data: {
        status: 'ended',
        endReason: end.endReason,
        endedAt: end.endedAt,
        durationSec: end.durationSec,
        ...(end.opikTraceId ? { opikTraceId: end.opikTraceId } : {}),
      },
    });
    return toConversation(row);
  }

  async setConversationBrand(conversationId: string, brandId: string): Promise<Conversation> {
    return toConversation(
      await this.prisma.conversation.update({ where: { id: conversationId }, data: { brandId } }),
    );
  }

  async createTicket(
    conversationId: string,
    input: NewTicket,
  ): Promise<{ ticket: Ticket; created: boolean }> {
    const byKey = async () =>
      input.idempotencyKey
        ? this.prisma.ticket.findUnique({
            where: {
              conversationId_idempotencyKey: { conversationId, idempotencyKey: input.idempotencyKey },
            },
            include: { callback: true },
          })
        : null;
    const seen = await byKey();
    if (seen) return { ticket: toTicket(seen), created: false };
    const max = await this.prisma.message.aggregate({ where: { conversationId }, _max: { sequence: true } });
    try {
      const row = await this.prisma.ticket.create({
        data: {
          conversationId,
          kind: input.kind,
          priority: input.priority,
          summary: input.summary,
          transcriptExcerpt: input.transcriptExcerpt,
          knowledgeChunkIds: input.knowledgeChunkIds,
          transferTarget: input.transferTarget,
          idempotencyKey: input.idempotencyKey,
          opikTraceId: input.opikTraceId,
          afterSequence: max._max.sequence ?? 0,
          ...(input.callback ? { callback: { create: { conversationId, ...input.callback } } } : {}),
        },
        include: { callback: true },
      });
      return { ticket: toTicket(row), created: true };
    } catch (err) {
      if (!isUniqueViolation(err)) throw err;
      const row = await byKey();
      if (!row) throw err;
      return { ticket: toTicket(row), created: false };
    }
  }

  async listConversations(brandId: string, f: ConversationFilter): Promise<Page<ConversationSummary>> {
    if (f.text) return this.searchConversations(brandId, { ...f, text: f.text });
    // Prisma cannot match array elements by prefix: the language filter picks the page's ids in SQL.
    const ids = f.language ? await conversationIdsInLanguage(this.db.sql, brandId, f) : undefined;
    const rows = await this.prisma.conversation.findMany({
      where: {
        brandId,
        ...(ids ? { id: { in: ids } } : {}),
        ...(f.from || f.to
          ? { startedAt: { ...(f.from ? { gte: f.from } : {}), ...(f.to ? { lt: f.to } : {}) } }
          : {}),
        ...(f.caller ? { callerNumber: { contains: likeLiteral(f.caller) } } : {}),
        ...(f.status ? { status: f.status } : {}),
        ...afterCursor('startedAt', f.cursor),
      },
      orderBy: [{ startedAt: 'desc' }, { id: 'desc' }],
      take: f.limit + 1,
      include: { _count: { select: { messages: true, tickets: { where: OPEN_TICKET } } } },
    });
    const page = pageOf(rows, f.limit, (r) => r.startedAt);
    return {
      nextCursor: page.nextCursor,
      items: page.items.map((r) => ({
        ...toConversation(r),
        messageCount: r._count.messages,
        openTicketCount: r._count.tickets,
      })),
    };
  }

  private async searchConversations(
    brandId: string,
    f: ConversationFilter & { text: string },
  ): Promise<Page<ConversationSummary>> {
    const found = await searchConversations(this.db.sql, brandId, f);
    const rows = await this.prisma.conversation.findMany({
      where: { id: { in: found.ids } },
      include: { _count: { select: { messages: true, tickets: { where: OPEN_TICKET } } } },
    });
    const byId = new Map(rows.map((r) => [r.id, r]));
    return {
      nextCursor: found.nextCursor,
      items: found.ids.flatMap((id) => {
        const r = byId.get(id);
        return r
          ? [{ ...toConversation(r), messageCount: r._count.messages, openTicketCount: r._count.tickets }]
          : [];
      }),
    };
  }

  async getConversation(brandId: string, id: string): Promise<Conversation | null> {
    const row = await this.prisma.conversation.findFirst({ where: { id, brandId } });
    return row ? toConversation(row) : null;
  }

  async listMessages(conversationId: string): Promise<Message[]> {
    const rows = await this.prisma.message.findMany({
      where: { conversationId },
      orderBy: { sequence: 'asc' },
    });
    return rows.map(toMessage);
  }

  async listTickets(brandId: string, f: TicketFilter): Promise<Page<Ticket>> {
    const rows = await this.prisma.ticket.findMany({
      where: {
        conversation: { brandId },
        ...(f.status ? { status: f.status } : {}),
        ...(f.kind ? { kind: f.kind } : {}),
        ...(f.conversationId ? { conversationId: f.conversationId } : {}),
        ...afterCursor('createdAt', f.cursor),
      },
      orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
      take: f.limit + 1,
      include: { callback: true },
    });
    const page = pageOf(rows, f.limit, (r) => r.createdAt);
    return { nextCursor: page.nextCursor, items: page.items.map(toTicket) };
  }

  async getTicket(brandId: string, id: string): Promise<Ticket | null> {
    const row = await this.prisma.ticket.findFirst({
      where: { id, conversation: { brandId } },
      include: { callback: true },
    });
    return row ? toTicket(row) : null;
  }

  async updateTicket(id: string, patch: TicketPatch): Promise<Ticket> {
    return this.prisma.$transaction(async (tx) => {
      const row = await tx.ticket.update({
        where: { id },
        data: {
          ...(patch.status !== undefined ? { status: patch.status } : {}),
          ...(patch.priority !== undefined ? { priority: patch.priority } : {}),
          ...(patch.assignee !== undefined ? { assignee: patch.assignee } : {}),
        },
        include: { callback: true },
      });
      if (patch.status === undefined || !row.callback) return toTicket(row);
      const callback = await tx.callback.update({
        where: { id: row.callback.id },
        data: { status: callbackStatusForTicket(patch.status) },
      });
      return toTicket({ ...row, callback });
    });
  }

  async listCallbacks(brandId: string, f: CallbackFilter): Promise<Page<CallbackWithTicket>> {
    const rows = await this.prisma.callback.findMany({
      where: {
        conversation: { brandId },
        ...(f.status ? { status: f.status } : {}),
        ...afterCursor('createdAt', f.cursor),
      },
      orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
      take: f.limit + 1,
      include: { ticket: true },
    });
    const page = pageOf(rows, f.limit, (r) => r.createdAt);
    return {
      nextCursor: page.nextCursor,
      items: page.items.map((r) => ({ ...toCallback(r), ticket: toTicketFields(r.ticket) })),
    };
  }

  async getCallback(brandId: string, id: string): Promise<CallbackWithTicket | null> {
    const row = await this.prisma.callback.findFirst({
      where: { id, conversation: { brandId } },
      include: { ticket: true },
    });
    return row ? { ...toCallback(row), ticket: toTicketFields(row.ticket) } : null;
  }

  async updateCallbackStatus(id: string, status: CallbackStatus): Promise<CallbackWithTicket> {
    return this.prisma.$transaction(async (tx) => {
      const callback = await tx.callback.update({
        where: { id },
        data: { status },
        include: { ticket: true },
      });
      const ticket = await tx.ticket.update({
        where: { id: callback.ticketId },
        data: { status: ticketStatusForCallback(status, callback.ticket.status) },
      });
      return { ...toCallback(callback), ticket: toTicketFields(ticket) };
    });
  }

  async createStaff(input: NewStaff): Promise<StaffAccount> {
    try {
      return await this.prisma.staffAccount.create({ data: { ...input, email: input.email.toLowerCase() } });
    } catch (err) {
      if (isUniqueViolation(err)) throw new StaffExistsError();
      throw err;
    }
  }

  async findStaffByEmail(brandId: string, email: string): Promise<StaffAccount | null> {
    return this.prisma.staffAccount.findUnique({
      where: { brandId_email: { brandId, email: email.toLowerCase() } },
    });
  }

  async getStaff(id: string): Promise<StaffAccount | null> {
    return this.prisma.staffAccount.findUnique({ where: { id } });
  }

  async setStaffDisabled(id: string, disabled: boolean): Promise<StaffAccount | null> {
    const { count } = await this.prisma.staffAccount.updateMany({ where: { id }, data: { disabled } });
    return count ? this.getStaff(id) : null;
  }

  async setStaffPassword(id: string, passwordHash: string): Promise<void> {
    await this.prisma.staffAccount.updateMany({ where: { id }, data: { passwordHash } });
  }

  async createSession(input: { id: string; staffId: string; expiresAt: Date }): Promise<StaffSession> {
    return this.prisma.staffSession.create({ data: input });
  }

  async getSession(id: string): Promise<StaffSession | null> {
    return this.prisma.staffSession.findUnique({ where: { id } });
  }

  async revokeSession(id: string): Promise<number> {
    const { count } = await this.prisma.staffSession.updateMany({
      where: { id, revokedAt: null },
      data: { revokedAt: new Date() },
    });
    return count;
  }

  async revokeSessions(staffId: string, exceptId?: string): Promise<number> {
    const { count } = await this.prisma.staffSession.updateMany({
      where: { staffId, revokedAt: null, ...(exceptId ? { NOT: { id: exceptId } } : {}) },
      data: { revokedAt: new Date() },
    });
    return count;
  }

  async createApiKey(input: {
    id: string;
    brandId: string;
    label: string;
    secretHash: string;
  }): Promise<ApiKey> {
    return this.prisma.apiKey.create({ data: input });
  }

  async getApiKey(id: string): Promise<ApiKey | null> {
    return this.prisma.apiKey.findUnique({ where: { id } });
  }

  getBrand(id: string): Promise<Brand | null> {
    return this.brands.get(id);
  }

  findBrandBySlug(slug: string): Promise<Brand | null> {
    return this.brands.bySlug(slug);
  }

  putBrand(id: string, patch: BrandPatch): Promise<Brand> {
    return this.brands.put(id, patch);
  }

  learnBrandTimezone(id: string, timezone: string): Promise<void> {
    return this.brands.learnTimezone(id, timezone);
  }

  async findStaffByEmailInAnyBrand(email: string, limit: number): Promise<StaffAccount[]> {
    return this.prisma.staffAccount.findMany({
      where: { email: email.toLowerCase() },
      orderBy: { createdAt: 'asc' },
      take: limit,
    });
  }

  async getConversationById(id: string): Promise<Conversation | null> {
    const row = await this.prisma.conversation.findUnique({ where: { id } });
    return row ? toConversation(row) : null;
  }

  async getMessages(conversationId: string, sequences: readonly number[]): Promise<Message[]> {
    const rows = await this.prisma.message.findMany({
      where: { conversationId, sequence: { in: [...new Set(sequences)] } },
      orderBy: { sequence: 'asc' },
    });
    return rows.map(toMessage);
  }

  async getTicketById(id: string): Promise<Ticket | null> {
    const row = await this.prisma.ticket.findUnique({ where: { id }, include: { callback: true } });
    return row ? toTicket(row) : null;
  }

  liveFeed(): LiveFeed {
    return this.feed;
  }

  async ping(): Promise<boolean> {
    try {
      await this.db.sql.query('SELECT 1');
      return true;
    } catch {
      return false;
    }
  }

  async close(): Promise<void> {
    await this.feed.close();
    await this.db.close();
  }
}

export interface OpenStoreOptions {
  /** Postgres connection string; when set, `dataDir` is ignored. */
  databaseUrl?: string;
  /** Embedded PGlite folder, or 'memory'. */
  dataDir?: string;
  onChecksumMismatch?: (migration: string) => void;
  /** Where the live-updates listener reports a lost connection (Postgres only). */
  logger?: Logger;
}

/** Opens app-server's database (applying pending migrations) and wraps it as an AppStore. */
export async function openPrismaStore(opts: OpenStoreOptions): Promise<PrismaStore> {
  let adapter: PrismaAdapter | undefined;
  const db = await openDatabase({
    ...(opts.databaseUrl ? { databaseUrl: opts.databaseUrl } : {}),
    ...(opts.dataDir ? { dataDir: opts.dataDir } : {}),
    migrationsDir: MIGRATIONS_DIR,
    createClient: (a) => {
      adapter = a;
      return new PrismaClient({ adapter: a });
    },
    ...(opts.onChecksumMismatch ? { onChecksumMismatch: opts.onChecksumMismatch } : {}),
  });
  try {
    const notifications = opts.databaseUrl
      ? new PgNotificationSource(
          opts.databaseUrl,
          opts.logger ?? createLogger({ name: 'app-server', level: 'silent' }),
        )
      : new PgliteNotificationSource(pgliteOf(adapter));
    const store = new PrismaStore(db, notifications);
    store.jobDatabase = opts.databaseUrl
      ? { kind: 'postgres', connectionString: opts.databaseUrl }
      : { kind: 'pglite', pglite: pgliteDatabaseOf(adapter) };
    return store;
  } catch (err) {
    await db.close();
    throw err;
  }
}

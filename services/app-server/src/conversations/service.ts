import type { TextRepair } from '@switchboard/service-kit';
import { Errors } from '@switchboard/service-kit';
import type {
  CallbackTicketInput,
  CallLevels,
  ConversationEnd,
  ConversationStart,
  HandoffTicketInput,
  LanguageSwitch,
  TranscriptMessage,
} from '@switchboard/service-kit/clients/app-server';
import {
  type CallbackStatus,
  type Conversation,
  type Message,
  type Ticket,
  TRANSCRIBERS,
  type Transcriber,
} from '../domain/types.ts';
import type { LiveFeed, LiveRef } from '../live/feed.ts';
import type { AppStore, CallbackWithTicket, MessageInput, TicketPatch } from '../store/store.ts';
import { isKnownTimeZone } from './schemas.ts';
import { repairMessages } from './transcript-repair.ts';

const isTranscriber = (v: unknown): v is Transcriber =>
  typeof v === 'string' && (TRANSCRIBERS as readonly string[]).includes(v);

/** The conversation that owns a call SID; 404 when none. */
async function byCallSid(store: AppStore, callSid: string): Promise<Conversation> {
  const c = await store.findConversationByCallSid(callSid);
  if (!c) throw Errors.notFound(`no conversation for call ${callSid}`);
  return c;
}

function toMessageInput(m: TranscriptMessage, startedAt: Date, sanitized: string[]): MessageInput {
  return {
    sequence: m.sequence,
    role: m.role,
    text: m.text,
    startedAt,
    sanitized,
    source: m.source,
    ...(m.itemId !== undefined ? { itemId: m.itemId } : {}),
    ...(m.interrupted !== undefined ? { interrupted: m.interrupted } : {}),
    ...(m.toolName !== undefined ? { toolName: m.toolName } : {}),
    // A null argument or result is "none", the same as leaving it out.
    ...(m.toolArguments !== undefined && m.toolArguments !== null ? { toolArguments: m.toolArguments } : {}),
    ...(m.toolResult !== undefined && m.toolResult !== null ? { toolResult: m.toolResult } : {}),
    ...(m.latency?.responseMs !== undefined ? { responseMs: Math.round(m.latency.responseMs) } : {}),
    ...(m.latency?.firstAudioMs !== undefined ? { firstAudioMs: Math.round(m.latency.firstAudioMs) } : {}),
    ...(m.latency?.firstFrameMs !== undefined ? { firstFrameMs: Math.round(m.latency.firstFrameMs) } : {}),
    ...(typeof m.heardText === 'string' ? { heardText: m.heardText } : {}),
    ...(m.transcription === 'failed' ? { transcription: 'failed' as const } : {}),
    ...(isTranscriber(m.transcriber) ? { transcriber: m.transcriber } : {}),
    ...(typeof m.transcriberText === 'string' ? { transcriberText: m.transcriberText } : {}),
    ...(m.source === 'handoff' && m.handoff ? { handoff: m.handoff } : {}),
    ...(m.source === 'language' && m.languageSwitch
      ? { languageSwitch: languageSwitchOf(m.languageSwitch) }
      : {}),
  };
}

/** Only the switch's known fields are kept (the body may carry more). */
function languageSwitchOf(s: LanguageSwitch): LanguageSwitch {
  return {
    from: s.from,
    to: s.to,
    how: s.how,
    ...(s.confidence !== undefined ? { confidence: s.confidence } : {}),
    served: s.served,
  };
}

const conversationRef = (c: Conversation): LiveRef => ({
  brandId: c.brandId,
  conversationId: c.id,
  kind: 'conversation',
  ref: null,
});
const ticketRef = (c: Conversation, t: Ticket): LiveRef => ({
  ...conversationRef(c),
  kind: 'ticket',
  ref: t.id,
});

/**
 * What happens to conversations, messages and tickets, whoever asks: stores the change and tells the
 * live streams. Routes validate and check access; this does the work.
 */
export class ConversationService {
  constructor(
    private readonly store: AppStore,
    private readonly feed: LiveFeed,
    /** Runs after a call's end is stored (post-call analysis is queued here); must not throw. */
    private readonly onEnded?: (c: Conversation) => Promise<void>,
  ) {}

  /**
   * Idempotent by call SID. Without a brand, the conversation takes the brand earlier conversations of
   * the same bot profile carried (a bot profile belongs to one brand); failing that it stays unbranded.
   */
  async start(start: ConversationStart): Promise<{ conversation: Conversation; created: boolean }> {
    const brandId = start.brandId ?? (await this.store.brandOfBotProfile(start.botProfileKey));
    const timezone = start.timezone && isKnownTimeZone(start.timezone) ? start.timezone : null;
    const result = await this.store.startConversation({
      callSid: start.callSid,
      botProfileKey: start.botProfileKey,
      brandId,
      callerNumber: start.callerNumber,
      isSip: start.isSip,
      startedAt: new Date(start.startedAt),
      freshcallerCallId: start.freshcallerCallId ?? null,
      timezone,
      direction: start.direction ?? 'inbound',
      controlUrl: start.controlUrl ?? null,
      language: start.language ?? null,
    });
    // The zone voice-server reports is the brand's: the brand's pages use it until an operator sets one.
    const c = result.conversation;
    if (c.brandId && c.timezone) await this.store.learnBrandTimezone(c.brandId, c.timezone);
    await this.announce(conversationRef(c));
    return result;
  }

  /**
   * Stores a batch of transcript messages; what can't be stored as sent (NUL, unpaired surrogates,
   * oversized or too-deep tool JSON, impossible times) is stored repaired, with a note on the message.
   */
  async appendMessages(
    callSid: string,
    messages: TranscriptMessage[],
    textRepairs: readonly TextRepair[] = [],
  ): Promise<Message[]> {
    const conversation = await byCallSid(this.store, callSid);
    // One message per sequence within a request: the last one sent wins, as if sent one by one.
    const bySequence = new Map<number, MessageInput>();
    for (const r of repairMessages(messages, textRepairs, new Date())) {
      const m = toMessageInput(r.message, r.startedAt, r.notes);
      const prev = bySequence.get(m.sequence);
      bySequence.set(
        m.sequence,
        prev
          ? {
              ...prev,
              ...m,
              text: m.text ?? prev.text,
              sanitized: [...(prev.sanitized ?? []), ...(m.sanitized ?? [])],
            }
          : m,
      );
    }
    const stored = await this.store.upsertMessages(conversation.id, [...bySequence.values()]);
    await this.announce(
      ...stored.map((m) => ({
        ...conversationRef(conversation),
        kind: 'message' as const,
        ref: String(m.sequence),
      })),
      // A language message may change the call's languages: its header and live row show them.
      ...(stored.some((m) => m.languageSwitch) ? [conversationRef(conversation)] : []),
    );
    return stored;
  }

  async end(callSid: string, end: ConversationEnd): Promise<Conversation> {
    const conversation = await byCallSid(this.store, callSid);
    const ended = await this.store.endConversation(conversation.id, {
      endReason: end.endReason,
      endedAt: new Date(end.endedAt),
      durationSec: end.durationSec,
      opikTraceId: end.opikTraceId ?? null,
    });
    // Queued first, so the pages the end re-renders already show the analysis as pending.
    await this.onEnded?.(ended);
    await this.announce(conversationRef(ended));
    return ended;
  }

  /**
   * A live call's audio levels, passed on to the views following it (not stored). False when the call
   * is over: voice-server's last batch may come after the end.
   */
  async levels(callSid: string, levels: CallLevels): Promise<boolean> {
    const c = await byCallSid(this.store, callSid);
    if (c.status !== 'active') return false;
    const ref = JSON.stringify({ windowMs: levels.windowMs, caller: levels.caller, agent: levels.agent });
    await this.feed.announce([{ ...conversationRef(c), kind: 'levels', ref }]);
    return true;
  }

  async createHandoffTicket(
    callSid: string,
    input: HandoffTicketInput,
  ): Promise<{ ticket: Ticket; created: boolean }> {
    const conversation = await byCallSid(this.store, callSid);
    const result = await this.store.createTicket(conversation.id, {
      kind: 'handoff',
      priority: input.priority ?? 'normal',
      summary: input.summary,
      transcriptExcerpt: input.transcriptExcerpt,
      knowledgeChunkIds: input.knowledgeChunkIds,
      transferTarget: input.transferTarget ?? null,
      idempotencyKey: input.idempotencyKey ?? null,
      opikTraceId: input.opikTraceId ?? null,
    });
    if (!result.created && result.ticket.kind !== 'handoff')
      throw Errors.conflict('idempotencyKey was already used for a callback ticket');
    if (result.created) await this.announce(ticketRef(conversation, result.ticket));
    return result;
  }

  async createCallbackTicket(
    callSid: string,
    input: CallbackTicketInput,
  ): Promise<{ ticket: Ticket; created: boolean }> {
    const conversation = await byCallSid(this.store, callSid);
    const result = await this.store.createTicket(conversation.id, {
      kind: 'callback',
      priority: input.priority ?? 'normal',
      summary: input.reason,
      transcriptExcerpt: '',
      knowledgeChunkIds: [],
      transferTarget: null,
      idempotencyKey: input.idempotencyKey ?? null,
      opikTraceId: input.opikTraceId ?? null,
      callback: {
        phone: input.phone,
        windowStart: input.windowStart ? new Date(input.windowStart) : null,
        windowEnd: input.windowEnd ? new Date(input.windowEnd) : null,
        timezone: input.timezone,
        reason: input.reason,
      },
    });
    if (!result.created && result.ticket.kind !== 'callback')
      throw Errors.conflict('idempotencyKey was already used for a handoff ticket');
    if (result.created) await this.announce(ticketRef(conversation, result.ticket));
    return result;
  }

  /** Sets the brand of a conversation that arrived without one (or moves it). */
  async setBrand(callSid: string, brandId: string): Promise<Conversation> {
    const conversation = await byCallSid(this.store, callSid);
    const updated = await this.store.setConversationBrand(conversation.id, brandId);
    await this.announce(conversationRef(updated));
    return updated;
  }

  /** A staff member changes a ticket of their brand; 404 for another brand's. */
  async updateTicket(brandId: string, ticketId: string, patch: TicketPatch): Promise<Ticket> {
    const ticket = await this.store.getTicket(brandId, ticketId);
    if (!ticket) throw Errors.notFound('no such ticket');
    const updated = await this.store.updateTicket(ticket.id, patch);
    await this.publishTicket(brandId, updated);
    return updated;
  }

  /** A staff member changes a callback of their brand; its ticket follows. 404 for another brand's. */
  async updateCallbackStatus(
    brandId: string,
    callbackId: string,
    status: CallbackStatus,
  ): Promise<CallbackWithTicket> {
    const callback = await this.store.getCallback(brandId, callbackId);
    if (!callback) throw Errors.notFound('no such callback');
    const updated = await this.store.updateCallbackStatus(callback.id, status);
    const { ticket, ...cb } = updated;
    await this.publishTicket(brandId, { ...ticket, callback: cb });
    return updated;
  }

  private async publishTicket(brandId: string, ticket: Ticket): Promise<void> {
    const conversation = await this.store.getConversation(brandId, ticket.conversationId);
    if (conversation) await this.announce(ticketRef(conversation, ticket));
  }

  /** Tells every replica's live views (through the shared feed). */
  private announce(...refs: LiveRef[]): Promise<void> {
    return this.feed.append(refs);
  }
}

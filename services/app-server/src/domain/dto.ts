import type { CallbackWithTicket } from '../store/store.ts';
import type {
  Brand,
  Callback,
  Conversation,
  ConversationSummary,
  Message,
  StaffAccount,
  Ticket,
} from './types.ts';

const iso = (d: Date | null): string | null => (d ? d.toISOString() : null);

/** A conversation in JSON. */
export function conversationDto(c: Conversation) {
  return {
    id: c.id,
    brandId: c.brandId,
    callSid: c.callSid,
    botProfileKey: c.botProfileKey,
    channel: c.channel,
    callerNumber: c.callerNumber,
    isSip: c.isSip,
    freshcallerCallId: c.freshcallerCallId,
    status: c.status,
    startedAt: c.startedAt.toISOString(),
    endedAt: iso(c.endedAt),
    endReason: c.endReason,
    durationSec: c.durationSec,
    opikTraceId: c.opikTraceId,
    timezone: c.timezone,
    languages: c.languages,
  };
}

export function conversationSummaryDto(c: ConversationSummary) {
  return { ...conversationDto(c), messageCount: c.messageCount, openTicketCount: c.openTicketCount };
}

/** A transcript message in JSON: the shape voice-server sends, with every field present. */
export function messageDto(m: Message) {
  return {
    sequence: m.sequence,
    role: m.role,
    text: m.text,
    itemId: m.itemId,
    startedAt: m.startedAt.toISOString(),
    source: m.source,
    interrupted: m.interrupted,
    heardText: m.heardText,
    transcription: m.transcription,
    transcriber: m.transcriber,
    transcriberText: m.transcriberText,
    handoff: m.handoff,
    languageSwitch: m.languageSwitch,
    toolName: m.toolName,
    toolArguments: m.toolArguments ?? null,
    toolResult: m.toolResult ?? null,
    latency: { responseMs: m.responseMs, firstAudioMs: m.firstAudioMs, firstFrameMs: m.firstFrameMs },
    sanitized: m.sanitized,
  };
}

export function callbackDto(c: Callback) {
  return {
    id: c.id,
    ticketId: c.ticketId,
    conversationId: c.conversationId,
    phone: c.phone,
    windowStart: iso(c.windowStart),
    windowEnd: iso(c.windowEnd),
    timezone: c.timezone,
    reason: c.reason,
    status: c.status,
    createdAt: c.createdAt.toISOString(),
    updatedAt: c.updatedAt.toISOString(),
  };
}

function ticketFields(t: Omit<Ticket, 'callback'>) {
  return {
    id: t.id,
    conversationId: t.conversationId,
    kind: t.kind,
    status: t.status,
    priority: t.priority,
    summary: t.summary,
    transcriptExcerpt: t.transcriptExcerpt,
    knowledgeChunkIds: t.knowledgeChunkIds,
    transferTarget: t.transferTarget,
    assignee: t.assignee,
    opikTraceId: t.opikTraceId,
    afterSequence: t.afterSequence,
    createdAt: t.createdAt.toISOString(),
    updatedAt: t.updatedAt.toISOString(),
  };
}

/** A ticket in JSON, with its callback when it has one. */
export function ticketDto(t: Ticket) {
  return { ...ticketFields(t), callback: t.callback ? callbackDto(t.callback) : null };
}

/** A callback in JSON, with its ticket. */
export function callbackWithTicketDto(c: CallbackWithTicket) {
  return { ...callbackDto(c), ticket: ticketFields(c.ticket) };
}

export function staffDto(s: StaffAccount) {
  return {
    id: s.id,
    brandId: s.brandId,
    email: s.email,
    displayName: s.displayName,
    createdAt: s.createdAt.toISOString(),
  };
}

export function brandDto(b: Brand) {
  return { id: b.id, slug: b.slug, name: b.name, timezone: b.timezone };
}

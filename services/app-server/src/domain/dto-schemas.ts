/**
 * JSON schemas of the DTOs in dto.ts, for route response schemas and the OpenAPI document. Enums come
 * from the domain constants, so a new status shows up in the document as soon as in the code.
 */
import { anyJson, arr, bool, dateTime, int, nullable, num, obj, oneOf, str } from '@switchboard/service-kit';
import {
  CALLBACK_STATUSES,
  CONVERSATION_STATUSES,
  LANGUAGE_SWITCH_HOWS,
  MESSAGE_ROLES,
  TICKET_KINDS,
  TICKET_PRIORITIES,
  TICKET_STATUSES,
  TRANSCRIBERS,
  TRANSCRIPT_SOURCES,
} from './types.ts';

export const conversationSchema = obj({
  id: str,
  brandId: nullable(str),
  callSid: str,
  botProfileKey: str,
  channel: oneOf('PHONE'),
  callerNumber: str,
  isSip: bool,
  freshcallerCallId: nullable(str),
  status: oneOf(...CONVERSATION_STATUSES),
  startedAt: dateTime,
  endedAt: nullable(dateTime),
  endReason: nullable(str),
  durationSec: nullable(int),
  opikTraceId: nullable(str),
  timezone: nullable(str),
  /** BCP 47 tags: the language the call started in, then each one it switched to. */
  languages: arr(str),
});

export const conversationSummarySchema = obj({
  ...conversationSchema.properties,
  messageCount: int,
  openTicketCount: int,
});

export const messageSchema = obj({
  sequence: int,
  role: oneOf(...MESSAGE_ROLES),
  text: nullable(str),
  itemId: nullable(str),
  startedAt: dateTime,
  source: oneOf(...TRANSCRIPT_SOURCES),
  interrupted: bool,
  heardText: nullable(str),
  transcription: { type: 'string', enum: ['failed', null], nullable: true },
  transcriber: { type: 'string', enum: [...TRANSCRIBERS, null], nullable: true },
  transcriberText: nullable(str),
  /** Of a hand-off between agents: from, to, and why. */
  handoff: { ...obj({ from: str, to: str, reason: str }), nullable: true },
  /** Of a language switch (or a request for a language not served): from, to, how, whether served. */
  languageSwitch: {
    ...obj({ from: str, to: str, how: oneOf(...LANGUAGE_SWITCH_HOWS), confidence: num, served: bool }, [
      'confidence',
    ]),
    nullable: true,
  },
  toolName: nullable(str),
  /** The model's arguments and the tool's result, as they were. */
  toolArguments: anyJson,
  toolResult: anyJson,
  latency: obj({ responseMs: nullable(int), firstAudioMs: nullable(int), firstFrameMs: nullable(int) }),
  sanitized: arr(str),
});

export const callbackSchema = obj({
  id: str,
  ticketId: str,
  conversationId: str,
  phone: str,
  windowStart: nullable(dateTime),
  windowEnd: nullable(dateTime),
  timezone: str,
  reason: str,
  status: oneOf(...CALLBACK_STATUSES),
  createdAt: dateTime,
  updatedAt: dateTime,
});

const ticketFields = {
  id: str,
  conversationId: str,
  kind: oneOf(...TICKET_KINDS),
  status: oneOf(...TICKET_STATUSES),
  priority: oneOf(...TICKET_PRIORITIES),
  summary: str,
  transcriptExcerpt: str,
  knowledgeChunkIds: arr(str),
  transferTarget: nullable(str),
  assignee: nullable(str),
  opikTraceId: nullable(str),
  afterSequence: int,
  createdAt: dateTime,
  updatedAt: dateTime,
};

/** A ticket with its callback (null for a handoff). */
export const ticketSchema = obj({ ...ticketFields, callback: nullable(callbackSchema) });
/** A callback with its ticket. */
export const callbackWithTicketSchema = obj({ ...callbackSchema.properties, ticket: obj(ticketFields) });

export const staffSchema = obj({ id: str, brandId: str, email: str, displayName: str, createdAt: dateTime });
export const brandSchema = obj({
  id: str,
  slug: nullable(str),
  name: nullable(str),
  timezone: nullable(str),
});

/** A conversation's call recording (`recordingDto`); `url` is app-server's own, null once not playable. */
export const recordingSchema = obj({
  status: str,
  durationSec: int,
  channels: int,
  startedAt: nullable(dateTime),
  deletedAt: nullable(dateTime),
  url: nullable(str),
});

/** A page of a list: `nextCursor` fetches the next one (null at the end). */
export function pageOf<S extends Record<string, unknown>>(item: S) {
  return obj({ items: arr(item), nextCursor: nullable(str) });
}

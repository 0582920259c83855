import { LANGUAGE_TAG_MAX, LANGUAGE_TAG_PATTERN } from '../domain/languages.ts';
import {
  LANGUAGE_SWITCH_HOWS,
  MESSAGE_ROLES,
  TICKET_PRIORITIES,
  TRANSCRIPT_SOURCES,
} from '../domain/types.ts';

/** Identifiers that come from other systems (call SIDs, bot profile keys, brand ids). */
export const externalId = {
  type: 'string',
  minLength: 1,
  maxLength: 128,
  pattern: '^[A-Za-z0-9_.:@-]+$',
} as const;
/** An ISO date-time in years 1970 to 9999 (what the database and the UI can hold). */
export const isoDateTime = {
  type: 'string',
  format: 'date-time',
  pattern: '^(19[7-9][0-9]|[2-9][0-9]{3})-',
  maxLength: 40,
} as const;
/** A message's time: any ISO date-time; one out of range is stored as the arrival time, with a note. */
const messageTime = { type: 'string', format: 'date-time', maxLength: 40 } as const;
/** A BCP 47 language tag ("es", "es-MX"). */
export const languageTag = {
  type: 'string',
  minLength: 2,
  maxLength: LANGUAGE_TAG_MAX,
  pattern: LANGUAGE_TAG_PATTERN,
} as const;
/** A phone number or SIP address as a call reports it (may be "anonymous"). */
export const callerNumber = { type: 'string', minLength: 1, maxLength: 256 } as const;

export const callSidParams = {
  type: 'object',
  required: ['callSid'],
  properties: { callSid: externalId },
} as const;

// The internal bodies allow fields they don't know, so a newer voice-server can send more without
// its messages being refused; only the known fields are read.
export const conversationStartBody = {
  type: 'object',
  required: ['callSid', 'botProfileKey', 'callerNumber', 'isSip', 'startedAt'],
  properties: {
    callSid: externalId,
    botProfileKey: externalId,
    brandId: externalId,
    callerNumber,
    isSip: { type: 'boolean' },
    startedAt: isoDateTime,
    freshcallerCallId: { type: 'string', maxLength: 128 },
    // An IANA zone; one this runtime doesn't know is ignored (the call is recorded all the same).
    timezone: { type: 'string', maxLength: 64 },
    direction: { type: 'string', enum: ['inbound', 'outbound', 'web'] },
    // The voice-server instance holding the call: app-server sends staff actions there (service token).
    controlUrl: { type: 'string', maxLength: 2048, pattern: '^https?://[^\\s]+$' },
    // The language the call started in: the first of the conversation's languages.
    language: languageTag,
  },
} as const;

/** A live call's audio levels (a second or so of windows per side, each 0…1). */
const levelList = { type: 'array', maxItems: 40, items: { type: 'number', minimum: 0, maximum: 1 } } as const;
export const callLevelsBody = {
  type: 'object',
  required: ['windowMs', 'caller', 'agent'],
  properties: {
    windowMs: { type: 'integer', minimum: 20, maximum: 5000 },
    caller: levelList,
    agent: levelList,
  },
} as const;

export const transcriptMessage = {
  type: 'object',
  required: ['sequence', 'role', 'text', 'startedAt', 'source'],
  properties: {
    sequence: { type: 'integer', minimum: 0, maximum: 2_147_483_647 },
    role: { type: 'string', enum: MESSAGE_ROLES },
    // Longer text is kept in part, with a note (see transcript-repair.ts).
    text: { type: ['string', 'null'] },
    itemId: { type: 'string', maxLength: 200 },
    startedAt: messageTime,
    source: { type: 'string', enum: TRANSCRIPT_SOURCES },
    interrupted: { type: 'boolean' },
    // Kept up to the same length as text (see transcript-repair.ts).
    heardText: { type: 'string' },
    // "failed" is the one value known today; others are ignored (a newer voice-server may send more).
    transcription: { type: 'string', maxLength: 40 },
    // "cartesia" or "elevenlabs"; others are ignored, like transcription's.
    transcriber: { type: 'string', maxLength: 40 },
    // Kept up to the same length as text (see transcript-repair.ts).
    transcriberText: { type: 'string' },
    handoff: {
      type: 'object',
      required: ['from', 'to', 'reason'],
      properties: {
        from: { type: 'string', minLength: 1, maxLength: 64 },
        to: { type: 'string', minLength: 1, maxLength: 64 },
        reason: { type: 'string', maxLength: 500 },
      },
    },
    // Of a `language` message: the call's language changed (served), or the caller asked for one the
    // profile does not serve (served: false).
    languageSwitch: {
      type: 'object',
      required: ['from', 'to', 'how', 'served'],
      properties: {
        from: languageTag,
        to: languageTag,
        how: { type: 'string', enum: LANGUAGE_SWITCH_HOWS },
        confidence: { type: 'number', minimum: 0, maximum: 1 },
        served: { type: 'boolean' },
      },
    },
    toolName: { type: 'string', maxLength: 200 },
    toolArguments: {},
    toolResult: {},
    latency: {
      type: 'object',
      properties: {
        responseMs: { type: 'number', minimum: 0, maximum: 86_400_000 },
        firstAudioMs: { type: 'number', minimum: 0, maximum: 86_400_000 },
        firstFrameMs: { type: 'number', minimum: 0, maximum: 86_400_000 },
      },
    },
  },
} as const;

export const appendMessagesBody = {
  type: 'object',
  required: ['messages'],
  properties: { messages: { type: 'array', minItems: 1, maxItems: 500, items: transcriptMessage } },
} as const;

export const conversationEndBody = {
  type: 'object',
  required: ['endReason', 'endedAt', 'durationSec'],
  properties: {
    endReason: { type: 'string', minLength: 1, maxLength: 100 },
    endedAt: isoDateTime,
    durationSec: { type: 'number', minimum: 0, maximum: 31_536_000 },
    opikTraceId: { type: 'string', minLength: 1, maxLength: 200 },
  },
} as const;

const priority = { type: 'string', enum: TICKET_PRIORITIES } as const;
const idempotencyKey = { type: 'string', minLength: 1, maxLength: 200 } as const;
const opikTraceId = { type: 'string', minLength: 1, maxLength: 200 } as const;

export const handoffTicketBody = {
  type: 'object',
  required: ['summary', 'transcriptExcerpt', 'knowledgeChunkIds'],
  properties: {
    summary: { type: 'string', minLength: 1, maxLength: 5000 },
    transcriptExcerpt: { type: 'string', maxLength: 50_000 },
    knowledgeChunkIds: {
      type: 'array',
      maxItems: 100,
      items: { type: 'string', minLength: 1, maxLength: 200 },
    },
    priority,
    transferTarget: { type: 'string', minLength: 1, maxLength: 256 },
    idempotencyKey,
    opikTraceId,
  },
} as const;

export const callbackTicketBody = {
  type: 'object',
  required: ['phone', 'timezone', 'reason'],
  properties: {
    // Digits with the usual separators, optionally +; or a SIP address.
    phone: { type: 'string', maxLength: 256, pattern: '^(\\+?[0-9][0-9 ().-]{2,39}|sips?:[^\\s]+)$' },
    windowStart: isoDateTime,
    windowEnd: isoDateTime,
    timezone: { type: 'string', minLength: 1, maxLength: 64 },
    reason: { type: 'string', minLength: 1, maxLength: 5000 },
    priority,
    idempotencyKey,
    opikTraceId,
  },
} as const;

/** True when `tz` is an IANA time zone this runtime knows. */
export function isKnownTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

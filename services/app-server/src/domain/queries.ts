import { Errors } from '@switchboard/service-kit';
import type { AnalysisFilter } from '../analysis/analysis-store.ts';
import type { CallbackFilter, ConversationFilter, TicketFilter } from '../store/store.ts';
import { decodeCursor, decodeOffsetCursor, inStoredRange } from '../store/store.ts';
import { isLanguageTag, LANGUAGE_TAG_MAX } from './languages.ts';
import { CALLBACK_STATUSES, CONVERSATION_STATUSES, TICKET_KINDS, TICKET_STATUSES } from './types.ts';

/** The list filters as query-string schemas (documentation; the parsers below check the values). */
const text = (description: string) => ({ type: 'string', description }) as const;
const pagingFields = {
  limit: text('1 to 200 (default 50)'),
  cursor: text('nextCursor of the previous page'),
} as const;
export const conversationQuerySchema = {
  type: 'object',
  properties: {
    from: text('ISO date-time or UTC date (years 1970-9999)'),
    to: text('ISO date-time or UTC date; a date includes that day'),
    caller: text('part of the caller number'),
    status: text('active or ended'),
    q: text('words said in the call; results best match first'),
    language: text('a BCP 47 tag: calls that were in it; "es" also finds "es-MX"'),
    ...pagingFields,
  },
} as const;
export const ticketQuerySchema = {
  type: 'object',
  properties: {
    status: text('ticket status'),
    kind: text('handoff or callback'),
    conversationId: text('a conversation'),
    ...pagingFields,
  },
} as const;
export const callbackQuerySchema = {
  type: 'object',
  properties: { status: text('scheduled, done or cancelled'), ...pagingFields },
} as const;

export const DEFAULT_PAGE_SIZE = 50;
export const MAX_PAGE_SIZE = 200;

type Query = Record<string, unknown>;

/** A query value as one trimmed string; empty means absent (forms send empty fields). */
function str(q: Query, name: string, maxLength = 200): string | undefined {
  const raw = q[name];
  const v = Array.isArray(raw) ? raw[raw.length - 1] : raw;
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw Errors.badRequest(`querystring.${name} must be a string`);
  const t = v.trim();
  if (t.length > maxLength)
    throw Errors.badRequest(`querystring.${name} must be at most ${maxLength} characters`);
  return t === '' ? undefined : t;
}

function oneOf<T extends string>(q: Query, name: string, values: readonly T[]): T | undefined {
  const v = str(q, name);
  if (v === undefined) return undefined;
  if (!values.includes(v as T))
    throw Errors.badRequest(`querystring.${name} must be one of ${values.join(', ')}`);
  return v as T;
}

/**
 * A date bound: an ISO date-time, or a calendar date (UTC) meaning the whole day, so `to=2026-11-21`
 * includes that day.
 */
function dateBound(q: Query, name: 'from' | 'to'): Date | undefined {
  const v = str(q, name, 40);
  if (v === undefined) return undefined;
  const day = /^\d{4}-\d{2}-\d{2}$/.test(v);
  const d = new Date(day ? `${v}T00:00:00Z` : v);
  if (Number.isNaN(d.getTime()) || (!day && !/^\d{4}-\d{2}-\d{2}T/.test(v)))
    throw Errors.badRequest(`querystring.${name} must be a date (YYYY-MM-DD) or an ISO date-time`);
  if (!inStoredRange(d)) throw Errors.badRequest(`querystring.${name} must be in the years 1970 to 9999`);
  if (day && name === 'to') d.setUTCDate(d.getUTCDate() + 1);
  return d;
}

function paging(q: Query, offsetCursor = false): { limit: number; cursor?: string } {
  const l = str(q, 'limit', 10);
  let limit = DEFAULT_PAGE_SIZE;
  if (l !== undefined) {
    if (!/^\d+$/.test(l) || Number(l) < 1 || Number(l) > MAX_PAGE_SIZE)
      throw Errors.badRequest(`querystring.limit must be an integer from 1 to ${MAX_PAGE_SIZE}`);
    limit = Number(l);
  }
  const cursor = str(q, 'cursor', 500);
  const valid = (c: string) => !!decodeCursor(c) || (offsetCursor && decodeOffsetCursor(c) !== undefined);
  if (cursor !== undefined && !valid(cursor)) throw Errors.badRequest('querystring.cursor is invalid');
  return cursor ? { limit, cursor } : { limit };
}

/** Conversation list filters from a query string; 400 naming the field when one is bad. */
export function parseConversationQuery(q: Query): ConversationFilter {
  const from = dateBound(q, 'from');
  const to = dateBound(q, 'to');
  const caller = str(q, 'caller', 64);
  const status = oneOf(q, 'status', CONVERSATION_STATUSES);
  const text = str(q, 'q', 200);
  const language = languageTag(q);
  // A search pages by rank (an offset cursor); a plain list by time.
  return {
    ...paging(q, text !== undefined),
    ...(from ? { from } : {}),
    ...(to ? { to } : {}),
    ...(caller ? { caller } : {}),
    ...(status ? { status } : {}),
    ...(text ? { text } : {}),
    ...(language ? { language } : {}),
  };
}

/** A language filter: a BCP 47 tag, lower-cased (tags compare case-insensitively). */
function languageTag(q: Query): string | undefined {
  const v = str(q, 'language', LANGUAGE_TAG_MAX);
  if (v !== undefined && !isLanguageTag(v))
    throw Errors.badRequest('querystring.language must be a BCP 47 language tag such as es or es-MX');
  return v?.toLowerCase();
}

export function parseTicketQuery(q: Query): TicketFilter {
  const status = oneOf(q, 'status', TICKET_STATUSES);
  const kind = oneOf(q, 'kind', TICKET_KINDS);
  const conversationId = str(q, 'conversationId', 64);
  return {
    ...paging(q),
    ...(status ? { status } : {}),
    ...(kind ? { kind } : {}),
    ...(conversationId ? { conversationId } : {}),
  };
}

export function parseCallbackQuery(q: Query): CallbackFilter {
  const status = oneOf(q, 'status', CALLBACK_STATUSES);
  return { ...paging(q), ...(status ? { status } : {}) };
}

export const analysisQuerySchema = {
  type: 'object',
  properties: {
    from: text('ISO date-time or UTC date: conversations started from then'),
    to: text('ISO date-time or UTC date; a date includes that day'),
    sentiment: text("the analysis' sentiment (positive, neutral, negative, mixed)"),
    intent: text("the analysis' intent label"),
    language: text('a BCP 47 tag: calls that were in it; "es" also finds "es-MX"'),
    ...pagingFields,
  },
} as const;

/** Analysis list filters from a query string; 400 naming the field when one is bad. */
export function parseAnalysisQuery(q: Query): AnalysisFilter {
  const from = dateBound(q, 'from');
  const to = dateBound(q, 'to');
  const sentiment = str(q, 'sentiment', 64);
  const intent = str(q, 'intent', 64);
  const language = languageTag(q);
  return {
    ...paging(q),
    ...(from ? { from } : {}),
    ...(to ? { to } : {}),
    ...(sentiment ? { sentiment } : {}),
    ...(intent ? { intent } : {}),
    ...(language ? { language } : {}),
  };
}

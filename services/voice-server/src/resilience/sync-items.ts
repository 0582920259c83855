import { createHash } from 'node:crypto';
import type { Logger } from '@switchboard/service-kit';
import type {
  CallbackTicketCreated,
  CallbackTicketInput,
  ConversationEnd,
  ConversationStart,
  HandoffTicketCreated,
  HandoffTicketInput,
  TranscriptMessage,
} from '@switchboard/service-kit/clients/app-server';

/** What a queued request does. */
export type SyncItemKind =
  | 'start'
  | 'messages'
  | 'end'
  | 'handoff_ticket'
  | 'callback_ticket'
  | 'debit'
  | 'recording';
/** Why something queued for app-server was given up. */
export type SyncDropReason = 'queue_full' | 'rejected' | 'closed';
export type TicketKind = 'handoff_ticket' | 'callback_ticket';

/** Where QueuedAppServer reports what it does; every member is optional. */
export interface AppSyncMetricsSink {
  /**
   * Something will never reach app-server: `count` transcript messages for `messages`, else 1.
   * `queue_full` and `rejected` (a 4xx) are data loss; `closed` is what was left at close().
   */
  onDropped?(count: number, reason: SyncDropReason, kind: SyncItemKind): void;
  /** Transcript messages waiting for delivery across all calls, after every change. */
  onQueueDepth?(messages: number): void;
  /** Delivered: `count` messages for `messages`, else 1. */
  onDelivered?(kind: SyncItemKind, count: number): void;
  /** An attempt failed with an error worth retrying; another follows after a backoff. */
  onRetry?(kind: SyncItemKind): void;
  /** A ticket could not be created in time; a provisional id went back to the call. */
  onProvisionalTicket?(kind: TicketKind): void;
}

export interface QueuedAppServerOptions {
  /** Transcript messages held across all calls; beyond it new messages are dropped. Default 10,000. */
  maxQueuedMessages?: number;
  /** Messages per request when a backlog is sent (app-server takes up to 500). Default 200. */
  maxBatchMessages?: number;
  /** First retry delay; doubles per failure, with jitter. Default 200 ms. */
  retryBaseMs?: number;
  /** Longest retry delay. Default 30 s. */
  retryMaxMs?: number;
  /** How long a ticket call waits for app-server before it returns a provisional id. Default 3 s. */
  ticketWaitMs?: number;
  logger?: Logger;
  metrics?: AppSyncMetricsSink;
  /** Source of jitter in [0, 1); tests pin it. Default Math.random. */
  random?: () => number;
}

/** Prefix of the ticket ids handed out while app-server is unreachable. */
export const PROVISIONAL_TICKET_PREFIX = 'provisional-';

/** The id a ticket call returns while its ticket waits in the queue: stable for an idempotency key. */
export function provisionalTicketId(idempotencyKey: string): string {
  return PROVISIONAL_TICKET_PREFIX + createHash('sha256').update(idempotencyKey).digest('hex').slice(0, 16);
}

export type TicketOutcome<T> = { ok: true; value: T } | { ok: false; error: unknown };

export interface TicketItem<K extends TicketKind, I, T> {
  kind: K;
  input: I & { idempotencyKey: string };
  provisionalId: string;
  /** Ticket calls still waiting for the outcome (within their wait). */
  waiters: Array<(o: TicketOutcome<T>) => void>;
  /** A provisional id was handed out, so the outcome is reported when it comes. */
  provisional: boolean;
}

export type AnyTicketItem =
  | TicketItem<'handoff_ticket', HandoffTicketInput, HandoffTicketCreated>
  | TicketItem<'callback_ticket', CallbackTicketInput, CallbackTicketCreated>;

/** One request queued for app-server. */
export type SyncItem =
  | { kind: 'start'; start: ConversationStart }
  | { kind: 'messages'; messages: TranscriptMessage[] }
  | { kind: 'end'; end: ConversationEnd }
  /** A request that must not be lost either: the call's debit (ai-server), its recording report. */
  | { kind: 'debit' | 'recording'; run: () => Promise<unknown> }
  | AnyTicketItem;

/** How many transcript messages an item carries (1 for anything else). */
export function itemCount(item: SyncItem): number {
  return item.kind === 'messages' ? item.messages.length : 1;
}

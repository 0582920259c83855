import { randomUUID } from 'node:crypto';
import type {
  AppServerClient,
  CallbackTicketCreated,
  CallbackTicketInput,
  ConversationEnd,
  ConversationStart,
  HandoffTicketCreated,
  HandoffTicketInput,
  TranscriptMessage,
} from '@switchboard/service-kit/clients/app-server';
import { SyncDelivery } from './sync-delivery.ts';
import {
  type AnyTicketItem,
  provisionalTicketId,
  type QueuedAppServerOptions,
  type TicketItem,
  type TicketKind,
  type TicketOutcome,
} from './sync-items.ts';

export {
  type AppSyncMetricsSink,
  PROVISIONAL_TICKET_PREFIX,
  provisionalTicketId,
  type QueuedAppServerOptions,
  type SyncDropReason,
  type SyncItemKind,
} from './sync-items.ts';

/**
 * An AppServerClient that never makes the call wait on app-server. Every request is queued per call
 * and delivered in the order made (conversation start, messages, end), retried with capped
 * exponential backoff and jitter while app-server is unreachable. app-server deduplicates messages by
 * (call SID, sequence) and tickets by idempotency key, and a request is only sent again when its
 * outcome is unknown, so what is stored is stored exactly once.
 *
 * - start/message/end calls resolve as soon as the request is queued.
 * - Ticket calls wait up to `ticketWaitMs` for the real ticket; after that they resolve with a
 *   provisional id (`provisional-` + 16 hex digits of a hash of the idempotency key; a callback's
 *   callbackId is the same id) while the ticket stays queued and is later delivered with the same
 *   idempotency key. A 4xx within the wait rejects the call.
 * - At most `maxQueuedMessages` transcript messages are held; beyond it new messages are dropped and
 *   reported. Start, end and tickets are never dropped for room.
 * - A 4xx other than 408/429 is app-server's final answer: the item is logged, reported and dropped.
 *
 * Wrap an HttpAppServerClient built with `maxAttempts: 1`, so retries happen here only.
 */
export class QueuedAppServer implements AppServerClient {
  private readonly delivery: SyncDelivery;
  /** Tickets not yet settled, by call, kind and idempotency key: a repeat joins the first. */
  private readonly pendingTickets = new Map<string, AnyTicketItem>();
  /** Real ticket ids of delivered provisional tickets (the most recent 1,000). */
  private readonly realTicketIds = new Map<string, string>();
  private readonly ticketWaitMs: number;

  constructor(
    inner: AppServerClient,
    private readonly opts: QueuedAppServerOptions = {},
  ) {
    const retryBaseMs = Math.max(1, opts.retryBaseMs ?? 200);
    this.delivery = new SyncDelivery({
      inner,
      maxQueuedMessages: Math.max(0, opts.maxQueuedMessages ?? 10_000),
      maxBatchMessages: Math.max(1, Math.min(500, opts.maxBatchMessages ?? 200)),
      retryBaseMs,
      retryMaxMs: Math.max(retryBaseMs, opts.retryMaxMs ?? 30_000),
      random: opts.random ?? Math.random,
      ...(opts.logger ? { logger: opts.logger } : {}),
      ...(opts.metrics ? { metrics: opts.metrics } : {}),
      onTicketSettled: (callSid, item, outcome) => this.settleTicket(callSid, item, outcome),
    });
    this.ticketWaitMs = Math.max(0, opts.ticketWaitMs ?? 3_000);
  }

  /** What waits for delivery: transcript messages, queued requests, calls with a backlog. */
  get pending(): { messages: number; items: number; calls: number } {
    return this.delivery.pending;
  }

  /** The real ticket id behind a provisional one, once the ticket was delivered. */
  ticketIdFor(provisionalId: string): string | undefined {
    return this.realTicketIds.get(provisionalId);
  }

  async startConversation(start: ConversationStart): Promise<void> {
    this.delivery.enqueue(start.callSid, { kind: 'start', start: { ...start } });
  }

  async appendMessages(callSid: string, messages: TranscriptMessage[]): Promise<void> {
    if (messages.length > 0) this.delivery.enqueueMessages(callSid, messages);
  }

  async endConversation(callSid: string, end: ConversationEnd): Promise<void> {
    this.delivery.enqueue(callSid, { kind: 'end', end: { ...end } });
  }

  /**
   * Queues a request that must not be lost with the same retries, backoff and flush as transcripts
   * (the call's debit, its recording report): under `key`, its own line (the call SID queues it after
   * that call's conversation). `run` must be idempotent (a retry after a timeout may repeat one that
   * landed); a rejection carrying a 4xx `statusCode` is final.
   */
  enqueueTask(key: string, kind: 'debit' | 'recording', run: () => Promise<unknown>): boolean {
    return this.delivery.enqueue(key, { kind, run });
  }

  createHandoffTicket(callSid: string, input: HandoffTicketInput): Promise<HandoffTicketCreated> {
    // One key for every attempt, so app-server makes one ticket however often it is sent.
    const idempotencyKey = input.idempotencyKey ?? randomUUID();
    return this.ticket<'handoff_ticket', HandoffTicketInput, HandoffTicketCreated>(
      callSid,
      'handoff_ticket',
      { ...input, idempotencyKey },
      (id) => ({ ticketId: id }),
    );
  }

  createCallbackTicket(callSid: string, input: CallbackTicketInput): Promise<CallbackTicketCreated> {
    const idempotencyKey = input.idempotencyKey ?? randomUUID();
    return this.ticket<'callback_ticket', CallbackTicketInput, CallbackTicketCreated>(
      callSid,
      'callback_ticket',
      { ...input, idempotencyKey },
      (id) => ({ ticketId: id, callbackId: id }),
    );
  }

  /**
   * Resolves true once everything queued was delivered (or given up as refused), false when
   * `timeoutMs` passes first or the queue is closed. Calls waiting out a backoff are retried at once.
   */
  flush(timeoutMs: number): Promise<boolean> {
    return this.delivery.flush(timeoutMs);
  }

  /**
   * Stops all timers and gives up what is still queued (reported as dropped, reason `closed`; a
   * request already in flight may still arrive). Later calls are dropped; ticket calls reject.
   */
  close(): void {
    this.delivery.close();
  }

  private ticket<K extends TicketKind, I, T>(
    callSid: string,
    kind: K,
    input: I & { idempotencyKey: string },
    provisionalOf: (id: string) => T,
  ): Promise<T> {
    if (this.delivery.closed) return Promise.reject(new Error('app-server sync is closed'));
    const joinKey = ticketKey(callSid, kind, input.idempotencyKey);
    let item = this.pendingTickets.get(joinKey) as unknown as TicketItem<K, I, T> | undefined;
    if (!item) {
      item = {
        kind,
        input,
        provisionalId: provisionalTicketId(input.idempotencyKey),
        waiters: [],
        provisional: false,
      };
      this.pendingTickets.set(joinKey, item as unknown as AnyTicketItem);
      this.delivery.enqueue(callSid, item as unknown as AnyTicketItem);
    }
    const ticket = item;
    return new Promise<T>((resolve, reject) => {
      const waiter = (o: TicketOutcome<T>) => {
        clearTimeout(timer);
        if (o.ok) resolve(o.value);
        else reject(o.error);
      };
      const timer = setTimeout(() => {
        ticket.waiters = ticket.waiters.filter((w) => w !== waiter);
        ticket.provisional = true;
        this.opts.logger?.warn(
          { callSid, kind, provisionalId: ticket.provisionalId },
          'app-server did not answer in time; ticket queued under a provisional id',
        );
        this.opts.metrics?.onProvisionalTicket?.(kind);
        resolve(provisionalOf(ticket.provisionalId));
      }, this.ticketWaitMs);
      ticket.waiters.push(waiter);
      // Someone is waiting now: try at once rather than at the end of a long backoff.
      this.delivery.retryCallNow(callSid);
    });
  }

  private settleTicket(
    callSid: string,
    item: AnyTicketItem,
    outcome: TicketOutcome<HandoffTicketCreated | CallbackTicketCreated>,
  ): void {
    this.pendingTickets.delete(ticketKey(callSid, item.kind, item.input.idempotencyKey));
    if (item.provisional && outcome.ok) {
      this.realTicketIds.set(item.provisionalId, outcome.value.ticketId);
      if (this.realTicketIds.size > 1000) this.realTicketIds.delete(this.realTicketIds.keys().next().value!);
      this.opts.logger?.info(
        { callSid, kind: item.kind, provisionalId: item.provisionalId, ticketId: outcome.value.ticketId },
        'queued ticket delivered',
      );
    }
    const waiters = item.waiters;
    item.waiters = [];
    for (const w of waiters) (w as (o: typeof outcome) => void)(outcome);
  }
}

function ticketKey(callSid: string, kind: TicketKind, idempotencyKey: string): string {
  return `${callSid}\u0000${kind}\u0000${idempotencyKey}`;
}

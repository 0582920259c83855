import { createHash, randomUUID } from 'node:crypto';
import type { Logger } from '@switchboard/service-kit';
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
import { errSummary, isPeerRejection } from './peer-errors.ts';

/** What a queued request does. */
export type SyncItemKind = 'start' | 'messages' | 'end' | 'handoff_ticket' | 'callback_ticket';
/** Why something queued for app-server was given up. */
export type SyncDropReason = 'queue_full' | 'rejected' | 'closed';
type TicketKind = 'handoff_ticket' | 'callback_ticket';

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

type TicketOutcome<T> = { ok: true; value: T } | { ok: false; error: unknown };

interface TicketItem<K extends TicketKind, I, T> {
  kind: K;
  input: I & { idempotencyKey: string };
  provisionalId: string;
  /** Ticket calls still waiting for the outcome (within their wait). */
  waiters: Array<(o: TicketOutcome<T>) => void>;
  /** A provisional id was handed out, so the outcome is reported when it comes. */
  provisional: boolean;
}

type Item =
  | { kind: 'start'; start: ConversationStart }
  | { kind: 'messages'; messages: TranscriptMessage[] }
  | { kind: 'end'; end: ConversationEnd }
  | TicketItem<'handoff_ticket', HandoffTicketInput, HandoffTicketCreated>
  | TicketItem<'callback_ticket', CallbackTicketInput, CallbackTicketCreated>;

/** One call's requests, delivered strictly one after another from the head. */
interface CallQueue {
  callSid: string;
  items: Item[];
  /** How many head items the request in flight carries; 0 when none is in flight. */
  inFlight: number;
  timer: ReturnType<typeof setTimeout> | undefined;
  /** Consecutive failed attempts (reset by any answer from app-server). */
  failures: number;
  /** Items still to send one by one: a merged batch was refused and the refused one must be found. */
  soloLeft: number;
}

interface FlushWaiter {
  resolve: (drained: boolean) => void;
  timer: ReturnType<typeof setTimeout>;
}

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
  private readonly queues = new Map<string, CallQueue>();
  /** Tickets not yet settled, by call, kind and idempotency key: a repeat joins the first. */
  private readonly pendingTickets = new Map<string, Item>();
  /** Real ticket ids of delivered provisional tickets (the most recent 1,000). */
  private readonly realTicketIds = new Map<string, string>();
  private readonly flushWaiters = new Set<FlushWaiter>();
  private readonly maxQueuedMessages: number;
  private readonly maxBatchMessages: number;
  private readonly retryBaseMs: number;
  private readonly retryMaxMs: number;
  private readonly ticketWaitMs: number;
  private readonly random: () => number;
  private queuedMessages = 0;
  private closed = false;
  /** app-server failed and has not answered since: logs once per outage, not once per attempt. */
  private outage = false;
  /** Messages dropped since the queue last had room, for one log line per episode. */
  private droppedWhileFull = 0;

  constructor(
    private readonly inner: AppServerClient,
    private readonly opts: QueuedAppServerOptions = {},
  ) {
    this.maxQueuedMessages = Math.max(0, opts.maxQueuedMessages ?? 10_000);
    this.maxBatchMessages = Math.max(1, Math.min(500, opts.maxBatchMessages ?? 200));
    this.retryBaseMs = Math.max(1, opts.retryBaseMs ?? 200);
    this.retryMaxMs = Math.max(this.retryBaseMs, opts.retryMaxMs ?? 30_000);
    this.ticketWaitMs = Math.max(0, opts.ticketWaitMs ?? 3_000);
    this.random = opts.random ?? Math.random;
  }

  /** What waits for delivery: transcript messages, queued requests, calls with a backlog. */
  get pending(): { messages: number; items: number; calls: number } {
    let items = 0;
    for (const q of this.queues.values()) items += q.items.length;
    return { messages: this.queuedMessages, items, calls: this.queues.size };
  }

  /** The real ticket id behind a provisional one, once the ticket was delivered. */
  ticketIdFor(provisionalId: string): string | undefined {
    return this.realTicketIds.get(provisionalId);
  }

  async startConversation(start: ConversationStart): Promise<void> {
    this.enqueue(start.callSid, { kind: 'start', start: { ...start } });
  }

  async appendMessages(callSid: string, messages: TranscriptMessage[]): Promise<void> {
    if (messages.length === 0) return;
    if (this.closed) {
      this.report('closed', 'messages', messages.length);
      return;
    }
    const room = Math.max(0, this.maxQueuedMessages - this.queuedMessages);
    const accepted = messages.slice(0, room).map((m) => ({ ...m }));
    if (accepted.length < messages.length) this.dropForRoom(callSid, messages.length - accepted.length);
    if (accepted.length === 0) return;
    const q = this.queueFor(callSid);
    for (let i = 0; i < accepted.length; i += this.maxBatchMessages) {
      const item: Item = { kind: 'messages', messages: accepted.slice(i, i + this.maxBatchMessages) };
      // A message that arrives after the end was queued still goes before it: the end stays last.
      const endAt = q.items.findIndex((it, idx) => idx >= q.inFlight && it.kind === 'end');
      if (endAt >= 0) q.items.splice(endAt, 0, item);
      else q.items.push(item);
    }
    this.queuedMessages += accepted.length;
    this.opts.metrics?.onQueueDepth?.(this.queuedMessages);
    this.pump(q);
  }

  async endConversation(callSid: string, end: ConversationEnd): Promise<void> {
    this.enqueue(callSid, { kind: 'end', end: { ...end } });
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
    if (this.queues.size === 0) return Promise.resolve(true);
    if (this.closed) return Promise.resolve(false);
    this.retryNow();
    return new Promise<boolean>((resolve) => {
      const waiter: FlushWaiter = {
        resolve,
        timer: setTimeout(() => {
          this.flushWaiters.delete(waiter);
          this.opts.logger?.warn({ ...this.pending, timeoutMs }, 'app-server sync not flushed in time');
          resolve(false);
        }, timeoutMs),
      };
      this.flushWaiters.add(waiter);
    });
  }

  /**
   * Stops all timers and gives up what is still queued (reported as dropped, reason `closed`; a
   * request already in flight may still arrive). Later calls are dropped; ticket calls reject.
   */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    const left = this.pending;
    for (const q of this.queues.values()) {
      if (q.timer) clearTimeout(q.timer);
      q.timer = undefined;
      for (const item of q.items.splice(0)) this.drop(q.callSid, item, 'closed', new Error('closed'));
    }
    this.queues.clear();
    this.queuedMessages = 0;
    this.opts.metrics?.onQueueDepth?.(0);
    if (left.items > 0)
      this.opts.logger?.error({ ...left }, 'app-server sync closed with requests undelivered');
    for (const w of this.flushWaiters) {
      clearTimeout(w.timer);
      w.resolve(false);
    }
    this.flushWaiters.clear();
  }

  // --- queueing ----------------------------------------------------------------------------------

  private enqueue(callSid: string, item: Item): CallQueue | undefined {
    if (this.closed) {
      this.report('closed', item.kind, 1);
      return undefined;
    }
    const q = this.queueFor(callSid);
    q.items.push(item);
    this.pump(q);
    return q;
  }

  private ticket<K extends TicketKind, I, T>(
    callSid: string,
    kind: K,
    input: I & { idempotencyKey: string },
    provisionalOf: (id: string) => T,
  ): Promise<T> {
    if (this.closed) return Promise.reject(new Error('app-server sync is closed'));
    const joinKey = `${callSid}\u0000${kind}\u0000${input.idempotencyKey}`;
    let item = this.pendingTickets.get(joinKey) as TicketItem<K, I, T> | undefined;
    let q = this.queues.get(callSid);
    if (!item) {
      item = {
        kind,
        input,
        provisionalId: provisionalTicketId(input.idempotencyKey),
        waiters: [],
        provisional: false,
      };
      this.pendingTickets.set(joinKey, item as unknown as Item);
      q = this.enqueue(callSid, item as unknown as Item);
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
      if (q) this.retryQueueNow(q);
    });
  }

  private queueFor(callSid: string): CallQueue {
    let q = this.queues.get(callSid);
    if (!q) {
      q = { callSid, items: [], inFlight: 0, timer: undefined, failures: 0, soloLeft: 0 };
      this.queues.set(callSid, q);
    }
    return q;
  }

  private dropForRoom(callSid: string, count: number): void {
    if (this.droppedWhileFull === 0)
      this.opts.logger?.error(
        { callSid, maxQueuedMessages: this.maxQueuedMessages },
        'app-server sync queue full; dropping new transcript messages',
      );
    this.droppedWhileFull += count;
    this.report('queue_full', 'messages', count);
  }

  // --- delivery ----------------------------------------------------------------------------------

  /** Sends the head of `q` unless a request is in flight or a backoff is pending. */
  private pump(q: CallQueue): void {
    if (this.closed || q.inFlight > 0 || q.timer) return;
    const head = q.items[0];
    if (!head) {
      this.queues.delete(q.callSid);
      this.settleFlushes();
      return;
    }
    let take = 1;
    let send: () => Promise<unknown>;
    switch (head.kind) {
      case 'start':
        send = () => this.inner.startConversation(head.start);
        break;
      case 'end':
        send = () => this.inner.endConversation(q.callSid, head.end);
        break;
      case 'handoff_ticket':
        send = () => this.inner.createHandoffTicket(q.callSid, head.input);
        break;
      case 'callback_ticket':
        send = () => this.inner.createCallbackTicket(q.callSid, head.input);
        break;
      case 'messages': {
        // A backlog goes in few requests: consecutive message items merge up to the batch size.
        const batch = [...head.messages];
        while (q.soloLeft === 0 && take < q.items.length) {
          const next = q.items[take]!;
          if (next.kind !== 'messages' || batch.length + next.messages.length > this.maxBatchMessages) break;
          batch.push(...next.messages);
          take++;
        }
        send = () => this.inner.appendMessages(q.callSid, batch);
        break;
      }
    }
    q.inFlight = take;
    let attempt: Promise<unknown>;
    try {
      attempt = send();
    } catch (err) {
      attempt = Promise.reject(err);
    }
    attempt.then(
      (value) => this.succeeded(q, take, value),
      (err: unknown) => this.failed(q, take, err),
    );
  }

  private succeeded(q: CallQueue, take: number, value: unknown): void {
    q.inFlight = 0;
    if (this.closed) return;
    q.failures = 0;
    if (q.soloLeft > 0) q.soloLeft--;
    for (const item of q.items.splice(0, take)) {
      if (item.kind === 'messages') {
        this.queuedMessages -= item.messages.length;
        this.opts.metrics?.onDelivered?.('messages', item.messages.length);
      } else {
        this.opts.metrics?.onDelivered?.(item.kind, 1);
        if (item.kind === 'handoff_ticket' || item.kind === 'callback_ticket')
          this.settleTicket(q.callSid, item, { ok: true, value: value as never });
      }
    }
    this.opts.metrics?.onQueueDepth?.(this.queuedMessages);
    if (this.droppedWhileFull > 0 && this.queuedMessages < this.maxQueuedMessages) {
      this.opts.logger?.warn(
        { droppedMessages: this.droppedWhileFull },
        'app-server sync queue has room again; messages were lost while it was full',
      );
      this.droppedWhileFull = 0;
    }
    if (this.outage) {
      this.outage = false;
      this.opts.logger?.info({ ...this.pending }, 'app-server reachable again; delivering the backlog');
      // The other calls need not wait out their backoff now that app-server answers.
      this.retryNow();
    }
    this.pump(q);
  }

  private failed(q: CallQueue, take: number, err: unknown): void {
    q.inFlight = 0;
    if (this.closed) return;
    const head = q.items[0]!;
    if (isPeerRejection(err)) {
      // app-server answered, so it is up; the request itself is wrong and will stay wrong.
      q.failures = 0;
      if (take > 1) {
        q.soloLeft = take;
      } else {
        q.items.shift();
        if (head.kind === 'messages') {
          this.queuedMessages -= head.messages.length;
          this.opts.metrics?.onQueueDepth?.(this.queuedMessages);
        }
        this.drop(q.callSid, head, 'rejected', err);
        if (q.soloLeft > 0) q.soloLeft--;
      }
      this.pump(q);
      return;
    }
    q.failures++;
    this.opts.metrics?.onRetry?.(head.kind);
    if (!this.outage) {
      this.outage = true;
      this.opts.logger?.warn(
        { callSid: q.callSid, kind: head.kind, err: errSummary(err) },
        'app-server unreachable; holding requests and retrying with backoff',
      );
    }
    const ceilingMs = Math.min(this.retryMaxMs, this.retryBaseMs * 2 ** Math.min(q.failures - 1, 30));
    // Half fixed, half random: spread out, yet never an immediate retry.
    const delayMs = ceilingMs / 2 + (this.random() * ceilingMs) / 2;
    q.timer = setTimeout(() => {
      q.timer = undefined;
      this.pump(q);
    }, delayMs);
    q.timer.unref?.();
  }

  /** Ends the backoff of every waiting call and tries now. */
  private retryNow(): void {
    for (const q of [...this.queues.values()]) this.retryQueueNow(q);
  }

  private retryQueueNow(q: CallQueue): void {
    if (!q.timer) return;
    clearTimeout(q.timer);
    q.timer = undefined;
    this.pump(q);
  }

  private drop(callSid: string, item: Item, reason: SyncDropReason, err: unknown): void {
    const count = item.kind === 'messages' ? item.messages.length : 1;
    if (reason === 'rejected')
      this.opts.logger?.error(
        { callSid, kind: item.kind, count, err: errSummary(err) },
        'app-server refused a sync request; dropping it',
      );
    this.report(reason, item.kind, count);
    if (item.kind === 'handoff_ticket' || item.kind === 'callback_ticket')
      this.settleTicket(callSid, item, { ok: false, error: err });
  }

  private settleTicket(
    callSid: string,
    item: Extract<Item, { kind: TicketKind }>,
    outcome: TicketOutcome<HandoffTicketCreated | CallbackTicketCreated>,
  ): void {
    this.pendingTickets.delete(`${callSid}\u0000${item.kind}\u0000${item.input.idempotencyKey}`);
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

  private report(reason: SyncDropReason, kind: SyncItemKind, count: number): void {
    this.opts.metrics?.onDropped?.(count, reason, kind);
  }

  private settleFlushes(): void {
    if (this.queues.size > 0) return;
    for (const w of this.flushWaiters) {
      clearTimeout(w.timer);
      w.resolve(true);
    }
    this.flushWaiters.clear();
  }
}

/** The id a ticket call returns while its ticket waits in the queue: stable for an idempotency key. */
export function provisionalTicketId(idempotencyKey: string): string {
  return PROVISIONAL_TICKET_PREFIX + createHash('sha256').update(idempotencyKey).digest('hex').slice(0, 16);
}

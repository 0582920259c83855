import type { Logger } from '@switchboard/service-kit';
import type {
  AppServerClient,
  CallbackTicketCreated,
  HandoffTicketCreated,
  TranscriptMessage,
} from '@switchboard/service-kit/clients/app-server';
import { errSummary, isPeerRejection } from './peer-errors.ts';
import {
  type AnyTicketItem,
  type AppSyncMetricsSink,
  itemCount,
  type SyncDropReason,
  type SyncItem,
  type SyncItemKind,
  type TicketOutcome,
} from './sync-items.ts';

/** One call's requests, delivered strictly one after another from the head. */
interface CallQueue {
  callSid: string;
  items: SyncItem[];
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

export interface SyncDeliveryOptions {
  inner: AppServerClient;
  maxQueuedMessages: number;
  maxBatchMessages: number;
  retryBaseMs: number;
  retryMaxMs: number;
  random: () => number;
  logger?: Logger;
  metrics?: AppSyncMetricsSink;
  /** A ticket item was delivered or given up. */
  onTicketSettled: (
    callSid: string,
    item: AnyTicketItem,
    outcome: TicketOutcome<HandoffTicketCreated | CallbackTicketCreated>,
  ) => void;
}

/**
 * The delivery engine behind QueuedAppServer: per-call queues sent head first, one request in flight
 * per call, consecutive message items merged into one request, retries with capped exponential backoff
 * and jitter while app-server is unreachable, and a 4xx taken as final (a refused merged batch is then
 * sent item by item to find the refused one).
 */
export class SyncDelivery {
  private readonly queues = new Map<string, CallQueue>();
  private readonly flushWaiters = new Set<FlushWaiter>();
  queuedMessages = 0;
  closed = false;
  /** app-server failed and has not answered since: logs once per outage, not once per attempt. */
  private outage = false;
  /** Messages dropped since the queue last had room, for one log line per episode. */
  private droppedWhileFull = 0;

  constructor(private readonly o: SyncDeliveryOptions) {}

  get pending(): { messages: number; items: number; calls: number } {
    let items = 0;
    for (const q of this.queues.values()) items += q.items.length;
    return { messages: this.queuedMessages, items, calls: this.queues.size };
  }

  /** Queues `item` last for `callSid`; false when closed (reported). */
  enqueue(callSid: string, item: SyncItem): boolean {
    if (this.closed) {
      this.report('closed', item.kind, 1);
      return false;
    }
    const q = this.queueFor(callSid);
    q.items.push(item);
    this.pump(q);
    return true;
  }

  /** Queues transcript messages, within the room left; what does not fit is dropped and reported. */
  enqueueMessages(callSid: string, messages: TranscriptMessage[]): void {
    if (this.closed) {
      this.report('closed', 'messages', messages.length);
      return;
    }
    const room = Math.max(0, this.o.maxQueuedMessages - this.queuedMessages);
    const accepted = messages.slice(0, room).map((m) => ({ ...m }));
    if (accepted.length < messages.length) this.dropForRoom(callSid, messages.length - accepted.length);
    if (accepted.length === 0) return;
    const q = this.queueFor(callSid);
    for (let i = 0; i < accepted.length; i += this.o.maxBatchMessages) {
      const item: SyncItem = { kind: 'messages', messages: accepted.slice(i, i + this.o.maxBatchMessages) };
      // A message that arrives after the end was queued still goes before it: the end stays last.
      const endAt = q.items.findIndex((it, idx) => idx >= q.inFlight && it.kind === 'end');
      if (endAt >= 0) q.items.splice(endAt, 0, item);
      else q.items.push(item);
    }
    this.queuedMessages += accepted.length;
    this.o.metrics?.onQueueDepth?.(this.queuedMessages);
    this.pump(q);
  }

  /** Resolves true once everything queued was delivered, false after `timeoutMs` or at close. */
  flush(timeoutMs: number): Promise<boolean> {
    if (this.queues.size === 0) return Promise.resolve(true);
    if (this.closed) return Promise.resolve(false);
    this.retryNow();
    return new Promise<boolean>((resolve) => {
      const waiter: FlushWaiter = {
        resolve,
        timer: setTimeout(() => {
          this.flushWaiters.delete(waiter);
          this.o.logger?.warn({ ...this.pending, timeoutMs }, 'app-server sync not flushed in time');
          resolve(false);
        }, timeoutMs),
      };
      this.flushWaiters.add(waiter);
    });
  }

  /** Stops all timers and gives up what is still queued (reported as `closed`). */
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
    this.o.metrics?.onQueueDepth?.(0);
    if (left.items > 0) this.o.logger?.error({ ...left }, 'app-server sync closed with requests undelivered');
    for (const w of this.flushWaiters) {
      clearTimeout(w.timer);
      w.resolve(false);
    }
    this.flushWaiters.clear();
  }

  /** Ends the backoff of `callSid`'s queue (someone waits on it) and tries now. */
  retryCallNow(callSid: string): void {
    const q = this.queues.get(callSid);
    if (q) this.retryQueueNow(q);
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
      this.o.logger?.error(
        { callSid, maxQueuedMessages: this.o.maxQueuedMessages },
        'app-server sync queue full; dropping new transcript messages',
      );
    this.droppedWhileFull += count;
    this.report('queue_full', 'messages', count);
  }

  /** Sends the head of `q` unless a request is in flight or a backoff is pending. */
  private pump(q: CallQueue): void {
    if (this.closed || q.inFlight > 0 || q.timer) return;
    const head = q.items[0];
    if (!head) {
      this.queues.delete(q.callSid);
      this.settleFlushes();
      return;
    }
    const { take, send } = this.requestFor(q, head);
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

  /** The request for the head of `q`, and how many items it carries. */
  private requestFor(q: CallQueue, head: SyncItem): { take: number; send: () => Promise<unknown> } {
    const { inner } = this.o;
    switch (head.kind) {
      case 'start':
        return { take: 1, send: () => inner.startConversation(head.start) };
      case 'end':
        return { take: 1, send: () => inner.endConversation(q.callSid, head.end) };
      case 'handoff_ticket':
        return { take: 1, send: () => inner.createHandoffTicket(q.callSid, head.input) };
      case 'callback_ticket':
        return { take: 1, send: () => inner.createCallbackTicket(q.callSid, head.input) };
      case 'debit':
      case 'recording':
        return { take: 1, send: head.run };
      case 'messages': {
        // A backlog goes in few requests: consecutive message items merge up to the batch size.
        const batch = [...head.messages];
        let take = 1;
        while (q.soloLeft === 0 && take < q.items.length) {
          const next = q.items[take]!;
          if (next.kind !== 'messages' || batch.length + next.messages.length > this.o.maxBatchMessages)
            break;
          batch.push(...next.messages);
          take++;
        }
        return { take, send: () => inner.appendMessages(q.callSid, batch) };
      }
    }
  }

  private succeeded(q: CallQueue, take: number, value: unknown): void {
    q.inFlight = 0;
    if (this.closed) return;
    q.failures = 0;
    if (q.soloLeft > 0) q.soloLeft--;
    for (const item of q.items.splice(0, take)) {
      if (item.kind === 'messages') this.queuedMessages -= item.messages.length;
      this.o.metrics?.onDelivered?.(item.kind, itemCount(item));
      if (item.kind === 'handoff_ticket' || item.kind === 'callback_ticket')
        this.o.onTicketSettled(q.callSid, item, { ok: true, value: value as never });
    }
    this.o.metrics?.onQueueDepth?.(this.queuedMessages);
    if (this.droppedWhileFull > 0 && this.queuedMessages < this.o.maxQueuedMessages) {
      this.o.logger?.warn(
        { droppedMessages: this.droppedWhileFull },
        'app-server sync queue has room again; messages were lost while it was full',
      );
      this.droppedWhileFull = 0;
    }
    if (this.outage) {
      this.outage = false;
      this.o.logger?.info({ ...this.pending }, 'app-server reachable again; delivering the backlog');
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
      } else if (head.kind === 'messages' && head.messages.length > 1) {
        // One message may be what it refuses: send them one by one, so only that one is lost.
        const singles: SyncItem[] = head.messages.map((m) => ({ kind: 'messages', messages: [m] }));
        q.items.splice(0, 1, ...singles);
        q.soloLeft = singles.length;
      } else {
        q.items.shift();
        if (head.kind === 'messages') {
          this.queuedMessages -= head.messages.length;
          this.o.metrics?.onQueueDepth?.(this.queuedMessages);
        }
        this.drop(q.callSid, head, 'rejected', err);
        if (q.soloLeft > 0) q.soloLeft--;
      }
      this.pump(q);
      return;
    }
    q.failures++;
    this.o.metrics?.onRetry?.(head.kind);
    if (!this.outage) {
      this.outage = true;
      this.o.logger?.warn(
        { callSid: q.callSid, kind: head.kind, err: errSummary(err) },
        `${peerOf(head.kind)} unreachable; holding requests and retrying with backoff`,
      );
    }
    const ceilingMs = Math.min(this.o.retryMaxMs, this.o.retryBaseMs * 2 ** Math.min(q.failures - 1, 30));
    // Half fixed, half random: spread out, yet never an immediate retry.
    const delayMs = ceilingMs / 2 + (this.o.random() * ceilingMs) / 2;
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

  private drop(callSid: string, item: SyncItem, reason: SyncDropReason, err: unknown): void {
    const count = itemCount(item);
    if (reason === 'rejected')
      this.o.logger?.error(
        { callSid, kind: item.kind, count, err: errSummary(err) },
        `${peerOf(item.kind)} refused a queued request; dropping it`,
      );
    this.report(reason, item.kind, count);
    if (item.kind === 'handoff_ticket' || item.kind === 'callback_ticket')
      this.o.onTicketSettled(callSid, item, { ok: false, error: err });
  }

  private report(reason: SyncDropReason, kind: SyncItemKind, count: number): void {
    this.o.metrics?.onDropped?.(count, reason, kind);
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

/** The service a queued item goes to. */
function peerOf(kind: SyncItemKind): string {
  return kind === 'debit' ? 'ai-server' : 'app-server';
}

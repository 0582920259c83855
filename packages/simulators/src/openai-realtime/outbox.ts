/**
 * The server side of a session's socket: every server event goes through one ordered queue, gets an
 * `event_id`, waits out the fault plan's per-event latency, is written, observed and logged.
 */
import type { RealtimeServerEvent } from 'openai/resources/realtime/realtime';
import type { WebSocket } from 'ws';
import type { RealtimeProtocolError } from './errors.ts';
import type { EventLog } from './event-log.ts';
import { newId } from './ids.ts';
import { type SimClock, Sleeper } from './pacing.ts';

/** A GA server event type, as the openai SDK's `RealtimeServerEvent` union names them. */
export type ServerEventType = RealtimeServerEvent['type'];

/** What the outbox needs from its session. */
export interface OutboxOptions {
  clock: SimClock;
  log: EventLog;
  /** The fault plan's wait before each event, read at send time. */
  latencyMs: () => number;
  /** Called right after an event was written to the socket. */
  onWritten?: (event: Record<string, unknown>) => void;
}

type QueueEntry =
  | { kind: 'event'; event: Record<string, unknown> }
  | { kind: 'raw'; text: string }
  | { kind: 'action'; run: () => void };

/** Ordered, latency-aware writer of server events. Closed for good once the socket closes. */
export class ServerEventOutbox {
  private readonly socket: WebSocket;
  private readonly opts: OutboxOptions;
  private queue: QueueEntry[] = [];
  private flushing = false;
  private open = true;

  constructor(socket: WebSocket, options: OutboxOptions) {
    this.socket = socket;
    this.opts = options;
  }

  /** True until {@link close}. */
  get isOpen(): boolean {
    return this.open;
  }

  /**
   * Queues a server event; order is kept, with the fault plan's per-event latency. The type is
   * checked against the openai SDK's `RealtimeServerEvent` union, so only GA event names go out.
   */
  send(payload: { type: ServerEventType } & Record<string, unknown>): void {
    this.sendUnchecked(payload);
  }

  /** Queues any event, GA name or not (for tests of odd server behaviour and malformed-event faults). */
  sendUnchecked(payload: { type: string } & Record<string, unknown>): void {
    if (!this.open) return;
    this.enqueue({ kind: 'event', event: { event_id: newId('event'), ...payload } });
  }

  /** Queues a text frame as is (not JSON: for the malformed-events fault); logged as `(raw)`. */
  sendRaw(text: string): void {
    if (!this.open) return;
    this.enqueue({ kind: 'raw', text });
  }

  /** Sends the `error` event for a rejected client event. */
  sendError(err: RealtimeProtocolError, clientEventId: string | null): void {
    this.send({
      type: 'error',
      error: {
        type: err.errorType,
        code: err.code,
        message: err.message,
        param: err.param,
        event_id: clientEventId,
      },
    });
  }

  /** Runs `run` in queue order, after every event queued before it has been written. */
  afterQueued(run: () => void): void {
    this.enqueue({ kind: 'action', run });
  }

  /** Drops whatever is queued; nothing more is written. */
  close(): void {
    this.open = false;
    this.queue = [];
  }

  private enqueue(entry: QueueEntry): void {
    const latency = this.opts.latencyMs();
    if (latency <= 0 && !this.flushing && this.queue.length === 0) {
      this.execute(entry);
      return;
    }
    this.queue.push(entry);
    if (!this.flushing) void this.flush();
  }

  private async flush(): Promise<void> {
    this.flushing = true;
    const sleeper = new Sleeper(this.opts.clock);
    while (this.open && this.queue.length > 0) {
      const entry = this.queue.shift()!;
      const latency = this.opts.latencyMs();
      if (entry.kind !== 'action' && latency > 0) await sleeper.sleep(latency);
      if (!this.open) break;
      this.execute(entry);
    }
    this.flushing = false;
  }

  private execute(entry: QueueEntry): void {
    if (entry.kind === 'action') {
      entry.run();
      return;
    }
    if (!this.open || this.socket.readyState !== this.socket.OPEN) return;
    if (entry.kind === 'raw') {
      this.socket.send(entry.text);
      this.opts.log.record('server', '(raw)', { raw: entry.text.slice(0, 200) });
      return;
    }
    const event = entry.event;
    this.socket.send(JSON.stringify(event));
    this.opts.onWritten?.(event);
    this.opts.log.record('server', String(event.type), event);
  }
}

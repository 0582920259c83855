import type { RealtimeClientEvent } from '@switchboard/realtime';
import type { ResponseParams } from './call-types.ts';

/** Where response.create goes: the current Realtime session, when there is one. */
export interface ResponseSink {
  /** False when no session can take a request now (none open, or the call is over). */
  readonly canSend: boolean;
  send(event: RealtimeClientEvent): void;
}

/** Stands for a response the server reported active before we saw its id. */
const UNKNOWN_RESPONSE = '?';

/**
 * The one owner of "a response is active". Responses asked for while one is active or requested wait
 * their turn and go out, one at a time, as each response ends. Cancelled responses are remembered until
 * they end, so their late audio can be dropped.
 */
export class ResponseQueue {
  /** The response in progress, from response.created to response.done. */
  private active: string | undefined;
  /** A response.create we sent whose response.created has not arrived yet. */
  private inFlight = false;
  /** Responses asked for while another was active; null is a plain response.create. */
  private readonly pending: Array<ResponseParams | null> = [];
  private last: ResponseParams | null = null;
  private readonly cancelled = new Set<string>();

  constructor(private readonly sink: ResponseSink) {}

  /** True from response.created to response.done. */
  get isActive(): boolean {
    return this.active !== undefined;
  }

  /** True while a response is active or has been asked for. */
  get isBusy(): boolean {
    return this.active !== undefined || this.inFlight;
  }

  /** Responses waiting their turn. */
  get waiting(): number {
    return this.pending.length;
  }

  /** Asks for a response now, or once the active one is done (never two at once). */
  request(response?: ResponseParams): void {
    if (this.isBusy) this.pending.push(response ?? null);
    else this.send(response);
  }

  /** response.created: the request in flight is now the active response. */
  onCreated(responseId: string | undefined): void {
    this.inFlight = false;
    this.active = responseId;
  }

  /** response.done: the next waiting request, if any, goes out. */
  onDone(responseId: string): void {
    if (this.active === responseId || this.active === UNKNOWN_RESPONSE) this.active = undefined;
    this.cancelled.delete(responseId);
    if (this.isBusy) return;
    const next = this.pending.shift();
    if (next !== undefined) this.send(next ?? undefined);
  }

  /**
   * The server refused our response.create because one of its own (server VAD) is active: ask again
   * when that one is done.
   */
  onAlreadyActive(): void {
    this.inFlight = false;
    this.pending.unshift(this.last);
    this.active ??= UNKNOWN_RESPONSE;
  }

  /**
   * Marks the active response cancelled (its late deltas are dropped from now on) and returns true when
   * there was one, so the caller sends response.cancel.
   */
  cancelActive(): boolean {
    if (!this.active) return false;
    this.cancelled.add(this.active);
    return true;
  }

  isCancelled(responseId: string): boolean {
    return this.cancelled.has(responseId);
  }

  /** The session is gone: nothing is active, asked for or waiting any more. */
  reset(): void {
    this.active = undefined;
    this.inFlight = false;
    this.pending.length = 0;
    this.cancelled.clear();
  }

  private send(response?: ResponseParams): void {
    if (!this.sink.canSend) return;
    this.inFlight = true;
    this.last = response ?? null;
    this.sink.send(response ? { type: 'response.create', response } : { type: 'response.create' });
  }
}

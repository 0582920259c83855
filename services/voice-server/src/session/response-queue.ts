import type { RealtimeClientEvent } from '@switchboard/realtime';

/** Where response.create goes: the current Realtime session, when there is one. */
export interface ResponseSink {
  /** False when no session can take a request now (none open, or the call is over). */
  readonly canSend: boolean;
  /** The session's instructions (the brand's prompt), kept in force on the platform's own lines. */
  readonly sessionInstructions: string | undefined;
  send(event: RealtimeClientEvent): void;
}

/**
 * What a response is asked for.
 * - `continue`: answer from what the conversation holds now (a tool's output, keypad digits). Any
 *   answering response asked for (ours, when sent) or started (the server's) after it was asked
 *   answers it too, so pending ones coalesce.
 * - `line`: a line of the platform's (an apology, a goodbye, "are you still there?"): always said.
 * - `greeting`: the call's first words: dropped once any other response has started.
 */
export type ResponseRequest =
  | { kind: 'continue' }
  | { kind: 'line'; line: string }
  | { kind: 'greeting'; line: string };

/** What response.done meant for the request behind it. */
export interface ResponseOutcome {
  /** The response failed (status `failed`). */
  failed: boolean;
  /** It is being asked for once more; false when it had already been retried. */
  retried: boolean;
}

interface Request {
  req: ResponseRequest;
  /** Answering responses sent or started before it was asked: a later one answers a `continue`. */
  askedAt: number;
  retried: boolean;
  tag: string;
}

/** Stands for a response the server reported active before we saw its id. */
const UNKNOWN_RESPONSE = '?';
/** The metadata key that tells our responses from the ones the server starts itself (VAD). */
export const REQUEST_TAG = 'switchboard_request';

/**
 * The one owner of "a response is active". Requests wait while a response is active or asked for and
 * go out one at a time; each carries a tag in its metadata, so response.created tells ours from one
 * the server started itself. A request the server refuses because one of its own is active is asked
 * again after it (a platform line), or dropped when the active response answers it (a greeting). The
 * platform's lines are sent with the session's instructions in front, so the brand's prompt stays in
 * force. A response that fails is asked for once more.
 */
export class ResponseQueue {
  private active: { id: string; ours: Request | undefined } | undefined;
  private inFlight: Request | undefined;
  private readonly pending: Request[] = [];
  private readonly cancelled = new Set<string>();
  /** The caller started speaking while our request was on its way: cancel it the moment it exists. */
  private withdrawn = false;
  /** Responses started so far. */
  private started = 0;
  /** Responses that answer the conversation (not the platform's lines): our continues as they are sent, the server's own as they start. */
  private answering = 0;
  private tags = 0;

  constructor(private readonly sink: ResponseSink) {}

  /** True from response.created to response.done. */
  get isActive(): boolean {
    return this.active !== undefined;
  }

  /** True while a response is active or has been asked for. */
  get isBusy(): boolean {
    return this.active !== undefined || this.inFlight !== undefined;
  }

  /** Requests waiting their turn. */
  get waiting(): number {
    return this.pending.length;
  }

  /** Asks for a response now, or once the active one is done. */
  request(req: ResponseRequest = { kind: 'continue' }): void {
    if (req.kind === 'continue' && this.pending.some((p) => p.req.kind === 'continue' && !p.retried)) return;
    this.pending.push({ req, askedAt: this.answering, retried: false, tag: '' });
    this.pump();
  }

  /**
   * response.created: ours (its tag echoed in the metadata) or one the server started itself (metadata
   * null or without our tag). A server that echoes no metadata at all is taken at its word that this is
   * the response we asked for.
   */
  onCreated(responseId: string | undefined, metadata?: unknown): { cancel: boolean } {
    this.started++;
    const tag = (metadata as Record<string, unknown> | null | undefined)?.[REQUEST_TAG];
    const mine = metadata === undefined || this.inFlight?.tag === tag;
    const ours = this.inFlight && mine ? this.inFlight : undefined;
    if (ours) this.inFlight = undefined;
    // Ours was counted when it was sent; the server's own answers the conversation as it stood.
    if (!ours) this.answering++;
    this.active = responseId === undefined ? undefined : { id: responseId, ours };
    if (!ours || !this.withdrawn || responseId === undefined) return { cancel: false };
    this.withdrawn = false;
    this.cancelled.add(responseId);
    return { cancel: true };
  }

  /**
   * The caller started speaking after our response.create went out and before the response exists:
   * it is cancelled as soon as it is created (none of its audio plays). False when none is on its way.
   */
  withdrawInFlight(): boolean {
    if (!this.inFlight) return false;
    this.withdrawn = true;
    this.onCallerTurn();
    return true;
  }

  /** response.done: a failed response of ours is asked for once more; the next request goes out. */
  onDone(responseId: string, status?: string): ResponseOutcome {
    const a = this.active;
    let outcome: ResponseOutcome = { failed: false, retried: false };
    if (a && (a.id === responseId || a.id === UNKNOWN_RESPONSE)) {
      this.active = undefined;
      if (status === 'failed') {
        const req = a.ours?.req ?? { kind: 'continue' as const };
        const retried = !a.ours?.retried;
        outcome = { failed: true, retried };
        if (retried) this.pending.unshift({ req, askedAt: this.answering, retried: true, tag: '' });
      }
    }
    this.cancelled.delete(responseId);
    this.pump();
    return outcome;
  }

  /**
   * The server refused our response.create because one of its own is active: a line is said after it,
   * a greeting is dropped (the caller is being answered), a continue waits for a response that starts
   * after this one.
   */
  onAlreadyActive(): void {
    const refused = this.inFlight;
    this.inFlight = undefined;
    if (this.withdrawn) {
      this.withdrawn = false;
      return;
    }
    this.active ??= { id: UNKNOWN_RESPONSE, ours: undefined };
    if (!refused || refused.req.kind === 'greeting') return;
    this.pending.unshift({ ...refused, askedAt: this.answering });
  }

  /**
   * The caller talked over the active response, or over ours on its way: the server answers their turn (server VAD creates a
   * response) after every item added so far, so a continue already waiting is answered by it rather
   * than sent over the caller once the cancelled response is done.
   */
  onCallerTurn(): void {
    this.answering++;
  }

  /**
   * Marks the active response cancelled (its late deltas are dropped from now on) and returns true when
   * there was one, so the caller sends response.cancel.
   */
  cancelActive(): boolean {
    if (!this.active || this.active.id === UNKNOWN_RESPONSE) return this.active !== undefined;
    this.cancelled.add(this.active.id);
    return true;
  }

  isCancelled(responseId: string): boolean {
    return this.cancelled.has(responseId);
  }

  /** The session is gone: nothing is active, asked for or waiting any more. */
  reset(): void {
    this.active = undefined;
    this.inFlight = undefined;
    this.withdrawn = false;
    this.pending.length = 0;
    this.cancelled.clear();
  }

  private pump(): void {
    while (!this.isBusy && this.sink.canSend) {
      const next = this.pending.shift();
      if (!next) return;
      const stale =
        // A greeting is stale once any response started, unless it is the failed greeting's retry.
        (next.req.kind === 'greeting' && !next.retried && this.started > 0) ||
        (next.req.kind === 'continue' && !next.retried && this.answering > next.askedAt);
      if (stale) continue;
      this.send(next);
    }
  }

  private send(r: Request): void {
    r.tag = `req_${++this.tags}`;
    this.inFlight = r;
    // A continue answers what the conversation held when it was sent: the server takes client events
    // in order, so an item added after this create (a tool's output, keypad digits) needs a response of
    // its own, even when it is asked for before this one's response.created arrives.
    if (r.req.kind === 'continue') this.answering++;
    const response: NonNullable<Extract<RealtimeClientEvent, { type: 'response.create' }>['response']> = {
      metadata: { [REQUEST_TAG]: r.tag },
    };
    if (r.req.kind !== 'continue') {
      const base = this.sink.sessionInstructions;
      // Per-response instructions replace the session's: keep the brand's prompt in front of the line.
      response.instructions = base ? `${base}\n\n${r.req.line}` : r.req.line;
    }
    this.sink.send({ type: 'response.create', response });
  }
}

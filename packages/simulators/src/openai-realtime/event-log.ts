/**
 * Per-session ordered log of every client and server event, with the accessors tests assert on
 * (e.g. that `response.cancel` came before `conversation.item.truncate`).
 */

/** Which way an event travelled. */
export type EventDirection = 'client' | 'server';

/** One logged event. */
export interface LoggedEvent {
  /** Position in the session's log (0-based, client and server interleaved). */
  seq: number;
  /** Clock time when it was received or written to the socket. */
  atMs: number;
  direction: EventDirection;
  /** The event's `type` (`(malformed)` for unparseable client text, `(missing)` without a type). */
  type: string;
  /** The event as parsed / sent. */
  event: Record<string, unknown>;
}

/** Predicate for {@link EventLog.waitFor}. */
export type EventPredicate = (entry: LoggedEvent) => boolean;

interface Waiter {
  predicate: EventPredicate;
  resolve: (entry: LoggedEvent) => void;
  reject: (err: Error) => void;
  timer: ReturnType<typeof setTimeout>;
}

/** Default wait in {@link EventLog.waitFor}. */
export const DEFAULT_WAIT_TIMEOUT_MS = 5000;

/** What a log keeps of audio (the simulator's `logAudioPayloads` and `logAudioEvents`). */
export interface AudioLogPolicy {
  /** Keep base64 audio in logged events; false: a length note instead ({@link redactAudio}). */
  payloads: boolean;
  /** Log audio events (`input_audio_buffer.append`, `response.output_audio.delta`) at all. */
  events: boolean;
}

const AUDIO_EVENTS = new Set(['input_audio_buffer.append', 'response.output_audio.delta']);

/** Ordered event log with waiters. */
export class EventLog {
  private readonly list: LoggedEvent[] = [];
  private waiters: Waiter[] = [];
  private readonly now: () => number;
  private readonly audio: AudioLogPolicy;

  constructor(now: () => number, audio: AudioLogPolicy = { payloads: true, events: true }) {
    this.now = now;
    this.audio = audio;
  }

  /** All events, in order. */
  get entries(): readonly LoggedEvent[] {
    return this.list;
  }

  /**
   * Appends an event, as the audio policy keeps it, and wakes waiters it satisfies; an audio event the
   * policy leaves out is not logged (undefined).
   */
  record(direction: EventDirection, type: string, event: Record<string, unknown>): LoggedEvent | undefined {
    if (!this.audio.events && AUDIO_EVENTS.has(type)) return undefined;
    const kept = this.audio.payloads ? event : redactAudio(event);
    const entry: LoggedEvent = { seq: this.list.length, atMs: this.now(), direction, type, event: kept };
    this.list.push(entry);
    if (this.waiters.length > 0) {
      const still: Waiter[] = [];
      for (const w of this.waiters) {
        if (w.predicate(entry)) {
          clearTimeout(w.timer);
          w.resolve(entry);
        } else still.push(w);
      }
      this.waiters = still;
    }
    return entry;
  }

  /** Client events, optionally of one type. */
  received(type?: string): LoggedEvent[] {
    return this.list.filter((e) => e.direction === 'client' && (type === undefined || e.type === type));
  }

  /** Server events, optionally of one type. */
  sent(type?: string): LoggedEvent[] {
    return this.list.filter((e) => e.direction === 'server' && (type === undefined || e.type === type));
  }

  /**
   * Resolves with the first logged event (past or future) matching `predicate`; rejects after
   * `timeoutMs`. Pass `fromSeq` to ignore events logged before that position.
   */
  waitFor(
    predicate: EventPredicate,
    options: { timeoutMs?: number; fromSeq?: number } = {},
  ): Promise<LoggedEvent> {
    const from = options.fromSeq ?? 0;
    const found = this.list.find((e) => e.seq >= from && predicate(e));
    if (found) return Promise.resolve(found);
    return new Promise((resolve, reject) => {
      const timeoutMs = options.timeoutMs ?? DEFAULT_WAIT_TIMEOUT_MS;
      const waiter: Waiter = {
        predicate,
        resolve,
        reject,
        timer: setTimeout(() => {
          this.waiters = this.waiters.filter((w) => w !== waiter);
          reject(new Error(`waitFor: no matching event within ${timeoutMs} ms`));
        }, timeoutMs),
      };
      this.waiters.push(waiter);
    });
  }

  /** Rejects every pending waiter (the session ended). */
  failWaiters(reason: string): void {
    for (const w of this.waiters) {
      clearTimeout(w.timer);
      w.reject(new Error(reason));
    }
    this.waiters = [];
  }
}

/** The event with its base64 audio replaced by a length note (for long benchmark calls). */
export function redactAudio(event: Record<string, unknown>): Record<string, unknown> {
  const out = { ...event };
  for (const key of ['audio', 'delta'] as const) {
    if (key === 'delta' && event.type !== 'response.output_audio.delta') continue;
    if (typeof out[key] === 'string') out[key] = `<base64 ${(out[key] as string).length} chars>`;
  }
  return out;
}

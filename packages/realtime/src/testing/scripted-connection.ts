import { AsyncQueue } from '../async-queue.ts';
import { checkServerEvent, decodeServerEvent } from '../event-guards.ts';
import type {
  RealtimeClientEvent,
  RealtimeCloseInfo,
  RealtimeConnection,
  RealtimeConnector,
  RealtimeEventResult,
  RealtimeServerEvent,
} from '../types.ts';

/**
 * An in-memory RealtimeConnection for unit tests: the test plays the server (`emit`), and every client
 * event sent is recorded in order (`sent`). Ships with the package so every consumer tests against the
 * same double.
 */
export class ScriptedRealtimeConnection implements RealtimeConnection {
  readonly events = new AsyncQueue<RealtimeEventResult>();
  readonly sent: RealtimeClientEvent[] = [];
  readonly closed: Promise<RealtimeCloseInfo>;
  private resolveClosed!: (info: RealtimeCloseInfo) => void;
  private isClosed = false;
  private readonly listeners: Array<(e: RealtimeClientEvent) => void> = [];

  constructor() {
    this.closed = new Promise((r) => {
      this.resolveClosed = r;
    });
  }

  send(event: RealtimeClientEvent): void {
    if (this.isClosed) return;
    this.sent.push(event);
    for (const l of this.listeners) l(event);
  }

  appendAudio(audioBase64: string): void {
    this.send({ type: 'input_audio_buffer.append', audio: audioBase64 });
  }

  /** Calls `listener` for every client event sent from now on. */
  onSend(listener: (e: RealtimeClientEvent) => void): void {
    this.listeners.push(listener);
  }

  /** Delivers a server event to the client, checked as the production connection checks it. */
  emit(event: RealtimeServerEvent | (Record<string, unknown> & { type: string })): void {
    this.events.push(checkServerEvent(event));
  }

  /** Delivers a raw text frame, as the socket would. */
  emitRaw(text: string): void {
    this.events.push(decodeServerEvent(text));
  }

  /** Client events of one type, in order. */
  sentOfType<T extends RealtimeClientEvent['type']>(type: T): Extract<RealtimeClientEvent, { type: T }>[] {
    return this.sent.filter((e) => e.type === type) as Extract<RealtimeClientEvent, { type: T }>[];
  }

  get closedNow(): boolean {
    return this.isClosed;
  }

  close(code = 1000, reason = ''): void {
    this.finish({ code, reason, byClient: true });
  }

  /** The server side drops the socket. */
  drop(code = 1006, reason = ''): void {
    this.finish({ code, reason, byClient: false });
  }

  private finish(info: RealtimeCloseInfo): void {
    if (this.isClosed) return;
    this.isClosed = true;
    this.events.end();
    this.resolveClosed(info);
  }
}

/**
 * A connector handing out scripted connections; `connections` lists every one opened. Set `fail` (at
 * any time) to make the following attempts reject, or `hold` to make them wait for it first (a slow
 * handshake); `attempts` counts every call.
 */
export function scriptedConnector(opts: { fail?: Error; hold?: Promise<unknown> } = {}): RealtimeConnector & {
  connections: ScriptedRealtimeConnection[];
  options: { fail?: Error; hold?: Promise<unknown> };
  attempts: number;
} {
  const connections: ScriptedRealtimeConnection[] = [];
  const state = Object.assign(
    async () => {
      state.attempts++;
      if (state.options.hold) await state.options.hold;
      if (state.options.fail) throw state.options.fail;
      const c = new ScriptedRealtimeConnection();
      connections.push(c);
      return c;
    },
    { connections, options: opts, attempts: 0 },
  );
  return state;
}

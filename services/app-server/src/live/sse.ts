import type { FastifyReply, FastifyRequest } from 'fastify';

/** Keeps proxies and browsers from timing an idle stream out. */
const HEARTBEAT_MS = 15_000;

/** An open server-sent events stream. */
export interface SseStream {
  /** `id`: the event id a reconnecting client sends back as Last-Event-ID. */
  send(event: string, data: unknown, id?: number): void;
  /** Resolves when the client goes away or the server closes the stream. */
  readonly closed: Promise<void>;
  close(): void;
}

/** How often open streams re-check the credentials they were opened with (other replicas' revocations). */
const RECHECK_MS = 30_000;

/**
 * Open streams: ended when the app closes (they would hold the server open), and when the session
 * they were opened with ends. Each stream re-checks its request's credentials when told sessions ended
 * (sign-out, revocation, disabled account), every 30 s, and closes at its session's expiry.
 */
export class SseRegistry {
  private readonly open = new Map<SseStream, FastifyRequest>();
  private timer: NodeJS.Timeout | undefined;

  /** `stillValid`: whether the request's credentials still hold (the authenticator's identify). */
  constructor(private readonly stillValid: (req: FastifyRequest) => Promise<boolean> = async () => true) {}

  add(s: SseStream, req: FastifyRequest): void {
    this.open.set(s, req);
    const expiresAtMs = req.principal?.expiresAtMs;
    const expiry =
      expiresAtMs === undefined
        ? undefined
        : setTimeout(() => s.close(), Math.max(0, Math.min(expiresAtMs - Date.now(), 2 ** 31 - 1)));
    expiry?.unref();
    this.timer ??= setInterval(() => void this.recheckAll(), RECHECK_MS);
    this.timer.unref();
    void s.closed.then(() => {
      clearTimeout(expiry);
      this.open.delete(s);
      if (!this.open.size && this.timer) {
        clearInterval(this.timer);
        this.timer = undefined;
      }
    });
  }

  /** Closes every stream whose credentials no longer hold. */
  async recheckAll(): Promise<void> {
    await Promise.all(
      [...this.open].map(async ([s, req]) => {
        const ok = await this.stillValid(req).catch(() => false);
        if (!ok) s.close();
      }),
    );
  }

  closeAll(): void {
    for (const s of this.open.keys()) s.close();
  }
  get size(): number {
    return this.open.size;
  }
}

/** Takes over the reply and starts an event stream; the caller sends events and unsubscribes on close. */
export function openSse(req: FastifyRequest, reply: FastifyReply, registry: SseRegistry): SseStream {
  reply.hijack();
  const res = reply.raw;
  res.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-store',
    connection: 'keep-alive',
    'x-accel-buffering': 'no',
  });
  // Tells EventSource how long to wait before reconnecting, and flushes the headers.
  res.write('retry: 2000\n\n');
  let done = false;
  let resolveClosed!: () => void;
  const closed = new Promise<void>((r) => {
    resolveClosed = r;
  });
  const heartbeat = setInterval(() => {
    if (!done) res.write(': ping\n\n');
  }, HEARTBEAT_MS);
  heartbeat.unref();
  const finish = () => {
    if (done) return;
    done = true;
    clearInterval(heartbeat);
    resolveClosed();
  };
  req.raw.on('close', finish);
  res.on('close', finish);
  res.on('error', finish);
  const stream: SseStream = {
    send(event, data, id) {
      if (done) return;
      // JSON never contains a raw newline, so one data line carries the whole payload.
      const idLine = id === undefined ? '' : `id: ${id}\n`;
      res.write(`event: ${event}\n${idLine}data: ${JSON.stringify(data)}\n\n`);
    },
    closed,
    close() {
      if (done) return;
      finish();
      res.end();
    },
  };
  registry.add(stream, req);
  return stream;
}

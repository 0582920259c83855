import type { FastifyReply, FastifyRequest } from 'fastify';

/** Keeps proxies and browsers from timing an idle stream out. */
const HEARTBEAT_MS = 15_000;

/** An open server-sent events stream. */
export interface SseStream {
  send(event: string, data: unknown): void;
  /** Resolves when the client goes away or the server closes the stream. */
  readonly closed: Promise<void>;
  close(): void;
}

/** Streams that must end when the app closes (they would hold the server open). */
export class SseRegistry {
  private readonly open = new Set<SseStream>();
  add(s: SseStream): void {
    this.open.add(s);
    void s.closed.then(() => this.open.delete(s));
  }
  closeAll(): void {
    for (const s of this.open) s.close();
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
    send(event, data) {
      if (done) return;
      // JSON never contains a raw newline, so one data line carries the whole payload.
      res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
    },
    closed,
    close() {
      if (done) return;
      finish();
      res.end();
    },
  };
  registry.add(stream);
  return stream;
}

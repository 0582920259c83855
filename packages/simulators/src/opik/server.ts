/**
 * The Opik capture server: the endpoints the `opik` SDK's tracing path calls (found by pointing the
 * SDK at a recorder): `POST /api/v1/private/traces/batch` and `/spans/batch`, `PATCH
 * /api/v1/private/traces/{id}` and `/spans/{id}` for updates after a flush, `PUT
 * /api/v1/private/traces/feedback-scores` and `/spans/feedback-scores`. Set `OPIK_URL_OVERRIDE` (the
 * SDK's `apiUrl`) to `sim.apiUrl`. Modes: `up` (answers 204 like Opik), `stall` (accepts the request and
 * never answers), `down` (nothing listens: connections are refused), `error` (503).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { listenLocal } from '../support/local-server.ts';
import { StateWaiters } from '../support/waiters.ts';
import { type CapturedRequest, type OpikRecord, type OpikScore, OpikStore } from './store.ts';

/** How the server behaves. */
export type OpikMode = 'up' | 'stall' | 'down' | 'error';

/** Options of {@link startOpikCaptureServer}. */
export interface OpikCaptureOptions {
  mode?: OpikMode;
  /** Require this `authorization` header value (Opik Cloud API key); default: none. */
  apiKey?: string;
  host?: string;
  port?: number;
}

/** A running capture server. */
export interface OpikCaptureServer {
  /** `http://127.0.0.1:PORT/api`: `OPIK_URL_OVERRIDE`, the SDK's `apiUrl`. */
  readonly apiUrl: string;
  readonly port: number;
  readonly store: OpikStore;
  readonly mode: OpikMode;
  /** Requests held unanswered in `stall` mode. */
  readonly stalled: number;
  setMode(mode: OpikMode): Promise<void>;
  /** Resolves once `predicate(store)` holds (checked after every request). */
  waitFor(predicate: (store: OpikStore) => boolean, timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const BATCH_MAX = 1000;
const ROUTE = /^\/api\/v1\/private\/(traces|spans)(?:\/(batch|feedback-scores|[^/]+))?$/;

/** Starts the capture server on 127.0.0.1 (ephemeral port unless `port` is given). */
export async function startOpikCaptureServer(options: OpikCaptureOptions = {}): Promise<OpikCaptureServer> {
  const store = new OpikStore();
  const host = options.host ?? '127.0.0.1';
  let mode: OpikMode = 'up';
  const sockets = new Set<Socket>();
  const held = new Set<ServerResponse>();
  const waiters = new StateWaiters();
  const notify = () => waiters.notify();

  const server: Server = createServer((req, res) => {
    readJson(req).then(
      (body) => handle(req, res, body),
      () => answer(res, req, 400, { errors: ['Unable to process JSON'] }, undefined),
    );
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });

  function answer(res: ServerResponse, req: IncomingMessage, status: number, body: unknown, input: unknown) {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    store.requests.push({ method: req.method ?? '', path, status, body: input });
    res.writeHead(status, body === undefined ? {} : { 'content-type': 'application/json' });
    res.end(body === undefined ? undefined : JSON.stringify(body));
    notify();
  }

  function handle(req: IncomingMessage, res: ServerResponse, body: unknown) {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    if (mode === 'stall') {
      store.requests.push({ method: req.method ?? '', path, status: 'stalled', body });
      held.add(res);
      res.on('close', () => held.delete(res));
      notify();
      return;
    }
    if (mode === 'error') return answer(res, req, 503, { errors: ['Service Unavailable'] }, body);
    if (options.apiKey !== undefined && req.headers.authorization !== options.apiKey) {
      return answer(res, req, 401, { errors: ['User not allowed to access workspace'] }, body);
    }
    const match = ROUTE.exec(path);
    if (!match) return answer(res, req, 404, { errors: [`HTTP 404 Not Found`] }, body);
    const kind = match[1] as 'traces' | 'spans';
    const sub = match[2];
    const problem = route(req.method ?? '', kind, sub, body);
    if (problem) return answer(res, req, problem.status, { errors: [problem.message] }, body);
    answer(res, req, 204, undefined, body);
  }

  function route(method: string, kind: 'traces' | 'spans', sub: string | undefined, body: unknown) {
    if (sub === 'batch' && method === 'POST') {
      const list = (body as Record<string, unknown> | null)?.[kind];
      const problem = checkBatch(list, kind);
      if (problem) return { status: 422, message: problem };
      if (kind === 'traces') store.addTraces(list as OpikRecord[]);
      else store.addSpans(list as OpikRecord[]);
      return null;
    }
    if (sub === 'feedback-scores' && method === 'PUT') {
      const scores = (body as Record<string, unknown> | null)?.scores;
      if (!Array.isArray(scores) || scores.length === 0)
        return { status: 422, message: 'scores size must be between 1 and 1000' };
      for (const [i, s] of scores.entries()) {
        const score = s as Record<string, unknown>;
        if (
          typeof score.id !== 'string' ||
          typeof score.name !== 'string' ||
          typeof score.value !== 'number'
        ) {
          return { status: 422, message: `scores[${i}] needs id, name and a numeric value` };
        }
      }
      (kind === 'traces' ? store.traceScores : store.spanScores).push(...(scores as OpikScore[]));
      return null;
    }
    if (sub && UUID.test(sub) && method === 'PATCH') {
      if (typeof body !== 'object' || body === null)
        return { status: 422, message: 'request body must be an object' };
      if (!store.update(kind, sub, body as Record<string, unknown>)) {
        // Opik accepts updates for records it has not seen yet; the store keeps them as partial records
        if (kind === 'traces') store.addTraces([{ ...(body as Record<string, unknown>), id: sub }]);
        else store.addSpans([{ ...(body as Record<string, unknown>), id: sub }]);
      }
      return null;
    }
    return { status: 405, message: `HTTP 405 Method Not Allowed` };
  }

  const port = await listenLocal(server, options.port, host);
  const listen = () => listenLocal(server, port, host);

  const sim: OpikCaptureServer = {
    apiUrl: `http://${host}:${port}/api`,
    port,
    store,
    get mode() {
      return mode;
    },
    get stalled() {
      return held.size;
    },
    async setMode(next) {
      if (next === mode) return;
      const wasDown = mode === 'down';
      mode = next;
      if (next === 'down') {
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          for (const s of sockets) s.destroy();
        });
      } else if (wasDown) await listen();
    },
    async waitFor(predicate, timeoutMs = 5000) {
      await waiters.until(
        () => (predicate(store) ? true : undefined),
        timeoutMs,
        `Opik capture: condition not met within ${timeoutMs} ms`,
      );
    },
    async close() {
      for (const s of sockets) s.destroy();
      if (mode !== 'down') await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  if (options.mode && options.mode !== 'up') await sim.setMode(options.mode);
  return sim;
}

function checkBatch(list: unknown, kind: 'traces' | 'spans'): string | null {
  if (!Array.isArray(list) || list.length === 0 || list.length > BATCH_MAX) {
    return `${kind} size must be between 1 and ${BATCH_MAX}`;
  }
  for (const [i, item] of list.entries()) {
    const r = item as Record<string, unknown> | null;
    if (typeof r !== 'object' || r === null) return `${kind}[${i}] must be an object`;
    if (typeof r.id !== 'string' || !UUID.test(r.id)) return `${kind}[${i}].id must be a UUID`;
    if (typeof r.start_time !== 'string') return `${kind}[${i}].start_time must not be null`;
    if (kind === 'spans' && (typeof r.trace_id !== 'string' || !UUID.test(r.trace_id))) {
      return `spans[${i}].trace_id must be a UUID`;
    }
  }
  return null;
}

function readJson(req: IncomingMessage): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('error', reject);
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      if (text === '') return resolve(undefined);
      try {
        resolve(JSON.parse(text));
      } catch (err) {
        reject(err);
      }
    });
  });
}

export type { CapturedRequest, OpikRecord, OpikScore };

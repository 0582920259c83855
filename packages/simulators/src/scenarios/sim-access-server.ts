/**
 * {@link SimulatorAccess} over HTTP, so call-sim in another process can run scenarios against a stack
 * on the simulators (the demo's `--serve`): `GET /target`, `POST /calls` (the model's script, answered
 * with a mark), `GET /calls/{CallSid}/updates` (the call's REST updates as server-sent events) and
 * `GET /traces/{mark}`; for outbound scenarios `POST /outbound-callees` (the scenario whose turns the
 * next call to its `to` answers with) and `GET /outbound/{CallSid}/callee` (what that callee experienced,
 * once the call is over). It listens on loopback only: it hands out the stack's made-up credentials.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseScenario } from '../openai-realtime/scenario.ts';
import { parseScenarioText } from './scenario-file.ts';
import type { LoadedScenario } from './scenario-types.ts';
import type { SimulatorAccess } from './sim-access.ts';

/** A running access server. */
export interface SimAccessServer {
  /** `http://127.0.0.1:PORT`: give it to `call-sim run --target`. */
  readonly url: string;
  close(): Promise<void>;
}

const MAX_BODY_BYTES = 256 * 1024;
const CALL_UPDATES = /^\/calls\/(CA[0-9a-f]{32})\/updates$/;
const TRACE = /^\/traces\/(\d{1,6})$/;
const OUTBOUND_CALLEE = /^\/outbound\/(CA[0-9a-f]{32})\/callee$/;

/** Serves `access` on 127.0.0.1 (`port` 0: an ephemeral one). */
export async function startSimAccessServer(access: SimulatorAccess, port = 0): Promise<SimAccessServer> {
  const streams = new Set<ServerResponse>();
  const server = createServer((req, res) => {
    handle(access, req, res, streams).catch((err: unknown) => {
      if (!res.headersSent) send(res, 500, { error: (err as Error).message });
      else res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  const { port: actual } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${actual}`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of streams) s.end();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

async function handle(
  access: SimulatorAccess,
  req: IncomingMessage,
  res: ServerResponse,
  streams: Set<ServerResponse>,
): Promise<void> {
  const path = new URL(req.url ?? '/', 'http://local').pathname;
  if (req.method === 'GET' && path === '/target') return send(res, 200, await access.info());
  if (req.method === 'POST' && path === '/calls') {
    let model: ReturnType<typeof parseScenario>;
    try {
      model = parseScenario(JSON.parse(await body(req)).model ?? {});
    } catch (err) {
      return send(res, 400, { error: (err as Error).message });
    }
    return send(res, 201, { mark: await access.beginCall(model) });
  }
  const updates = CALL_UPDATES.exec(path);
  if (req.method === 'GET' && updates) {
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store' });
    res.write(': following\n\n');
    streams.add(res);
    const stop = await access.followCall(updates[1]!, (update) => {
      res.write(`event: update\ndata: ${JSON.stringify(update)}\n\n`);
    });
    res.on('close', () => {
      streams.delete(res);
      stop();
    });
    return;
  }
  if (req.method === 'POST' && path === '/outbound-callees') {
    if (!access.answerOutbound) return send(res, 404, { error: 'this stack offers no outbound dialer' });
    let loaded: LoadedScenario;
    try {
      const text = await body(req);
      const parsed = JSON.parse(text) as { file?: unknown; scenario?: unknown };
      // The scenario is checked against its schema as a file would be.
      loaded = parseScenarioText(JSON.stringify(parsed.scenario ?? null), String(parsed.file ?? 'scenario'));
      loaded = { ...loaded, file: String(parsed.file ?? 'scenario') };
    } catch (err) {
      return send(res, 400, { error: (err as Error).message });
    }
    await access.answerOutbound(loaded);
    return send(res, 201, { ok: true });
  }
  const callee = OUTBOUND_CALLEE.exec(path);
  if (req.method === 'GET' && callee) {
    if (!access.outboundCallee) return send(res, 404, { error: 'this stack offers no outbound dialer' });
    return send(res, 200, { callee: (await access.outboundCallee(callee[1]!)) ?? null });
  }
  const trace = TRACE.exec(path);
  if (req.method === 'GET' && trace) return send(res, 200, await access.trace(trace[1]!));
  send(res, 404, { error: 'not found' });
}

function send(res: ServerResponse, status: number, value: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(value));
}

function body(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let size = 0;
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        reject(new Error('body too large'));
        req.destroy();
      } else chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

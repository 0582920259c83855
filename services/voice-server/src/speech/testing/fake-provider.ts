/**
 * A provider that misbehaves on purpose (tests only): a local HTTP server whose WebSocket upgrades and
 * requests are answered by the test, so it can send what the simulators never do (malformed messages).
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type WebSocket, WebSocketServer } from 'ws';

export interface FakeProvider {
  /** `http://127.0.0.1:PORT`, a base URL for the adapters. */
  readonly baseUrl: string;
  close(): Promise<void>;
}

/** Starts a fake provider; `onSocket` gets each WebSocket, `onRequest` each plain HTTP request. */
export async function startFakeProvider(handlers: {
  onSocket?: (ws: WebSocket, req: IncomingMessage) => void;
  onRequest?: (req: IncomingMessage, res: ServerResponse) => void;
}): Promise<FakeProvider> {
  const wss = new WebSocketServer({ noServer: true });
  const server = createServer((req, res) => {
    if (handlers.onRequest) handlers.onRequest(req, res);
    else res.writeHead(404).end();
  });
  server.on('upgrade', (req, socket, head) => {
    socket.on('error', () => {});
    wss.handleUpgrade(req, socket, head, (ws) => {
      ws.on('error', () => {});
      handlers.onSocket?.(ws, req);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    async close() {
      for (const ws of wss.clients) ws.terminate();
      server.closeAllConnections();
      await new Promise<void>((resolve) => wss.close(() => server.close(() => resolve())));
    },
  };
}

/** Reads a request's body. */
export function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

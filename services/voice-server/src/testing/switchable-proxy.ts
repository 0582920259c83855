/**
 * A proxy in front of a local HTTP server that a test switches off (its port refuses connections) and
 * on again on the same port, and that can lose responses after the server has acted on them.
 */
import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** Forwards to app-server while on; refuses connections while off; can drop the next responses. */
export class SwitchableProxy {
  port = 0;
  /** Responses still to lose: the request reaches app-server, the client sees a broken socket. */
  loseResponses = 0;
  lost = 0;
  forwarded = 0;
  private server: http.Server | undefined;

  constructor(private readonly upstreamPort: number) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async on(): Promise<void> {
    const server = http.createServer((req, res) => this.forward(req, res));
    server.listen(this.port, '127.0.0.1');
    await once(server, 'listening');
    this.port = (server.address() as AddressInfo).port;
    this.server = server;
  }

  async off(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    const closed = once(server, 'close');
    server.close();
    server.closeAllConnections();
    await closed;
  }

  private forward(req: http.IncomingMessage, res: http.ServerResponse): void {
    const upstream = http.request(
      { host: '127.0.0.1', port: this.upstreamPort, method: req.method, path: req.url, headers: req.headers },
      (up) => {
        this.forwarded++;
        if (this.loseResponses > 0) {
          this.loseResponses--;
          this.lost++;
          up.resume();
          up.once('end', () => req.socket.destroy());
          return;
        }
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
      },
    );
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  }
}

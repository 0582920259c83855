// A TCP relay the cross-service tests put in front of a peer (ai-server, app-server, the Realtime API)
// to take it off the network and bring it back, without stopping the peer itself.
import { createServer, type Server, type Socket, connect as tcpConnect } from 'node:net';

/** A switchable TCP relay on 127.0.0.1; see {@link startTcpProxy}. */
export interface TcpProxy {
  readonly port: number;
  /** `http://127.0.0.1:<port>`. */
  readonly httpUrl: string;
  /** Where connections go from now on (connections already relayed keep their peer). */
  setTarget(port: number, host?: string): void;
  /**
   * The peer goes off the network: every relayed connection is cut (reset, no close handshake) and
   * every new one is reset as soon as it is accepted, as a host that went away answers.
   */
  off(): void;
  /** Relays again. */
  on(): void;
  readonly isOn: boolean;
  /** Connections relayed so far. */
  readonly relayed: number;
  /** Connections reset because the proxy was off (or had no target yet). */
  readonly refused: number;
  close(): Promise<void>;
}

/** Starts a relay on an ephemeral port; it refuses connections until {@link TcpProxy.setTarget}. */
export async function startTcpProxy(): Promise<TcpProxy> {
  let target: { port: number; host: string } | undefined;
  let enabled = true;
  let relayed = 0;
  let refused = 0;
  const live = new Set<Socket>();

  const server: Server = createServer((client) => {
    if (!enabled || !target) {
      refused++;
      client.resetAndDestroy();
      return;
    }
    relayed++;
    const upstream = tcpConnect(target.port, target.host);
    live.add(client);
    live.add(upstream);
    const cut = () => {
      // A reset, not a FIN: the far side sees the connection break, as when a peer disappears.
      if (!client.destroyed) client.resetAndDestroy();
      if (!upstream.destroyed) upstream.resetAndDestroy();
      live.delete(client);
      live.delete(upstream);
    };
    client.on('error', cut);
    upstream.on('error', cut);
    client.on('close', () => {
      live.delete(client);
      upstream.end();
    });
    upstream.on('close', () => {
      live.delete(upstream);
      client.end();
    });
    client.pipe(upstream);
    upstream.pipe(client);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;

  return {
    port,
    httpUrl: `http://127.0.0.1:${port}`,
    setTarget(p, host = '127.0.0.1') {
      target = { port: p, host };
    },
    off() {
      enabled = false;
      for (const s of [...live]) if (!s.destroyed) s.resetAndDestroy();
      live.clear();
    },
    on() {
      enabled = true;
    },
    get isOn() {
      return enabled;
    },
    get relayed() {
      return relayed;
    },
    get refused() {
      return refused;
    },
    async close() {
      for (const s of [...live]) s.destroy();
      live.clear();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** The port of an `http://host:port` or `ws://host:port/...` URL. */
export function portOf(url: string): number {
  return Number(new URL(url).port);
}

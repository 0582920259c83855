/**
 * Listening and stopping for the simulators' HTTP servers: listen on a host and port (0 = any free
 * port) and report the port; stop the WebSocket server and every open connection, then the listener.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { WebSocketServer } from 'ws';

/** The host simulators listen on unless told otherwise. */
export const LOCAL_HOST = '127.0.0.1';

/** Listens; resolves with the port (the ephemeral one when `port` is 0). */
export async function listenLocal(server: Server, port = 0, host = LOCAL_HOST): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return (server.address() as AddressInfo).port;
}

/** Stops the WebSocket server, drops every connection and closes the listener. */
export async function closeLocal(server: Server, wss?: WebSocketServer): Promise<void> {
  if (wss) await new Promise<void>((resolve) => wss.close(() => resolve()));
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
}

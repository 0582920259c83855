import type { Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket, WebSocketServer } from 'ws';
import { WsCallTransport } from './ws-call-transport.ts';

const SID = 'MZ00000000000000000000000000000001';
const closers: Array<() => void> = [];
afterEach(() => {
  for (const c of closers.splice(0)) c();
});

/** A connected pair: our transport on the server side, a plain client playing Twilio. */
async function pair() {
  const wss = new WebSocketServer({ port: 0, host: '127.0.0.1' });
  await new Promise<void>((r) => wss.once('listening', () => r()));
  const port = (wss.address() as { port: number }).port;
  const serverSide = new Promise<WebSocket>((r) => wss.once('connection', r));
  const client = new WebSocket(`ws://127.0.0.1:${port}`);
  const received: string[] = [];
  client.on('message', (d) => received.push(String(d)));
  await new Promise<void>((r) => client.once('open', () => r()));
  const socket = await serverSide;
  closers.push(() => {
    client.terminate();
    wss.close();
  });
  const transport = new WsCallTransport(socket, 64 * 1024);
  transport.setStreamSid(SID);
  const tcp = (socket as unknown as { _socket: Socket })._socket;
  return { transport, received, tcp };
}

const until = async (cond: () => boolean) => {
  for (let i = 0; i < 200 && !cond(); i++) await new Promise((r) => setTimeout(r, 5));
};

describe('WsCallTransport', () => {
  it('writes a media frame and its mark to the kernel in one write', async () => {
    const { transport, received, tcp } = await pair();
    const writes: number[] = [];
    const writev = tcp._writev!.bind(tcp);
    const write = tcp._write.bind(tcp);
    tcp._writev = (chunks, cb) => {
      writes.push(chunks.length);
      writev(chunks, cb);
    };
    tcp._write = (chunk, enc, cb) => {
      writes.push(1);
      write(chunk, enc, cb);
    };
    transport.sendMediaWithMark('AAAA', '0.1');
    expect(writes).toHaveLength(1);
    await until(() => received.length === 2);
    expect(received.map((m) => JSON.parse(m))).toEqual([
      { event: 'media', streamSid: SID, media: { payload: 'AAAA' } },
      { event: 'mark', streamSid: SID, mark: { name: '0.1' } },
    ]);
  });

  it('sends nothing once the socket is closed', async () => {
    const { transport, received } = await pair();
    transport.close(1000);
    transport.sendMediaWithMark('AAAA', '0.1');
    transport.sendClear();
    await new Promise((r) => setTimeout(r, 30));
    expect(received).toEqual([]);
  });
});

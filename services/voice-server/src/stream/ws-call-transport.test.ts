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

/** The writes that reach the kernel, each as its number of chunks (a frame's header and payload are two). */
function countWrites(tcp: Socket): number[] {
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
  return writes;
}

const nextTick = () => new Promise<void>((r) => process.nextTick(r));

describe('WsCallTransport', () => {
  it('writes a media frame and its mark to the kernel in one write', async () => {
    const { transport, received, tcp } = await pair();
    const writes = countWrites(tcp);
    transport.sendMediaWithMark('AAAA', '0.1');
    // Held until the end of the tick, then one write.
    expect(writes).toHaveLength(0);
    await nextTick();
    expect(writes).toEqual([4]);
    await until(() => received.length === 2);
    expect(received.map((m) => JSON.parse(m))).toEqual([
      { event: 'media', streamSid: SID, media: { payload: 'AAAA' } },
      { event: 'mark', streamSid: SID, mark: { name: '0.1' } },
    ]);
  });

  it('writes a burst sent in one tick in one write, in order, and the next tick in another', async () => {
    const { transport, received, tcp } = await pair();
    const writes = countWrites(tcp);
    // A burst of model audio read in one go: frames, a mark with the fourth, a closing mark, a clear.
    for (let i = 0; i < 5; i++) {
      if (i === 3) transport.sendMediaWithMark(`AAA${i}`, 'm.1');
      else transport.sendMedia(`AAA${i}`);
    }
    transport.sendMark('m.2');
    transport.sendClear();
    await nextTick();
    expect(writes).toEqual([16]);
    transport.sendMedia('BBBB');
    await nextTick();
    expect(writes).toEqual([16, 2]);
    await until(() => received.length === 9);
    expect(
      received.map((m) => JSON.parse(m).media?.payload ?? JSON.parse(m).mark?.name ?? JSON.parse(m).event),
    ).toEqual(['AAA0', 'AAA1', 'AAA2', 'AAA3', 'm.1', 'AAA4', 'm.2', 'clear', 'BBBB']);
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

// The browser's transport on its own, over a stand-in socket: the browser's 16 kHz PCM16 becomes the
// 20 ms mu-law frames with running timestamps the session core reads from Twilio, marks and stop come
// through as Twilio's, the core's frames go back as 16 kHz PCM16, and a bad frame closes with 1007.
import { EventEmitter } from 'node:events';
import type { DecodeResult, TwilioInbound } from '@switchboard/telephony';
import { describe, expect, it } from 'vitest';
import type { WebSocket } from 'ws';
import { pcm16ToBytes } from './web-call-protocol.ts';
import { WebCallTransport } from './web-call-transport.ts';

class FakeSocket extends EventEmitter {
  readonly OPEN = 1;
  readonly CONNECTING = 0;
  readyState = 1;
  readonly sent: Array<string | Buffer> = [];
  closedWith: [number, string] | undefined;
  send(data: string | Buffer): void {
    this.sent.push(data);
  }
  close(code: number, reason: string): void {
    this.closedWith = [code, reason];
    this.readyState = 3;
  }
  fromBrowser(data: string | Buffer): void {
    this.emit('message', Buffer.isBuffer(data) ? data : Buffer.from(data), Buffer.isBuffer(data));
  }
}

function setUp() {
  const socket = new FakeSocket();
  const malformed: string[] = [];
  let early = 0;
  const transport = new WebCallTransport(socket as unknown as WebSocket, {
    onMalformed: (r) => malformed.push(r),
    onEarlyAudio: () => early++,
  });
  const inbound: DecodeResult<TwilioInbound>[] = [];
  const drained = transport.inbound.drain((m) => {
    inbound.push(m);
    return true;
  });
  return { socket, transport, inbound, malformed, drained, early: () => early };
}

const samples16k = (n: number) =>
  pcm16ToBytes(Int16Array.from({ length: n }, (_, i) => (i % 2 ? 1000 : -1000)));

describe('WebCallTransport', () => {
  it('hands the session 20 ms mu-law frames with running timestamps, whatever the browser’s frame size', async () => {
    const { socket, transport, inbound, early } = setUp();
    socket.fromBrowser(JSON.stringify({ type: 'start', token: 'tok' }));
    expect(await transport.startToken).toBe('tok');
    socket.fromBrowser(samples16k(320));
    expect(early()).toBe(1);
    transport.begin('WC' + '0'.repeat(32), 'MZ1');
    expect(JSON.parse(String(socket.sent[0]))).toEqual({ type: 'started', callSid: 'WC' + '0'.repeat(32) });
    // 50 ms in odd-sized pieces: two whole 20 ms frames now, the rest waits.
    for (const n of [128, 333, 339]) socket.fromBrowser(samples16k(n));
    await new Promise((r) => setImmediate(r));
    const media = inbound.flatMap((m) => (m.ok && m.message.event === 'media' ? [m.message.media] : []));
    expect(media.map((m) => m.timestamp)).toEqual([0, 20]);
    expect(media.map((m) => Buffer.from(m.payload, 'base64').length)).toEqual([160, 160]);
  });

  it('passes marks and stop through as Twilio’s, and sends the core’s audio back at 16 kHz', async () => {
    const { socket, transport, inbound } = setUp();
    socket.fromBrowser(JSON.stringify({ type: 'start', token: 't' }));
    transport.begin('WC' + '1'.repeat(32), 'MZ1');
    transport.sendMediaWithMark(Buffer.alloc(160, 0xff).toString('base64'), 'm1');
    const audio = socket.sent.find((d) => Buffer.isBuffer(d)) as Buffer;
    expect(audio.length).toBe(320 * 2);
    expect(JSON.parse(String(socket.sent.at(-1)))).toEqual({ type: 'mark', name: 'm1' });
    transport.sendClear();
    expect(JSON.parse(String(socket.sent.at(-1)))).toEqual({ type: 'clear' });
    socket.fromBrowser(JSON.stringify({ type: 'mark', name: 'm1' }));
    socket.fromBrowser(JSON.stringify({ type: 'stop' }));
    await new Promise((r) => setImmediate(r));
    const events = inbound.flatMap((m) => (m.ok ? [m.message.event] : []));
    expect(events).toEqual(['mark', 'stop']);
    expect(socket.closedWith).toEqual([1000, 'stopped']);
  });

  it('closes with 1007 on a frame that is not the wire format, and ends the session’s input', async () => {
    const { socket, transport, malformed, drained } = setUp();
    socket.fromBrowser(JSON.stringify({ type: 'start', token: 't' }));
    transport.begin('WC' + '2'.repeat(32), 'MZ1');
    socket.fromBrowser(Buffer.from([1, 2, 3]));
    expect(malformed).toEqual(['audio frame is not whole PCM16 samples']);
    expect(socket.closedWith?.[0]).toBe(1007);
    // The session's input ends with the close: the call ends without waiting for the browser.
    await drained;
  });
});

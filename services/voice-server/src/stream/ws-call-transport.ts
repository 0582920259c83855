import type { Socket } from 'node:net';
import { AsyncQueue } from '@switchboard/realtime';
import {
  type DecodeResult,
  decodeTwilioInbound,
  type TwilioInbound,
  type TwilioStreamEncoder,
  twilioStreamEncoder,
} from '@switchboard/telephony';
import type { WebSocket } from 'ws';
import type { CallTransport } from '../ports/call-transport.ts';

/** CallTransport over Twilio's Media Stream WebSocket. Frames are decoded once, here. */
export class WsCallTransport implements CallTransport {
  readonly inbound = new AsyncQueue<DecodeResult<TwilioInbound>>();
  private encode: TwilioStreamEncoder = twilioStreamEncoder('');
  /** The TCP socket under the WebSocket, corked around a media frame and its mark. */
  private readonly tcp: Pick<Socket, 'cork' | 'uncork'> | undefined;

  constructor(
    private readonly socket: WebSocket,
    maxFrameBytes: number,
  ) {
    socket.on('message', (data) =>
      this.inbound.push(decodeTwilioInbound(data as Buffer, { maxBytes: maxFrameBytes })),
    );
    socket.on('close', () => this.inbound.end());
    // Errors are followed by 'close'; the listener keeps them from becoming uncaught exceptions.
    socket.on('error', () => {});
    const tcp = (socket as unknown as { _socket?: Socket })._socket;
    this.tcp = tcp && typeof tcp.cork === 'function' ? tcp : undefined;
  }

  /** Set once the `start` message names the stream; outbound frames carry it. */
  setStreamSid(streamSid: string): void {
    this.encode = twilioStreamEncoder(streamSid);
  }

  get isOpen(): boolean {
    return this.socket.readyState === this.socket.OPEN;
  }

  sendMedia(payloadBase64: string): void {
    if (this.isOpen) this.socket.send(this.encode.media(payloadBase64));
  }

  sendMark(name: string): void {
    if (this.isOpen) this.socket.send(this.encode.mark(name));
  }

  sendMediaWithMark(payloadBase64: string, markName: string): void {
    if (!this.isOpen) return;
    // Two WebSocket messages, one write to the kernel.
    this.tcp?.cork();
    this.socket.send(this.encode.media(payloadBase64));
    this.socket.send(this.encode.mark(markName));
    this.tcp?.uncork();
  }

  sendClear(): void {
    if (this.isOpen) this.socket.send(this.encode.clear());
  }

  close(code = 1000, reason = ''): void {
    if (this.socket.readyState === this.socket.OPEN || this.socket.readyState === this.socket.CONNECTING)
      this.socket.close(code, reason);
  }
}

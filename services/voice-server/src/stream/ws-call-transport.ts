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
  /**
   * The TCP socket under the WebSocket, corked from the first message sent in a tick to the end of
   * that tick: a burst of model audio (many deltas in one read from the Realtime socket, each a media
   * frame, some with a mark) reaches the kernel in one write instead of one per message.
   */
  private readonly tcp: Pick<Socket, 'cork' | 'uncork'> | undefined;
  private corked = false;
  private readonly uncork = () => {
    this.corked = false;
    this.tcp!.uncork();
  };

  constructor(
    private readonly socket: WebSocket,
    maxFrameBytes: number,
  ) {
    const decodeOptions = { maxBytes: maxFrameBytes };
    // The queue itself, not through this object: one object fewer to reach on every frame of the call.
    const inbound = this.inbound;
    socket.on('message', (data) => inbound.push(decodeTwilioInbound(data as Buffer, decodeOptions)));
    socket.on('close', () => inbound.end());
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
    if (this.isOpen) this.send(this.encode.media(payloadBase64));
  }

  sendMark(name: string): void {
    if (this.isOpen) this.send(this.encode.mark(name));
  }

  sendMediaWithMark(payloadBase64: string, markName: string): void {
    if (!this.isOpen) return;
    this.send(this.encode.media(payloadBase64));
    this.send(this.encode.mark(markName));
  }

  sendClear(): void {
    if (this.isOpen) this.send(this.encode.clear());
  }

  /** Sends one message; the socket stays corked until this tick's last message is sent. */
  private send(message: string): void {
    if (this.tcp && !this.corked) {
      this.corked = true;
      this.tcp.cork();
      process.nextTick(this.uncork);
    }
    this.socket.send(message);
  }

  close(code = 1000, reason = ''): void {
    if (this.socket.readyState === this.socket.OPEN || this.socket.readyState === this.socket.CONNECTING)
      this.socket.close(code, reason);
  }
}

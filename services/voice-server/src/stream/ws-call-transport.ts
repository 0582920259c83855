import { AsyncQueue } from '@switchboard/realtime';
import {
  type DecodeResult,
  decodeTwilioInbound,
  encodeTwilioClear,
  encodeTwilioMark,
  encodeTwilioMedia,
  type TwilioInbound,
} from '@switchboard/telephony';
import type { WebSocket } from 'ws';
import type { CallTransport } from '../ports/call-transport.ts';

/** CallTransport over Twilio's Media Stream WebSocket. Frames are decoded once, here. */
export class WsCallTransport implements CallTransport {
  readonly inbound = new AsyncQueue<DecodeResult<TwilioInbound>>();
  private streamSid = '';

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
  }

  /** Set once the `start` message names the stream; outbound frames carry it. */
  setStreamSid(streamSid: string): void {
    this.streamSid = streamSid;
  }

  get isOpen(): boolean {
    return this.socket.readyState === this.socket.OPEN;
  }

  sendMedia(payloadBase64: string): void {
    if (this.isOpen) this.socket.send(encodeTwilioMedia(this.streamSid, payloadBase64));
  }

  sendMark(name: string): void {
    if (this.isOpen) this.socket.send(encodeTwilioMark(this.streamSid, name));
  }

  sendClear(): void {
    if (this.isOpen) this.socket.send(encodeTwilioClear(this.streamSid));
  }

  close(code = 1000, reason = ''): void {
    if (this.socket.readyState === this.socket.OPEN || this.socket.readyState === this.socket.CONNECTING)
      this.socket.close(code, reason);
  }
}

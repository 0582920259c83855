import { AsyncQueue } from '@switchboard/realtime';
import {
  type DecodeResult,
  MULAW_BYTES_PER_MS,
  mulawToPcm16,
  pcm16ToMulaw,
  type TwilioInbound,
} from '@switchboard/telephony';
import type { WebSocket } from 'ws';
import type { CallTransport } from '../ports/call-transport.ts';
import {
  Downsampler,
  decodeWebCallClient,
  encodeClear,
  encodeMark,
  encodeStarted,
  pcm16ToBytes,
  Upsampler,
} from './web-call-protocol.ts';

/** Caller audio goes to the session in Twilio-sized frames: 20 ms of 8 kHz mu-law. */
const FRAME_BYTES = 20 * MULAW_BYTES_PER_MS;

export interface WebCallTransportHooks {
  /** A frame that is not the wire format arrived; the socket is then closed with 1007. */
  onMalformed?: (reason: string) => void;
  /** Audio arrived before the call was accepted (dropped). */
  onEarlyAudio?: () => void;
}

/**
 * CallTransport over the browser's WebSocket (`/web-call`). It turns the browser's 16 kHz PCM16 into
 * the 8 kHz mu-law media frames the session core reads from Twilio, and the core's frames, marks and
 * clears back into the browser's format, so the session runs unchanged.
 */
export class WebCallTransport implements CallTransport {
  readonly inbound = new AsyncQueue<DecodeResult<TwilioInbound>>();
  /** The token of the browser's `start` message; undefined when the socket closed before one. */
  readonly startToken: Promise<string | undefined>;
  private resolveStart!: (token: string | undefined) => void;
  private streamSid: string | undefined;
  private callSid = '';
  private readonly down = new Downsampler();
  private readonly up = new Upsampler();
  private pending = new Uint8Array(0);
  private sequence = 0;
  private chunk = 0;
  private mediaMs = 0;

  constructor(
    private readonly socket: WebSocket,
    private readonly hooks: WebCallTransportHooks = {},
  ) {
    this.startToken = new Promise((resolve) => {
      this.resolveStart = resolve;
    });
    socket.on('message', (data, isBinary) => this.onMessage(toBuffer(data), isBinary));
    socket.on('close', () => {
      this.resolveStart(undefined);
      this.inbound.end();
    });
    // Errors are followed by 'close'; the listener keeps them from becoming uncaught exceptions.
    socket.on('error', () => {});
  }

  /** The call was accepted: the browser is told its SID and audio starts flowing to the session. */
  begin(callSid: string, streamSid: string): void {
    this.callSid = callSid;
    this.streamSid = streamSid;
    if (this.isOpen) this.socket.send(encodeStarted(callSid));
  }

  get isOpen(): boolean {
    return this.socket.readyState === this.socket.OPEN;
  }

  sendMedia(payloadBase64: string): void {
    if (!this.isOpen) return;
    const pcm8k = mulawToPcm16(Buffer.from(payloadBase64, 'base64'));
    this.socket.send(pcm16ToBytes(this.up.push(pcm8k)), { binary: true });
  }

  sendMark(name: string): void {
    if (this.isOpen) this.socket.send(encodeMark(name));
  }

  sendMediaWithMark(payloadBase64: string, markName: string): void {
    this.sendMedia(payloadBase64);
    this.sendMark(markName);
  }

  sendClear(): void {
    this.up.reset();
    if (this.isOpen) this.socket.send(encodeClear());
  }

  close(code = 1000, reason = ''): void {
    if (this.socket.readyState === this.socket.OPEN || this.socket.readyState === this.socket.CONNECTING)
      this.socket.close(code, reason);
    // Nothing the browser sends after our close counts: the call ends now, not when its close arrives.
    this.resolveStart(undefined);
    this.inbound.end();
  }

  private onMessage(data: Buffer, isBinary: boolean): void {
    const decoded = decodeWebCallClient(data, isBinary);
    if (!decoded.ok) {
      this.hooks.onMalformed?.(decoded.reason);
      this.close(1007, decoded.reason);
      return;
    }
    const msg = decoded.message;
    if (msg.type === 'start') {
      this.resolveStart(msg.token);
      return;
    }
    const streamSid = this.streamSid;
    if (streamSid === undefined) {
      if (msg.type === 'audio') this.hooks.onEarlyAudio?.();
      else if (msg.type === 'stop') this.close(1000, 'stopped');
      return;
    }
    if (msg.type === 'audio') this.pushAudio(streamSid, msg.pcm);
    else if (msg.type === 'mark')
      this.inbound.push({
        ok: true,
        message: { event: 'mark', sequenceNumber: ++this.sequence, streamSid, mark: { name: msg.name } },
      });
    else {
      this.inbound.push({
        ok: true,
        message: {
          event: 'stop',
          sequenceNumber: ++this.sequence,
          streamSid,
          stop: { accountSid: '', callSid: this.callSid },
        },
      });
      this.close(1000, 'stopped');
    }
  }

  private pushAudio(streamSid: string, pcm16k: Int16Array): void {
    const mulaw = pcm16ToMulaw(this.down.push(pcm16k));
    const joined = new Uint8Array(this.pending.length + mulaw.length);
    joined.set(this.pending);
    joined.set(mulaw, this.pending.length);
    let at = 0;
    for (; at + FRAME_BYTES <= joined.length; at += FRAME_BYTES) {
      const payload = Buffer.from(joined.subarray(at, at + FRAME_BYTES)).toString('base64');
      this.inbound.push({
        ok: true,
        message: {
          event: 'media',
          sequenceNumber: ++this.sequence,
          streamSid,
          media: { track: 'inbound', chunk: ++this.chunk, timestamp: this.mediaMs, payload },
        },
      });
      this.mediaMs += FRAME_BYTES / MULAW_BYTES_PER_MS;
    }
    this.pending = joined.slice(at);
  }
}

function toBuffer(data: unknown): Buffer {
  if (Buffer.isBuffer(data)) return data;
  if (Array.isArray(data)) return Buffer.concat(data as Buffer[]);
  return Buffer.from(data as ArrayBuffer);
}

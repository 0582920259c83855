/**
 * One bidirectional Media Stream as Twilio runs it: the signed WebSocket upgrade, `connected` and
 * `start`, the wire encoding of what the caller sends (media, dtmf, echoed marks, stop), and how the
 * stream ended. What goes into each frame is the sender's business; what arrives, the receiver's.
 */
import {
  encodeTwilioConnected,
  encodeTwilioDtmf,
  encodeTwilioInboundMark,
  encodeTwilioInboundMedia,
  encodeTwilioStart,
  encodeTwilioStop,
  type RawFrame,
  signTwilioRequest,
  type TwimlConnect,
} from '@switchboard/telephony';
import WebSocket from 'ws';
import type { CallRecorder } from './call-recorder.ts';
import type { CallFaults, MediaTap } from './call-types.ts';
import type { FrameTicker } from './frame-ticker.ts';
import type { PlaybackModel } from './playback.ts';
import { MAX_OUTBOUND_FRAME_BYTES, receiveServerFrame } from './stream-receiver.ts';

export { MAX_OUTBOUND_FRAME_BYTES };

import { tamperSignature, WEBHOOK_TIMEOUT_MS } from './twiml-fetch.ts';
import { newSid } from './webhook-form.ts';

/** Largest message accepted from the voice server. */

/** Why the caller's side closed a stream. */
export type StreamClosing = 'caller_hangup' | 'completed_via_api' | 'replaced';

/** How a stream ended. */
export interface StreamOutcome {
  kind: 'server_closed' | 'failed' | StreamClosing;
  closeCode?: number;
  httpStatus?: number;
  /** Twilio's error code for a stream it would not open (31920). */
  errorCode?: number;
  detail?: string;
}

/** What a stream needs from its call. */
export interface StreamHost {
  readonly callSid: string;
  readonly accountSid: string;
  readonly faults: CallFaults | undefined;
  readonly recorder: CallRecorder;
  readonly ticker: FrameTicker;
  readonly tap: MediaTap | undefined;
  /** The call's current playback model. */
  readonly playback: PlaybackModel;
  nowMs(): number;
  notify(): void;
  /** `start` was sent (or deliberately omitted): the call counts as placed. */
  started(stream: CallStream | null): void;
  /** A fresh playback buffer for a starting stream (Twilio's buffer belongs to the stream). */
  resetPlayback(): void;
  /** A 20 ms media frame is due on this live stream. */
  frameDue(stream: CallStream, tickerMs: number): void;
  /** The socket closed. */
  closed(stream: CallStream): void;
}

/** Opens the stream's WebSocket; an outcome straight away when the URL cannot even be tried. */
export function connectStream(
  host: StreamHost,
  authToken: string,
  twiml: TwimlConnect['stream'],
  connectUrl: string,
): CallStream | StreamOutcome {
  let signature = signTwilioRequest(authToken, twiml.url, {});
  if (host.faults?.tamperStreamSignature) signature = tamperSignature(signature);
  try {
    const ws = new WebSocket(connectUrl, {
      headers: { 'x-twilio-signature': signature, 'user-agent': 'Twilio.TmeWs/1.0' },
      perMessageDeflate: false,
      handshakeTimeout: WEBHOOK_TIMEOUT_MS,
      maxPayload: MAX_OUTBOUND_FRAME_BYTES,
    });
    return new CallStream(host, ws, twiml);
  } catch (err) {
    return { kind: 'failed', detail: (err as Error).message };
  }
}

/** One stream's connection and counters. */
export class CallStream {
  readonly twimlUrl: string;
  /** Resolves with how the stream ended. */
  readonly outcome: Promise<StreamOutcome>;
  /** Resolves once the socket has closed. */
  readonly closed: Promise<void>;
  streamSid = '';
  private readonly host: StreamHost;
  private readonly ws: WebSocket;
  private seq = 0;
  private chunk = 0;
  private startedTickerMs = 0;
  private opened = false;
  private startSent = false;
  /** Set once we sent stop or began closing: further server messages are ignored, as Twilio does. */
  private closing: StreamClosing | null = null;
  private unsubscribe: (() => void) | null = null;
  private error: string | undefined;

  constructor(host: StreamHost, ws: WebSocket, twiml: TwimlConnect['stream']) {
    this.host = host;
    this.ws = ws;
    this.twimlUrl = twiml.url;
    let resolveOutcome!: (o: StreamOutcome) => void;
    let resolveClosed!: () => void;
    this.outcome = new Promise((r) => {
      resolveOutcome = r;
    });
    this.closed = new Promise((r) => {
      resolveClosed = r;
    });
    ws.on('open', () => this.onOpen(twiml));
    ws.on('message', (data) => receiveServerFrame(this, data as RawFrame, host));
    ws.on('error', (err) => {
      this.error = err.message;
    });
    ws.on('close', (code, reason) => {
      this.unsubscribe?.();
      this.unsubscribe = null;
      resolveClosed();
      host.closed(this);
      resolveOutcome(this.outcomeOf(code, reason.toString('utf8')));
      host.notify();
    });
  }

  /** True once `start` was sent and until the caller's side began closing. */
  get isStreaming(): boolean {
    return this.startSent && !this.closing;
  }

  /** True once `start` was sent (server messages before that are ignored). */
  get hasStarted(): boolean {
    return this.startSent;
  }

  /** Started, open and not closing: frames may be sent. */
  get isLive(): boolean {
    return this.isStreaming && this.ws.readyState === WebSocket.OPEN;
  }

  /** The chunk number the next media frame will carry. */
  get nextChunk(): number {
    return this.chunk + 1;
  }

  /** Sends one inbound media frame; returns its chunk number. */
  sendMedia(payload: string, tickerMs: number): number {
    this.chunk++;
    this.seq++;
    this.ws.send(
      encodeTwilioInboundMedia({
        sequenceNumber: this.seq,
        streamSid: this.streamSid,
        chunk: this.chunk,
        timestamp: Math.round(tickerMs - this.startedTickerMs),
        payload,
      }),
    );
    return this.chunk;
  }

  /** Sends one `dtmf` event (when live). */
  sendDigit(digit: string): void {
    if (!this.isLive) return;
    this.seq++;
    this.ws.send(encodeTwilioDtmf({ sequenceNumber: this.seq, streamSid: this.streamSid, digit }));
    this.host.recorder.sent.push({ atMs: this.host.nowMs(), event: 'dtmf', sequenceNumber: this.seq, digit });
  }

  /** Echoes a mark whose audio played (or was cleared), when live. */
  echoMark(name: string, atMs: number, cleared: boolean): void {
    if (!this.isLive) return;
    this.seq++;
    this.ws.send(encodeTwilioInboundMark({ sequenceNumber: this.seq, streamSid: this.streamSid, name }));
    this.host.recorder.marksEchoed++;
    this.host.recorder.sent.push({ atMs, event: 'mark', sequenceNumber: this.seq, mark: name, cleared });
  }

  /** Twilio ends a stream: `stop` (when it had started), then the close. */
  stop(why: StreamClosing): void {
    if (this.closing) return;
    this.closing = why;
    this.unsubscribe?.();
    this.unsubscribe = null;
    const { ws, host } = this;
    if (ws.readyState === WebSocket.OPEN) {
      if (this.startSent) {
        host.playback.advanceTo(host.nowMs());
        this.seq++;
        ws.send(
          encodeTwilioStop({
            sequenceNumber: this.seq,
            streamSid: this.streamSid,
            accountSid: host.accountSid,
            callSid: host.callSid,
          }),
        );
        host.recorder.sent.push({ atMs: host.nowMs(), event: 'stop', sequenceNumber: this.seq });
      }
      ws.close(1000);
    } else if (ws.readyState === WebSocket.CONNECTING) {
      ws.terminate();
    }
  }

  private onOpen(twiml: TwimlConnect['stream']): void {
    const { ws, host } = this;
    this.opened = true;
    if (this.closing) return;
    ws.send(encodeTwilioConnected());
    host.recorder.sent.push({ atMs: host.nowMs(), event: 'connected' });
    if (host.faults?.omitStart) {
      host.started(null);
      return;
    }
    this.streamSid = newSid('MZ');
    this.seq = 1;
    ws.send(
      encodeTwilioStart({
        sequenceNumber: this.seq,
        streamSid: this.streamSid,
        accountSid: host.accountSid,
        callSid: host.callSid,
        customParameters: twiml.parameters,
        tracks: ['inbound'],
      }),
    );
    host.recorder.sent.push({ atMs: host.nowMs(), event: 'start', sequenceNumber: this.seq });
    host.resetPlayback();
    this.startedTickerMs = host.ticker.nowMs();
    this.startSent = true;
    this.unsubscribe = host.ticker.subscribe((tickerMs) => {
      if (this.isLive) host.frameDue(this, tickerMs);
    });
    host.started(this);
    host.notify();
  }

  private outcomeOf(code: number, reason: string): StreamOutcome {
    if (!this.opened) {
      const httpStatus = /Unexpected server response: (\d{3})/.exec(this.error ?? '')?.[1];
      return {
        kind: 'failed',
        ...(httpStatus ? { httpStatus: Number(httpStatus) } : {}),
        ...(this.error ? { detail: this.error } : {}),
      };
    }
    return { kind: this.closing ?? 'server_closed', closeCode: code, ...(reason ? { detail: reason } : {}) };
  }
}

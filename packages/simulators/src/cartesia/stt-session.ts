/**
 * One Cartesia STT WebSocket (manual finalize): binary frames are audio; the text commands are
 * `finalize` (transcribe what is buffered: a final `transcript`, then `flush_done`) and `close` (the
 * same, then `done` and a normal close). Interim transcripts (`is_final: false`) follow the audio as it
 * arrives. A final's `text` is a delta: concatenated as sent, finals give the whole transcript. For
 * ink-whisper models, `max_silence_duration_secs` of silence after speech finalizes on its own.
 */
import { randomUUID } from 'node:crypto';
import type { RawData, WebSocket } from 'ws';
import { recognizeSpeech } from '../speech/recognize.ts';
import { JsonSocket } from '../support/json-socket.ts';
import { bytesPerSample, decodeSamples, type SttEncoding } from './encoding.ts';

/** The STT error message shape (the SDK's `STTErrorResponse`). */
export interface SttError {
  type: 'error';
  status_code: number;
  title: string;
  message: string;
  error_code?: string;
  request_id?: string;
}

/** Faults an STT session can play. */
export interface SttFaults {
  /** After this much audio (ms), send an error and close (default status 500, close 1011). */
  failAfterAudioMs?: { ms: number; statusCode?: number; closeCode?: number };
}

/** What a session was opened with. */
export interface SttSessionParams {
  model: string;
  encoding: SttEncoding;
  sampleRate: number;
  language: string;
  maxSilenceMs: number | null;
}

/** Interim transcripts go out after this much new audio. */
export const INTERIM_EVERY_MS = 400;

/** One STT connection. */
export class SttSession {
  readonly requestId = randomUUID();
  readonly params: SttSessionParams;
  /** Text commands received, in order. */
  readonly commands: string[] = [];
  /** Seconds of audio received (what Cartesia bills). */
  audioSeconds = 0;
  private readonly socket: JsonSocket;
  private readonly faults: () => SttFaults;
  private pending: Uint8Array[] = [];
  private pendingBytes = 0;
  private lastInterimAtMs = 0;
  private lastInterim = '';
  private finals = 0;

  constructor(socket: WebSocket, params: SttSessionParams, faults: () => SttFaults) {
    this.socket = new JsonSocket(socket);
    this.params = params;
    this.faults = faults;
    socket.on('message', (data, isBinary) => this.onMessage(data, isBinary));
  }

  /** Server messages, in order. */
  get sent(): Array<Record<string, unknown>> {
    return this.socket.sent;
  }

  /** Resolves with the close code and reason. */
  get closed(): Promise<{ code: number; reason: string }> {
    return this.socket.closed;
  }

  /** Sends an error message and closes (a refused session, a scripted failure). */
  fail(error: Omit<SttError, 'type' | 'request_id'>, closeCode: number): void {
    this.send({ type: 'error', ...error, request_id: this.requestId });
    this.close(closeCode, error.title);
  }

  private onMessage(data: RawData, isBinary: boolean): void {
    if (!this.socket.isOpen) return;
    const bytes = rawBytes(data);
    if (isBinary) {
      this.onAudio(bytes);
      return;
    }
    const command = Buffer.from(bytes).toString('utf8');
    this.commands.push(command);
    if (command === 'finalize') {
      this.finalize();
      this.send({ type: 'flush_done', request_id: this.requestId });
    } else if (command === 'close') {
      this.finalize();
      this.send({ type: 'done', request_id: this.requestId });
      this.close(1000, 'OK');
    } else {
      this.send({
        type: 'error',
        status_code: 400,
        title: 'Invalid message',
        message: `Unknown command: expected "finalize" or "close", or binary audio.`,
        request_id: this.requestId,
      });
    }
  }

  private onAudio(bytes: Uint8Array): void {
    this.pending.push(bytes);
    this.pendingBytes += bytes.length;
    const msPerByte = 1000 / (this.params.sampleRate * bytesPerSample(this.params.encoding));
    this.audioSeconds += (bytes.length * msPerByte) / 1000;
    const fault = this.faults().failAfterAudioMs;
    if (fault && this.audioSeconds * 1000 >= fault.ms) {
      this.fail(
        { status_code: fault.statusCode ?? 500, title: 'Internal error', message: 'Transcription failed.' },
        fault.closeCode ?? 1011,
      );
      return;
    }
    const bufferedMs = this.pendingBytes * msPerByte;
    if (bufferedMs - this.lastInterimAtMs < INTERIM_EVERY_MS) return;
    this.lastInterimAtMs = bufferedMs;
    const heard = this.recognise();
    const max = this.params.maxSilenceMs;
    const lastWord = heard.words.at(-1);
    if (max !== null && lastWord && heard.durationMs - lastWord.endMs >= max) {
      this.finalize();
      return;
    }
    if (heard.text !== '' && heard.text !== this.lastInterim) {
      this.lastInterim = heard.text;
      this.send(this.transcript(heard, false));
    }
  }

  private finalize(): void {
    if (this.pendingBytes === 0) return;
    const heard = this.recognise();
    this.pending = [];
    this.pendingBytes = 0;
    this.lastInterimAtMs = 0;
    this.lastInterim = '';
    if (heard.text === '') return;
    this.send(this.transcript(heard, true));
    this.finals++;
  }

  private recognise() {
    const bytes = Buffer.concat(this.pending);
    return recognizeSpeech(decodeSamples(bytes, this.params.encoding), this.params.sampleRate);
  }

  private transcript(heard: ReturnType<typeof recognizeSpeech>, isFinal: boolean): Record<string, unknown> {
    // a final is a delta after the previous final: it carries its own leading space
    const text = this.finals > 0 ? ` ${heard.text}` : heard.text;
    return {
      type: 'transcript',
      request_id: this.requestId,
      is_final: isFinal,
      text,
      duration: heard.durationMs / 1000,
      language: this.params.language,
      words: [
        {
          words: heard.words.map((w) => w.text),
          start: heard.words.map((w) => w.startMs / 1000),
          end: heard.words.map((w) => w.endMs / 1000),
        },
      ],
    };
  }

  private send(message: Record<string, unknown>): void {
    this.socket.send(message);
  }

  private close(code: number, reason: string): void {
    this.socket.close(code, reason);
  }
}

function rawBytes(data: RawData): Uint8Array {
  if (Array.isArray(data)) return Buffer.concat(data);
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  return data;
}

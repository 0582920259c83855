/**
 * Transcriber over Cartesia's speech-to-text WebSocket (ink-whisper, manual finalize) through the
 * `@cartesia/cartesia-js` SDK: one socket per caller turn; the turn's mu-law goes out as binary frames of
 * about 100 ms, then `finalize`; the final transcripts up to `flush_done` are deltas, joined verbatim
 * (Cartesia's "common pitfalls": never trim or separate them), and only the whole text's ends are trimmed.
 *
 * The SDK opens the socket, authenticates (`Authorization: Bearer`, `Cartesia-Version`) and sends; its
 * message handler is replaced by a checked one, because it reads `.type` of whatever JSON arrives and
 * a message such as `null` would throw inside `ws`'s data handler and take the process down.
 */
import { createRequire } from 'node:module';
import type WebSocket from 'ws';
import type { RawData } from 'ws';
import type { Transcriber, TranscriptionResult, TurnAudio } from '../ports/transcriber.ts';
import { readJsonObject } from './json-object.ts';
import { failed, mulawSeconds, transcribed } from './transcription-result.ts';

// The SDK's ESM build fails to load `ws` on Node 20; its CommonJS build works.
const { Cartesia } = createRequire(import.meta.url)(
  '@cartesia/cartesia-js',
) as typeof import('@cartesia/cartesia-js');

/** Options of the Cartesia transcriber (the lead's config supplies the key and base URL). */
export interface CartesiaTranscriberOptions {
  apiKey: string;
  /** `CARTESIA_BASE_URL`, e.g. `https://api.cartesia.ai`. */
  baseUrl: string;
  /** Default `ink-whisper`. */
  model?: string;
  /** Gives up on a turn after this long, from the start; default 10000. */
  timeoutMs?: number;
}

/** Audio frames of 100 ms, as the SDK suggests. */
const FRAME_BYTES = 800;

/** Cartesia ink-whisper, one WebSocket per turn. */
export class CartesiaTranscriber implements Transcriber {
  readonly provider = 'cartesia' as const;
  private readonly client: InstanceType<typeof Cartesia>;
  private readonly model: string;
  private readonly timeoutMs: number;

  constructor(opts: CartesiaTranscriberOptions) {
    this.client = new Cartesia({ apiKey: opts.apiKey, baseURL: opts.baseUrl, maxRetries: 0 });
    this.model = opts.model ?? 'ink-whisper';
    this.timeoutMs = opts.timeoutMs ?? 10_000;
  }

  transcribe(audio: TurnAudio, signal?: AbortSignal): Promise<TranscriptionResult> {
    const open = () =>
      this.client.stt.manualFinalize.websocket({
        model: this.model,
        encoding: 'pcm_mulaw',
        sample_rate: 8000,
        language: 'en',
      });
    return new Promise((resolve) => new TurnSocket(open, this.timeoutMs, audio, signal, resolve).start());
  }
}

type SdkSocket = ReturnType<InstanceType<typeof Cartesia>['stt']['manualFinalize']['websocket']>;

/** One turn's socket, settled once. */
class TurnSocket {
  private ws: SdkSocket | null = null;
  private text = '';
  private sentSeconds = 0;
  private refusedStatus: number | undefined;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private settled = false;
  private readonly onAbort = () =>
    this.finish(failed('cartesia', 'aborted', 'the transcription was aborted', this.sentSeconds));

  constructor(
    private readonly open: () => SdkSocket,
    private readonly timeoutMs: number,
    private readonly audio: TurnAudio,
    private readonly signal: AbortSignal | undefined,
    private readonly resolve: (r: TranscriptionResult) => void,
  ) {}

  start(): void {
    if (this.signal?.aborted) {
      this.onAbort();
      return;
    }
    this.signal?.addEventListener('abort', this.onAbort, { once: true });
    this.timer = setTimeout(
      () =>
        this.finish(
          failed('cartesia', 'timeout', `no transcript within ${this.timeoutMs} ms`, this.sentSeconds),
        ),
      this.timeoutMs,
    );
    let ws: SdkSocket;
    try {
      ws = this.open();
    } catch (e) {
      this.finish(failed('cartesia', 'connect_failed', errorMessage(e), 0));
      return;
    }
    this.ws = ws;
    const raw = (ws.socket as unknown as { platformSocket: WebSocket }).platformSocket;
    raw.removeAllListeners('message');
    raw.on('message', (data: RawData, isBinary: boolean) => this.onMessage(data, isBinary));
    raw.once('open', () => {
      this.sentSeconds = mulawSeconds(this.audio.mulaw.length);
    });
    ws.on('error', (e) => {
      // socket errors only (messages are read above); a refused handshake names its status
      const status = /Unexpected server response: (\d{3})/.exec(e.message)?.[1];
      if (status) this.refusedStatus = Number(status);
    });
    ws.on('close', (code) => {
      const status = this.refusedStatus;
      const message =
        status !== undefined
          ? `Cartesia refused the socket (HTTP ${status})`
          : `the Cartesia socket closed before the transcript (code ${typeof code === 'number' ? code : '?'})`;
      this.finish(failed('cartesia', 'connect_failed', message, this.sentSeconds, status));
    });
    const { mulaw } = this.audio;
    for (let at = 0; at < mulaw.length; at += FRAME_BYTES) ws.sendRaw(mulaw.subarray(at, at + FRAME_BYTES));
    ws.send('finalize');
  }

  private onMessage(data: RawData, isBinary: boolean): void {
    if (this.settled) return;
    const m = readSttMessage(data, isBinary);
    if (m.kind === 'final') this.text += m.text;
    else if (m.kind === 'done') this.finish(transcribed('cartesia', this.text, this.sentSeconds));
    else if (m.kind === 'error') {
      this.finish(failed('cartesia', 'provider_error', m.message, this.sentSeconds, m.status));
    } else if (m.kind === 'malformed') this.malformed(m.reason);
  }

  private malformed(reason: string): void {
    this.finish(
      failed('cartesia', 'malformed_response', `a malformed Cartesia message: ${reason}`, this.sentSeconds),
    );
  }

  private finish(result: TranscriptionResult): void {
    if (this.settled) return;
    this.settled = true;
    if (this.timer) clearTimeout(this.timer);
    this.signal?.removeEventListener('abort', this.onAbort);
    try {
      this.ws?.close({ code: 1000, reason: 'done' });
    } catch {
      // already closed
    }
    this.resolve(result);
  }
}

/** A server message of the STT socket, checked. */
type SttMessage =
  /** A final transcript: a delta of the turn's text. */
  | { kind: 'final'; text: string }
  /** `flush_done` (after `finalize`) or `done` (after `close`). */
  | { kind: 'done' }
  | { kind: 'error'; message: string; status?: number }
  | { kind: 'malformed'; reason: string }
  /** An interim transcript, or a message type added later. */
  | { kind: 'ignored' };

function readSttMessage(data: RawData, isBinary: boolean): SttMessage {
  if (isBinary) return { kind: 'malformed', reason: 'a binary message' };
  const read = readJsonObject(data.toString());
  if ('reason' in read) return { kind: 'malformed', reason: read.reason };
  const o = read.object;
  switch (o.type) {
    case 'transcript':
      if (typeof o.is_final !== 'boolean' || typeof o.text !== 'string') {
        return { kind: 'malformed', reason: 'a transcript without a boolean is_final and a string text' };
      }
      return o.is_final ? { kind: 'final', text: o.text } : { kind: 'ignored' };
    case 'flush_done':
    case 'done':
      return { kind: 'done' };
    case 'error': {
      // the SDK's STTErrorResponse has title and message; the API reference also shows an `error` string
      const detail = [o.title, o.message, o.error].filter((x) => typeof x === 'string').join(': ');
      return {
        kind: 'error',
        message: detail || 'Cartesia reported an error',
        ...(typeof o.status_code === 'number' ? { status: o.status_code } : {}),
      };
    }
    default:
      return typeof o.type === 'string'
        ? { kind: 'ignored' }
        : { kind: 'malformed', reason: 'a message without a type' };
  }
}

function errorMessage(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

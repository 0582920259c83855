/**
 * Helpers for tests of the Realtime simulator and of its clients: synthetic caller audio
 * (tones at a level, line noise, silence) and a minimal raw-WebSocket client that records events.
 */
import { MULAW_SAMPLE_RATE, mulawSilence, pcm16ToMulaw } from '@switchboard/telephony';
import WebSocket from 'ws';

/** A sine tone whose peak sits at `peakDbfs` (relative to 32767), as PCM16. */
export function tonePcm16(
  durationMs: number,
  peakDbfs: number,
  sampleRate = MULAW_SAMPLE_RATE,
  frequencyHz = 300,
) {
  const count = Math.round((durationMs * sampleRate) / 1000);
  const peak = 32767 * 10 ** (peakDbfs / 20);
  const out = new Int16Array(count);
  for (let i = 0; i < count; i++)
    out[i] = Math.round(peak * Math.sin((2 * Math.PI * frequencyHz * i) / sampleRate));
  return out;
}

/** Deterministic white noise at an RMS level of `rmsDbfs` (relative to 32768), as PCM16. */
export function noisePcm16(
  durationMs: number,
  rmsDbfs: number,
  sampleRate = MULAW_SAMPLE_RATE,
  seed = 1,
): Int16Array {
  const count = Math.round((durationMs * sampleRate) / 1000);
  // uniform noise in [-a, a] has RMS a/sqrt(3)
  const amplitude = 32768 * 10 ** (rmsDbfs / 20) * Math.sqrt(3);
  const out = new Int16Array(count);
  let state = seed >>> 0 || 1;
  for (let i = 0; i < count; i++) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    out[i] = Math.round((state / 0xffffffff - 0.5) * 2 * amplitude);
  }
  return out;
}

/** Mu-law speech stand-in: a tone peaking at `peakDbfs` (default -20 dBFS). */
export function mulawTone(durationMs: number, peakDbfs = -20): Uint8Array {
  return pcm16ToMulaw(tonePcm16(durationMs, peakDbfs));
}

/** Mu-law digital silence. */
export function mulawQuiet(durationMs: number): Uint8Array {
  return mulawSilence(durationMs);
}

/** Concatenates byte arrays. */
export function concatBytes(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** Base64 of bytes. */
export function b64(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('base64');
}

/** A received server event. */
export type ServerEvent = { type: string; event_id: string } & Record<string, unknown>;

/** A bare WebSocket Realtime client for protocol tests. */
export class RawRealtimeClient {
  readonly events: ServerEvent[] = [];
  readonly socket: WebSocket;
  readonly closed: Promise<{ code: number; reason: string }>;
  private waiters: Array<{
    pred: (e: ServerEvent) => boolean;
    from: number;
    resolve: (e: ServerEvent) => void;
  }> = [];

  private constructor(socket: WebSocket) {
    this.socket = socket;
    socket.on('message', (data) => {
      let event: ServerEvent;
      try {
        event = JSON.parse(String(data)) as ServerEvent;
      } catch {
        // a frame that is not JSON (the malformed-events fault) is kept as text
        event = { type: '(unparseable)', event_id: '', raw: String(data) };
      }
      this.events.push(event);
      const index = this.events.length - 1;
      this.waiters = this.waiters.filter((w) => {
        if (index >= w.from && w.pred(event)) {
          w.resolve(event);
          return false;
        }
        return true;
      });
    });
    this.closed = new Promise((resolve) => {
      socket.on('close', (code, reason) => resolve({ code, reason: reason.toString() }));
    });
  }

  /** Connects to `url?model=...` with a bearer key; resolves once open. */
  static async connect(
    url: string,
    options: { model?: string; apiKey?: string } = {},
  ): Promise<RawRealtimeClient> {
    const socket = new WebSocket(`${url}?model=${options.model ?? 'gpt-realtime'}`, {
      headers: { Authorization: `Bearer ${options.apiKey ?? 'sk-test'}` },
    });
    const client = new RawRealtimeClient(socket);
    await new Promise<void>((resolve, reject) => {
      socket.once('open', () => resolve());
      socket.once('error', reject);
    });
    return client;
  }

  /** Sends a client event. */
  send(event: Record<string, unknown>): void {
    this.socket.send(JSON.stringify(event));
  }

  /** Sends raw text. */
  sendRaw(text: string): void {
    this.socket.send(text);
  }

  /** Appends mu-law (or other) audio in frames of `frameMs` (8 bytes per ms assumed unless given). */
  appendAudio(audio: Uint8Array, frameMs = 20, bytesPerMs = 8): void {
    const size = frameMs * bytesPerMs;
    for (let at = 0; at < audio.length; at += size) {
      this.send({ type: 'input_audio_buffer.append', audio: b64(audio.subarray(at, at + size)) });
    }
  }

  /** Waits for the first event (already received or future) of `type` / matching `pred`, from index `from`. */
  next(match: string | ((e: ServerEvent) => boolean), from = 0, timeoutMs = 5000): Promise<ServerEvent> {
    const pred = typeof match === 'string' ? (e: ServerEvent) => e.type === match : match;
    const found = this.events.find((e, i) => i >= from && pred(e));
    if (found) return Promise.resolve(found);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`timed out waiting for ${typeof match === 'string' ? match : 'event'}`)),
        timeoutMs,
      );
      this.waiters.push({
        pred,
        from,
        resolve: (e) => {
          clearTimeout(timer);
          resolve(e);
        },
      });
    });
  }

  /** Sends `event` and waits for the next event matching `match` after it. */
  async request(
    event: Record<string, unknown>,
    match: string | ((e: ServerEvent) => boolean),
  ): Promise<ServerEvent> {
    const from = this.events.length;
    this.send(event);
    return this.next(match, from);
  }

  /** Types of received events, in order. */
  types(): string[] {
    return this.events.map((e) => e.type);
  }

  /** Closes the socket. */
  close(): void {
    if (this.socket.readyState === WebSocket.OPEN || this.socket.readyState === WebSocket.CONNECTING) {
      this.socket.terminate();
    }
  }
}

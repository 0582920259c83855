import type { CallLevels } from '@switchboard/service-kit/clients/app-server';
import { decodeStandardBase64 } from '@switchboard/telephony';
import type { CallTransport } from '../ports/call-transport.ts';

/** Where a call's levels go, a batch at a time (app-server's live monitor). Must not throw. */
export type LevelsSink = (callSid: string, levels: CallLevels) => void;

/** Default window: four levels a second per side. */
export const LEVEL_WINDOW_MS = 250;
/** Windows per batch sent (one batch a second by default). */
export const WINDOWS_PER_BATCH = 4;

/** Base64 digit values by char code (-1: not a digit; '=' padding ends a group). */
const B64 = new Int8Array(128).fill(-1);
for (const [i, c] of [...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'].entries())
  B64[c.charCodeAt(0)] = i;

/** The square of each μ-law byte's linear sample (G.711), scaled to full scale 1. */
const MULAW_SQUARED = new Float64Array(256);
for (let b = 0; b < 256; b++) {
  const u = ~b & 0xff;
  const exponent = (u >> 4) & 7;
  const magnitude = ((((u & 0x0f) << 3) + 0x84) << exponent) - 0x84;
  const linear = magnitude / 32124; // the largest μ-law magnitude
  MULAW_SQUARED[b] = linear * linear;
}

/** Bytes one frame is decoded into by the native decoder (a longer payload takes the digit loop). */
const SCRATCH_BYTES = 8 * 1024;
/** Longest base64 text decoded natively: whole groups of four that fit the scratch buffer (8,190 bytes). */
export const NATIVE_MAX_CHARS = Math.floor(SCRATCH_BYTES / 3) * 4;
/** Shared by every call: a frame is decoded and summed in one synchronous step. */
const scratch = Buffer.allocUnsafe(SCRATCH_BYTES);

/** One side's running sum of squares over the current window. */
class Accumulator {
  sum = 0;
  count = 0;

  /**
   * Adds a frame of base64 μ-law. Whole standard base64 (what Twilio and the model send) is decoded by
   * Node's native decoder into a shared scratch buffer ({@link decodeStandardBase64}, which trusts it
   * only when the text is strictly base64), several times faster than decoding digit by digit;
   * anything else takes {@link addDigits}, so every text gives the sum it gave before.
   */
  addBase64(payload: string): void {
    const written = decodeStandardBase64(payload, scratch);
    if (written < 0) {
      this.addDigits(payload);
      return;
    }
    let sum = 0;
    for (let i = 0; i < written; i++) sum += MULAW_SQUARED[scratch[i]!]!;
    this.sum += sum;
    this.count += written;
  }

  /**
   * Adds a frame of base64 μ-law decoded in place: four digits make three bytes. What is not base64
   * ends the frame early; Twilio's frames are always whole.
   */
  addDigits(payload: string): void {
    let sum = 0;
    let count = 0;
    const n = payload.length;
    for (let i = 0; i + 3 < n; i += 4) {
      const a = B64[payload.charCodeAt(i) & 127]!;
      const b = B64[payload.charCodeAt(i + 1) & 127]!;
      if (a < 0 || b < 0) break;
      sum += MULAW_SQUARED[((a << 2) | (b >> 4)) & 0xff]!;
      count++;
      const c = B64[payload.charCodeAt(i + 2) & 127]!;
      if (c < 0) break;
      sum += MULAW_SQUARED[(((b & 15) << 4) | (c >> 2)) & 0xff]!;
      count++;
      const d = B64[payload.charCodeAt(i + 3) & 127]!;
      if (d < 0) break;
      sum += MULAW_SQUARED[(((c & 3) << 6) | d) & 0xff]!;
      count++;
    }
    this.sum += sum;
    this.count += count;
  }

  /** The window's RMS level (0…1, three decimals), and a new window. No audio: 0. */
  take(): number {
    const level = this.count ? Math.sqrt(this.sum / this.count) : 0;
    this.sum = 0;
    this.count = 0;
    return Math.round(Math.min(1, level) * 1000) / 1000;
  }
}

/**
 * Each side's audio level of one call: frames are added as they pass (a few additions per byte, no
 * allocation), a timer closes a window every `windowMs` and sends the levels in batches of
 * `perBatch` windows, so app-server hears about a call once a second, not once a frame.
 */
export class AudioLevels {
  private readonly caller = new Accumulator();
  private readonly agent = new Accumulator();
  private callerLevels: number[] = [];
  private agentLevels: number[] = [];
  private timer: NodeJS.Timeout | undefined;
  private sending = false;

  constructor(
    private readonly callSid: string,
    private readonly sink: LevelsSink,
    private readonly windowMs = LEVEL_WINDOW_MS,
    private readonly perBatch = WINDOWS_PER_BATCH,
  ) {}

  addCaller(payloadBase64: string): void {
    this.caller.addBase64(payloadBase64);
  }

  addAgent(payloadBase64: string): void {
    this.agent.addBase64(payloadBase64);
  }

  /** Starts the windows; batches are sent once `send()` allowed it (the conversation exists). */
  start(): void {
    this.timer ??= setInterval(() => this.closeWindow(), this.windowMs);
    this.timer.unref();
  }

  /** From now on batches go out (before: windows are measured and dropped). */
  send(): void {
    this.sending = true;
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Closes the current window (the timer does this; tests call it directly). */
  closeWindow(): void {
    this.callerLevels.push(this.caller.take());
    this.agentLevels.push(this.agent.take());
    if (this.callerLevels.length < this.perBatch) return;
    const batch = { windowMs: this.windowMs, caller: this.callerLevels, agent: this.agentLevels };
    this.callerLevels = [];
    this.agentLevels = [];
    if (this.sending) this.sink(this.callSid, batch);
  }
}

/** The transport with every frame sent to the caller (the agent's audio) measured on the way. */
export function measureAgentAudio(transport: CallTransport, levels: AudioLevels): CallTransport {
  return {
    get inbound() {
      return transport.inbound;
    },
    get isOpen() {
      return transport.isOpen;
    },
    sendMedia(payload) {
      levels.addAgent(payload);
      transport.sendMedia(payload);
    },
    sendMediaWithMark(payload, mark) {
      levels.addAgent(payload);
      transport.sendMediaWithMark(payload, mark);
    },
    sendMark: (name) => transport.sendMark(name),
    sendClear: () => transport.sendClear(),
    close: (code, reason) => transport.close(code, reason),
  };
}

/**
 * The input audio buffer of a session, positioned on the session's input audio timeline
 * (milliseconds of audio appended since the session began; what `audio_start_ms` /
 * `audio_end_ms` count).
 */
import { formatBytesPerMs, type RealtimeAudioFormat } from './audio-format.ts';

/** Uncommitted input audio. */
export class InputAudioBuffer {
  private chunks: Uint8Array[] = [];
  private bytes = 0;
  private bytesPerMs: number;
  private sampleBytes: number;
  private format: RealtimeAudioFormat;
  /** Timeline position of the first buffered byte. */
  private bufferStartMs = 0;

  constructor(format: RealtimeAudioFormat) {
    this.format = format;
    this.bytesPerMs = formatBytesPerMs(format);
    this.sampleBytes = format.type === 'audio/pcm' ? 2 : 1;
  }

  /** The format of buffered bytes. */
  get audioFormat(): RealtimeAudioFormat {
    return this.format;
  }

  /** Timeline position of the buffer's start. */
  get startMs(): number {
    return this.bufferStartMs;
  }

  /** Timeline position of the buffer's end: all input audio so far. */
  get endMs(): number {
    return this.bufferStartMs + this.bytes / this.bytesPerMs;
  }

  /** Buffered duration. */
  get durationMs(): number {
    return this.bytes / this.bytesPerMs;
  }

  /** Adds audio at the end. */
  append(audio: Uint8Array): void {
    if (audio.length === 0) return;
    this.chunks.push(audio);
    this.bytes += audio.length;
  }

  /**
   * Removes and returns the audio between `fromMs` and `toMs` (clamped to the buffer); everything
   * before `toMs` leaves the buffer.
   */
  take(fromMs: number, toMs: number): Uint8Array {
    const all = this.consolidate();
    const from = this.offsetOf(fromMs);
    const to = Math.max(from, this.offsetOf(toMs));
    const out = all.slice(from, to);
    this.dropBytes(to);
    return out;
  }

  /** Drops buffered audio older than `keepMs` before the end (bounded memory while nobody speaks). */
  keepLast(keepMs: number): void {
    const excess = this.durationMs - keepMs;
    if (excess <= 0) return;
    this.consolidate();
    this.dropBytes(this.offsetOf(this.bufferStartMs + excess));
  }

  /** Empties the buffer (the timeline keeps its position). */
  clear(): void {
    this.dropBytes(this.bytes);
  }

  /** Switches format; buffered audio of the old format is dropped. */
  setFormat(format: RealtimeAudioFormat): void {
    const endMs = this.endMs;
    this.chunks = [];
    this.bytes = 0;
    this.bufferStartMs = endMs;
    this.format = format;
    this.bytesPerMs = formatBytesPerMs(format);
    this.sampleBytes = format.type === 'audio/pcm' ? 2 : 1;
  }

  private offsetOf(ms: number): number {
    const raw = Math.round((ms - this.bufferStartMs) * this.bytesPerMs);
    const clamped = Math.min(this.bytes, Math.max(0, raw));
    return clamped - (clamped % this.sampleBytes);
  }

  private consolidate(): Uint8Array {
    if (this.chunks.length === 1) return this.chunks[0]!;
    const all = new Uint8Array(this.bytes);
    let at = 0;
    for (const c of this.chunks) {
      all.set(c, at);
      at += c.length;
    }
    this.chunks = this.bytes > 0 ? [all] : [];
    return all;
  }

  private dropBytes(count: number): void {
    if (count <= 0) return;
    const all = this.consolidate();
    const rest = all.subarray(count);
    this.bufferStartMs += count / this.bytesPerMs;
    this.bytes = rest.length;
    this.chunks = rest.length > 0 ? [rest] : [];
  }
}

/**
 * Twilio's playback of a bidirectional stream, modelled: outbound media is appended to a buffer and
 * played at 8 bytes/ms on the caller's clock; a mark is echoed once all audio sent before it has
 * played (at once when nothing is buffered); `clear` drops buffered audio and echoes every pending
 * mark at once. Pure: time comes in as arguments, effects go out through {@link PlaybackListener}.
 */
import { MULAW_BYTES_PER_MS } from '@switchboard/telephony';

/** What the playback model reports, in the order it happens. */
export interface PlaybackListener {
  /** `audio` (a view, not a copy) started playing at `atMs`. */
  onPlayed?(audio: Uint8Array, atMs: number): void;
  /** A media message received at `arrivalMs` started playing at `startMs`. */
  onSegmentStart?(arrivalMs: number, startMs: number): void;
  /** A mark is due for echo: its audio played (`cleared` false) or a clear flushed it (`cleared` true). */
  onMark(name: string, atMs: number, cleared: boolean): void;
  /** The buffer ran dry at `atMs` (playback went idle without a clear). */
  onDrained?(atMs: number): void;
}

interface AudioItem {
  audio: Uint8Array;
  offset: number;
  arrivalMs: number;
}
type Item = AudioItem | { mark: string };

/** The result of {@link PlaybackModel.clear}. */
export interface ClearResult {
  droppedBytes: number;
  /** Marks echoed by the clear, in the order they were sent. */
  marks: string[];
}

/** One call's playback buffer; see the file comment. */
export class PlaybackModel {
  private queue: Item[] = [];
  private head = 0;
  private buffered = 0;
  private played = 0;
  private playheadMs = 0;
  private readonly listener: PlaybackListener;

  constructor(listener: PlaybackListener) {
    this.listener = listener;
  }

  /** Audio waiting to play, in bytes. */
  get bufferedBytes(): number {
    return this.buffered;
  }

  /** Audio waiting to play, in ms. */
  get bufferedMs(): number {
    return this.buffered / MULAW_BYTES_PER_MS;
  }

  /** Audio played so far, in bytes. */
  get playedBytes(): number {
    return this.played;
  }

  /** True while audio is buffered (the caller is hearing something). */
  get isPlaying(): boolean {
    return this.buffered > 0;
  }

  /** Appends a media payload received at `nowMs`; playback starts at once if the buffer was idle. */
  append(audio: Uint8Array, nowMs: number): void {
    this.advanceTo(nowMs);
    if (audio.length === 0) return;
    if (this.buffered === 0) this.playheadMs = Math.max(this.playheadMs, nowMs);
    this.queue.push({ audio, offset: 0, arrivalMs: nowMs });
    this.buffered += audio.length;
  }

  /** A mark received at `nowMs`: echoed now if nothing is buffered, else after the audio before it. */
  mark(name: string, nowMs: number): void {
    this.advanceTo(nowMs);
    if (this.head >= this.queue.length) this.listener.onMark(name, nowMs, false);
    else this.queue.push({ mark: name });
  }

  /** Drops buffered audio at `nowMs` and echoes every pending mark. */
  clear(nowMs: number): ClearResult {
    this.advanceTo(nowMs);
    const marks: string[] = [];
    for (let i = this.head; i < this.queue.length; i++) {
      const item = this.queue[i]!;
      if ('mark' in item) marks.push(item.mark);
    }
    const droppedBytes = this.buffered;
    this.queue = [];
    this.head = 0;
    this.buffered = 0;
    this.playheadMs = Math.max(this.playheadMs, nowMs);
    for (const name of marks) this.listener.onMark(name, nowMs, true);
    return { droppedBytes, marks };
  }

  /** Plays everything due up to `nowMs`; earlier times are ignored (the model never runs backwards). */
  advanceTo(nowMs: number): void {
    if (nowMs <= this.playheadMs) return;
    if (this.head >= this.queue.length) {
      this.playheadMs = nowMs;
      return;
    }
    // Whole bytes only; the fraction waits for the next call, so no audio is lost to rounding.
    let budget = Math.floor((nowMs - this.playheadMs) * MULAW_BYTES_PER_MS + 1e-9);
    while (this.head < this.queue.length) {
      const item = this.queue[this.head]!;
      if ('mark' in item) {
        this.head++;
        this.listener.onMark(item.mark, this.playheadMs, false);
        continue;
      }
      if (budget === 0) break;
      const n = Math.min(budget, item.audio.length - item.offset);
      if (item.offset === 0) this.listener.onSegmentStart?.(item.arrivalMs, this.playheadMs);
      this.listener.onPlayed?.(item.audio.subarray(item.offset, item.offset + n), this.playheadMs);
      item.offset += n;
      budget -= n;
      this.buffered -= n;
      this.played += n;
      this.playheadMs += n / MULAW_BYTES_PER_MS;
      if (item.offset === item.audio.length) this.head++;
    }
    if (this.head >= this.queue.length) {
      this.queue = [];
      this.head = 0;
      this.listener.onDrained?.(this.playheadMs);
      this.playheadMs = nowMs;
    } else if (this.head > 64) {
      // Keeps the array short on long calls without shifting on every frame.
      this.queue = this.queue.slice(this.head);
      this.head = 0;
    }
  }
}

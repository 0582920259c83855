import { MULAW_BYTES_PER_MS } from '@switchboard/telephony';

/** Where playback stood at an instant: the item the caller was hearing, and how much of it. */
export interface HeardPosition {
  itemId: string;
  /** Audio of `itemId` the caller has heard, in ms; never more than was sent. */
  audioEndMs: number;
  /** Audio of `itemId` sent to Twilio so far, in ms. */
  sentMs: number;
  /** Items whose audio was sent but none of it played (after `itemId` in the queue). */
  unheardItemIds: string[];
}

/** One media frame sent and not yet known to be played. */
interface SentFrame {
  itemId: string;
  /** Bytes of the item sent up to and including this frame. */
  endBytes: number;
  /** Bytes of this frame. */
  bytes: number;
  /** When this frame starts playing if Twilio plays what it gets at once, one frame after another. */
  playStartMs: number;
  /** The mark sent after this frame, if one was. */
  mark: string | undefined;
}

interface ItemProgress {
  sentBytes: number;
  playedBytes: number;
}

/**
 * Tracks what the caller has heard from Twilio's echoed marks. A mark follows a media frame (not
 * necessarily every one: the audio out decides how often); Twilio echoes a mark once the audio before
 * it has played, so the last echoed mark of an item is the audio heard at least. Marks still pending
 * after a `clear` are echoed at once by Twilio and must not count as heard, so `reset` forgets them.
 *
 * Given a clock, the heard position is interpolated from every frame sent, marked or not: frames play
 * one after another, each from when it was sent or when the one before it ends, whichever is later,
 * shifted by the line's delay (half the smallest lag seen between a marked frame's expected end and its
 * mark's echo). It is never behind the last echoed mark, nor past what was sent. Without a clock, it is
 * the last echoed mark.
 */
export class PlaybackTracker {
  /** Frames sent and not yet known to be played, in send order. */
  private pending: SentFrame[] = [];
  /** The marked frames among them, by mark name. */
  private readonly marks = new Map<string, SentFrame>();
  private readonly items = new Map<string, ItemProgress>();
  private seq = 0;
  private generation = 0;
  private idleWaiters: Array<() => void> = [];
  /** When the audio sent so far will have played out (a FIFO player with no delay). */
  private playsOutAtMs = Number.NEGATIVE_INFINITY;
  /** The smallest lag seen from a frame's expected end to its mark's echo: the line's round trip. */
  private minEchoLagMs = Number.POSITIVE_INFINITY;

  constructor(private readonly now?: () => number) {}

  /** Records `bytes` of `itemId` sent and names the mark to send after the media frame. */
  onAudioSent(itemId: string, bytes: number): string {
    this.onFrameSent(itemId, bytes);
    return this.mark()!;
  }

  /** Records `bytes` of `itemId` sent in a media frame that no mark follows (yet). */
  onFrameSent(itemId: string, bytes: number): void {
    let item = this.items.get(itemId);
    if (!item) {
      item = { sentBytes: 0, playedBytes: 0 };
      this.items.set(itemId, item);
    }
    item.sentBytes += bytes;
    let playStartMs = 0;
    if (this.now) {
      playStartMs = Math.max(this.playsOutAtMs, this.now());
      this.playsOutAtMs = playStartMs + bytes / MULAW_BYTES_PER_MS;
    }
    this.pending.push({ itemId, endBytes: item.sentBytes, bytes, playStartMs, mark: undefined });
  }

  /**
   * Names the mark to send now, after the last frame sent; undefined when that frame already has one
   * (or nothing is pending). Until it is sent, the frames since the previous mark wait for it.
   */
  mark(): string | undefined {
    const last = this.pending[this.pending.length - 1];
    if (!last || last.mark !== undefined) return undefined;
    last.mark = `${this.generation}.${++this.seq}`;
    this.marks.set(last.mark, last);
    return last.mark;
  }

  /** Marks named on this call so far, cleared ones included. */
  get marksNamed(): number {
    return this.seq;
  }

  /** True when frames were recorded since the last mark: a mark is owed. */
  get unmarked(): boolean {
    const last = this.pending[this.pending.length - 1];
    return last !== undefined && last.mark === undefined;
  }

  /** Twilio echoed `name`: the audio before it has played. Unknown or stale marks are ignored. */
  onMarkEchoed(name: string): void {
    const mark = this.marks.get(name);
    if (!mark) return;
    if (this.now) {
      const lagMs = this.now() - (mark.playStartMs + mark.bytes / MULAW_BYTES_PER_MS);
      if (lagMs >= 0 && lagMs < this.minEchoLagMs) this.minEchoLagMs = lagMs;
    }
    // Marks echo in order; every frame up to this mark has played.
    const upTo = this.pending.indexOf(mark);
    for (let i = 0; i <= upTo; i++) {
      const m = this.pending[i]!;
      if (m.mark !== undefined) this.marks.delete(m.mark);
      const item = this.items.get(m.itemId);
      if (item && m.endBytes > item.playedBytes) item.playedBytes = m.endBytes;
    }
    this.pending.splice(0, upTo + 1);
    if (this.pending.length === 0) this.notifyIdle();
  }

  /** Resolves once nothing sent is waiting to be played (at once when nothing is). */
  whenIdle(): Promise<void> {
    if (this.pending.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** True when everything still pending belongs to `itemId`. */
  onlyPending(itemId: string): boolean {
    if (this.pending.length === 0) return false;
    for (const m of this.pending) if (m.itemId !== itemId) return false;
    return true;
  }

  private notifyIdle(): void {
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const w of waiters) w();
  }

  /** True while audio sent to Twilio has not yet been confirmed played. */
  get hasPendingAudio(): boolean {
    return this.pending.length > 0;
  }

  /** Number of marks not yet echoed. */
  get pendingMarks(): number {
    return this.marks.size;
  }

  /** What the caller is hearing now, or undefined when nothing is playing. */
  heardPosition(): HeardPosition | undefined {
    const first = this.pending[0];
    if (!first) return undefined;
    const itemId = first.itemId;
    const item = this.items.get(itemId)!;
    const unheard: string[] = [];
    for (const m of this.pending) {
      if (m.itemId !== itemId && !unheard.includes(m.itemId)) unheard.push(m.itemId);
    }
    const heardBytes = this.now ? this.interpolate(itemId, item.playedBytes, this.now()) : item.playedBytes;
    return {
      itemId,
      audioEndMs: Math.floor(heardBytes / MULAW_BYTES_PER_MS),
      sentMs: Math.floor(item.sentBytes / MULAW_BYTES_PER_MS),
      unheardItemIds: unheard,
    };
  }

  /** Audio of `itemId` sent so far, in ms. */
  sentMs(itemId: string): number {
    return Math.floor((this.items.get(itemId)?.sentBytes ?? 0) / MULAW_BYTES_PER_MS);
  }

  /** Bytes of `itemId` heard at `nowMs`, from the pending frames' play times and the line's delay. */
  private interpolate(itemId: string, playedBytes: number, nowMs: number): number {
    const delayMs = Number.isFinite(this.minEchoLagMs) ? this.minEchoLagMs / 2 : 0;
    const atMs = nowMs - delayMs;
    let heard = playedBytes;
    for (const m of this.pending) {
      if (m.itemId !== itemId || atMs <= m.playStartMs) break;
      const durationMs = m.bytes / MULAW_BYTES_PER_MS;
      if (atMs < m.playStartMs + durationMs) {
        heard = m.endBytes - m.bytes + (atMs - m.playStartMs) * MULAW_BYTES_PER_MS;
        break;
      }
      heard = m.endBytes;
    }
    return Math.max(playedBytes, heard);
  }

  /** After a `clear`: pending marks no longer mean anything, and marks echoed for them are ignored. */
  reset(): void {
    this.playsOutAtMs = Number.NEGATIVE_INFINITY;
    this.pending = [];
    this.marks.clear();
    this.generation++;
    this.notifyIdle();
  }

  /** Forgets per-item figures for items that can no longer be interrupted. */
  forgetItem(itemId: string): void {
    this.items.delete(itemId);
  }
}

/** Decoded byte length of a base64 string, without decoding it. */
export function base64ByteLength(b64: string): number {
  const len = b64.length;
  // An empty string has no last character: its padding reads as 0, its length as 0.
  const padding = b64.charCodeAt(len - 1) === 61 ? (b64.charCodeAt(len - 2) === 61 ? 2 : 1) : 0;
  return Math.floor((len * 3) / 4) - padding;
}

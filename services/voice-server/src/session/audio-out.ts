import { MULAW_BYTES_PER_MS } from '@switchboard/telephony';
import type { VoiceMetrics } from '../metrics.ts';
import type { CallTransport } from '../ports/call-transport.ts';
import { base64ByteLength, type PlaybackTracker } from './playback-tracker.ts';

/** Longest media message sent as it came: 200 ms of mu-law. */
const MAX_MEDIA_BYTES = 200 * 8;
/** Pieces of a longer one: 798 bytes (a multiple of 3, so 1,064 base64 characters), about 100 ms. */
const PIECE_CHARS = 1_064;
/**
 * The model's audio gets a mark once this much of an item went out unmarked (and always after its last
 * frame, and before another item's audio): each mark is a message out and its echo a message in, the
 * costliest messages of the relay per byte of audio, and between marks the playback tracker
 * interpolates the heard position from time, so a mark per delta buys no precision. Measured with
 * `pnpm bench voice-relay` at 50 calls: a mark every 200 ms cost about 10 µs more CPU per relayed frame
 * than one a second in single runs (runs spread by up to a fifth), with the same truncation offsets.
 */
export const MARK_EVERY_MS = 1000;
const MARK_EVERY_BYTES = MARK_EVERY_MS * MULAW_BYTES_PER_MS;
/**
 * The call's first mark comes sooner: its echo gives the playback tracker the line's delay, which it
 * takes off the interpolated position, and a caller often talks over the greeting's first second.
 */
export const FIRST_MARK_AFTER_MS = 200;
const FIRST_MARK_BYTES = FIRST_MARK_AFTER_MS * MULAW_BYTES_PER_MS;

/**
 * Audio to the caller. The model's audio is followed by a mark every {@link MARK_EVERY_MS} of an item
 * (the call's first after {@link FIRST_MARK_AFTER_MS}),
 * when another item's audio follows, and when the caller of `agent` says the audio ended (`endMark`);
 * the pieces of an oversized delta and the platform's own audio (`local`) by a mark each. Twilio's echoed marks tell how much of each
 * item the caller has heard. `clear` empties Twilio's buffer and forgets what it held.
 */
export class AudioOut {
  /** The item whose frames went out since the last mark, and how many bytes of it. */
  private unmarkedItem: string | undefined;
  private unmarkedBytes = 0;

  constructor(
    private readonly transport: CallTransport,
    private readonly playback: PlaybackTracker,
    private readonly metrics: VoiceMetrics,
  ) {}

  /**
   * One delta of the model's audio for `itemId`: as it came, or, when longer than 200 ms, in pieces of
   * about 100 ms, each with its mark, so a barge-in inside it is still truncated where it was heard.
   */
  agent(itemId: string, payload: string): void {
    if (this.unmarkedItem !== undefined && this.unmarkedItem !== itemId) this.endMark();
    const bytes = base64ByteLength(payload);
    if (bytes <= MAX_MEDIA_BYTES) {
      this.frame(itemId, payload, bytes);
      return;
    }
    this.metrics.oversizedDeltas++;
    this.unmarkedItem = undefined;
    this.unmarkedBytes = 0;
    // Base64 cut at a multiple of 4 characters is whole base64: no decoding needed. A long delta is
    // rare (an external voice's chunk): each piece keeps its mark.
    for (let at = 0; at < payload.length; at += PIECE_CHARS) {
      const piece = payload.slice(at, at + PIECE_CHARS);
      this.transport.sendMediaWithMark(piece, this.playback.onAudioSent(itemId, base64ByteLength(piece)));
      this.metrics.framesOut++;
    }
  }

  private frame(itemId: string, payload: string, bytes: number): void {
    this.metrics.framesOut++;
    this.playback.onFrameSent(itemId, bytes);
    this.unmarkedItem = itemId;
    this.unmarkedBytes += bytes;
    // Until the call's first mark is named, one is due sooner (every mark is named by the tracker).
    const dueBytes = this.playback.marksNamed === 0 ? FIRST_MARK_BYTES : MARK_EVERY_BYTES;
    if (this.unmarkedBytes < dueBytes) {
      this.transport.sendMedia(payload);
      return;
    }
    this.unmarkedItem = undefined;
    this.unmarkedBytes = 0;
    this.transport.sendMediaWithMark(payload, this.playback.mark()!);
  }

  /**
   * The model's audio ended for now (its response is done, or its stream stopped): the frames sent
   * since the last mark get theirs, so "everything played" can be known.
   */
  endMark(): void {
    this.unmarkedItem = undefined;
    this.unmarkedBytes = 0;
    const name = this.playback.mark();
    if (name !== undefined) this.transport.sendMark(name);
  }

  /** Audio the platform makes itself (the filler, the thinking sound), in play order. */
  local(itemId: string, chunks: readonly string[]): void {
    if (this.unmarkedItem !== undefined) this.endMark();
    for (const chunk of chunks)
      this.transport.sendMediaWithMark(chunk, this.playback.onAudioSent(itemId, base64ByteLength(chunk)));
  }

  /** Stops playback at once: Twilio drops what it buffered, and its pending marks stop counting. */
  clear(): void {
    this.unmarkedItem = undefined;
    this.unmarkedBytes = 0;
    this.transport.sendClear();
    this.playback.reset();
  }
}

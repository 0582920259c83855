import type { VoiceMetrics } from '../metrics.ts';
import type { CallTransport } from '../ports/call-transport.ts';
import { base64ByteLength, type PlaybackTracker } from './playback-tracker.ts';

/** Longest media message sent as it came: 200 ms of mu-law. */
const MAX_MEDIA_BYTES = 200 * 8;
/** Pieces of a longer one: 798 bytes (a multiple of 3, so 1,064 base64 characters), about 100 ms. */
const PIECE_CHARS = 1_064;

/**
 * Audio to the caller: every media frame is followed by a mark, so Twilio's echoed marks tell how much
 * of each item the caller has heard. `clear` empties Twilio's buffer and forgets what it held.
 */
export class AudioOut {
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
    const bytes = base64ByteLength(payload);
    if (bytes <= MAX_MEDIA_BYTES) {
      this.transport.sendMediaWithMark(payload, this.playback.onAudioSent(itemId, bytes));
      this.metrics.framesOut++;
      return;
    }
    this.metrics.oversizedDeltas++;
    // Base64 cut at a multiple of 4 characters is whole base64: no decoding needed.
    for (let at = 0; at < payload.length; at += PIECE_CHARS) {
      const piece = payload.slice(at, at + PIECE_CHARS);
      this.transport.sendMediaWithMark(piece, this.playback.onAudioSent(itemId, base64ByteLength(piece)));
      this.metrics.framesOut++;
    }
  }

  /** Audio the platform makes itself (the filler, the thinking sound), in play order. */
  local(itemId: string, chunks: readonly string[]): void {
    for (const chunk of chunks)
      this.transport.sendMediaWithMark(chunk, this.playback.onAudioSent(itemId, base64ByteLength(chunk)));
  }

  /** Stops playback at once: Twilio drops what it buffered, and its pending marks stop counting. */
  clear(): void {
    this.transport.sendClear();
    this.playback.reset();
  }
}

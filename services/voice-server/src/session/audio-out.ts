import type { VoiceMetrics } from '../metrics.ts';
import type { CallTransport } from '../ports/call-transport.ts';
import { base64ByteLength, type PlaybackTracker } from './playback-tracker.ts';

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

  /** One delta of the model's audio for `itemId`, as it came. */
  agent(itemId: string, payload: string): void {
    this.transport.sendMediaWithMark(payload, this.playback.onAudioSent(itemId, base64ByteLength(payload)));
    this.metrics.framesOut++;
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

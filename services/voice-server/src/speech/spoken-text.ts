/**
 * The text of one TTS turn on its audio timeline, from each chunk's alignment: what the caller had heard
 * once `heardMs` of the turn's audio had played (the agent's transcript after a barge-in). Chunk times
 * are relative to their chunk (ElevenLabs' alignment), so each chunk is placed after the audio before it.
 */
import { MULAW_BYTES_PER_MS } from '@switchboard/telephony';
import type { TtsAlignment } from '../ports/tts-stream.ts';

/** One turn's characters with their start times. */
export class SpokenText {
  private readonly chars: string[] = [];
  private readonly startsMs: number[] = [];
  private audioMs = 0;

  /** Adds the next chunk of the turn (mu-law bytes, and its alignment or null). */
  add(bytes: number, alignment: TtsAlignment | null): void {
    if (alignment) {
      for (let i = 0; i < alignment.chars.length; i++) {
        this.chars.push(alignment.chars[i]!);
        this.startsMs.push(this.audioMs + alignment.charStartTimesMs[i]!);
      }
    }
    this.audioMs += bytes / MULAW_BYTES_PER_MS;
  }

  /** Audio of the turn so far. */
  get durationMs(): number {
    return this.audioMs;
  }

  /** The characters that had started playing by `heardMs` into the turn's audio. */
  textUpTo(heardMs: number): string {
    let n = 0;
    while (n < this.chars.length && this.startsMs[n]! < heardMs) n++;
    return this.chars.slice(0, n).join('');
  }

  /** All the text of the chunks added. */
  get text(): string {
    return this.chars.join('');
  }
}

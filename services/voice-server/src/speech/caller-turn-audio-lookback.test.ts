// The keeper's look-back over long stretches of audio: the recent audio is kept by an index that moves
// past old frames and is compacted every 256 frames, so a turn that starts seconds into a call, or
// minutes, still reaches back exactly `lookbackMs` (never further, never less).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { TurnAudio } from '../ports/transcriber.ts';
import { CallerTurnAudio } from './caller-turn-audio.ts';

const FRAME_MS = 20;
const BYTES_PER_MS = 8;

/** Byte i of the call's audio is i mod 251: a cut shows where it was made. */
const frameAt = (ms: number) =>
  Buffer.from(
    Uint8Array.from({ length: FRAME_MS * BYTES_PER_MS }, (_, i) => (ms * BYTES_PER_MS + i) % 251),
  ).toString('base64');
const ramp = (fromMs: number, toMs: number) =>
  Uint8Array.from({ length: (toMs - fromMs) * BYTES_PER_MS }, (_, i) => (fromMs * BYTES_PER_MS + i) % 251);

describe('caller turn audio: the look-back over long calls', () => {
  it('reaches back to audio_start_ms, or lookbackMs before speech_started arrived, whichever is later', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 900 }),
        fc.integer({ min: 0, max: 20_000 }),
        fc.constantFrom(500, 2000),
        (frames, startAsked, lookbackMs) => {
          const turns: TurnAudio[] = [];
          const keeper = new CallerTurnAudio({
            lookbackMs,
            transcriber: {
              provider: 'cartesia',
              transcribe: (audio) => {
                turns.push(audio);
                return new Promise(() => {});
              },
            },
          });
          const timelineMs = frames * FRAME_MS;
          for (let ms = 0; ms < timelineMs; ms += FRAME_MS) keeper.onAudio(frameAt(ms));
          keeper.onSpeechStarted('item_1', Math.min(startAsked, timelineMs));
          keeper.onAudio(frameAt(timelineMs));
          keeper.onSpeechStopped('item_1', timelineMs + FRAME_MS);
          keeper.onCommitted('item_1');
          const oldestKept = Math.max(0, timelineMs - lookbackMs);
          const fromMs = Math.max(Math.min(startAsked, timelineMs), oldestKept);
          expect(turns).toHaveLength(1);
          expect(Buffer.from(turns[0]!.mulaw).equals(Buffer.from(ramp(fromMs, timelineMs + FRAME_MS)))).toBe(
            true,
          );
        },
      ),
      { numRuns: 60 },
    );
  });
});

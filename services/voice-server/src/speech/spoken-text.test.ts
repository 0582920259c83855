/**
 * The text a caller heard of a TTS turn, from ElevenLabs' per-chunk alignment (times relative to each
 * chunk's own audio: ElevenLabs API reference, "WebSocket", `alignment.charStartTimesMs`).
 */
import { describe, expect, it } from 'vitest';
import type { TtsAlignment } from '../ports/tts-stream.ts';
import { SpokenText } from './spoken-text.ts';

/** A chunk's alignment: each character 60 ms, from the chunk's start. */
function aligned(text: string): TtsAlignment {
  const chars = [...text];
  return {
    chars,
    charStartTimesMs: chars.map((_, i) => i * 60),
    charDurationsMs: chars.map(() => 60),
  };
}

describe('spoken text', () => {
  it('places each chunk after the audio before it, and cuts at what was heard', () => {
    const spoken = new SpokenText();
    spoken.add(8 * 360, aligned('Hello '));
    spoken.add(8 * 360, aligned('there.'));
    expect(spoken.durationMs).toBe(720);
    expect(spoken.text).toBe('Hello there.');
    expect(spoken.textUpTo(0)).toBe('');
    expect(spoken.textUpTo(1)).toBe('H');
    // 400 ms in: the second chunk's first character (at 360 ms) has started
    expect(spoken.textUpTo(400)).toBe('Hello t');
    expect(spoken.textUpTo(10_000)).toBe('Hello there.');
  });

  it('a chunk without alignment still takes its time on the timeline', () => {
    const spoken = new SpokenText();
    spoken.add(8 * 500, null);
    spoken.add(8 * 120, aligned('ok'));
    expect(spoken.textUpTo(500)).toBe('');
    expect(spoken.textUpTo(561)).toBe('ok');
  });
});

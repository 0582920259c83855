/**
 * Simulated speech: text rendered as 8 kHz audio that sounds like speech to a line (speech band,
 * speech level, syllable rhythm, pauses between words) and that the simulated recognisers can read
 * back. Each character is a 50 ms two-tone symbol (one low, one high frequency, like DTMF) with a
 * short gap; a space is a longer pause. The renderer reports each character's start and duration,
 * which is what ElevenLabs' alignment carries.
 */

/** Sample rate of rendered speech. */
export const SPEECH_SAMPLE_RATE = 8000;
/** One character's tone. */
export const SYMBOL_MS = 50;
/** Silence after each character inside a word. */
export const SYMBOL_GAP_MS = 10;
/** A space: the pause between words. */
export const WORD_GAP_MS = 90;

/** Low and high frequencies of the symbol grid (Hz): 7 × 7 = 49 symbols, all inside 300–3400 Hz. */
export const LOW_TONES_HZ = [400, 530, 660, 790, 920, 1050, 1180] as const;
export const HIGH_TONES_HZ = [1400, 1600, 1800, 2000, 2200, 2400, 2600] as const;

/** The characters speech can carry, in symbol order; anything else is spoken as a pause. */
export const SPEECH_ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789'.,?!-:;&%$@+";

const SYMBOL_OF = new Map([...SPEECH_ALPHABET].map((ch, i) => [ch, i]));
/** Peak of each tone; the pair sums to about -14 dBFS RMS, the level of speech on a phone line. */
const TONE_PEAK = 0.22 * 32767;

/** One rendered character: where it starts in the audio and how long it lasts. */
export interface CharTiming {
  char: string;
  startMs: number;
  durationMs: number;
}

/** Speech audio with its character alignment. */
export interface RenderedSpeech {
  /** PCM16 at {@link SPEECH_SAMPLE_RATE}. */
  pcm: Int16Array;
  durationMs: number;
  chars: CharTiming[];
}

/** The symbol index of a character (case-folded), or null when it is spoken as a pause. */
export function symbolOf(char: string): number | null {
  return SYMBOL_OF.get(char.toLowerCase()) ?? null;
}

/** How long `char` lasts when rendered. */
export function charDurationMs(char: string): number {
  return symbolOf(char) === null ? WORD_GAP_MS : SYMBOL_MS + SYMBOL_GAP_MS;
}

/** Renders `text` as speech; `speed` (e.g. ElevenLabs' 0.7–1.2) shortens or lengthens the pauses. */
export function renderSpeech(text: string, speed = 1): RenderedSpeech {
  const chars: CharTiming[] = [];
  let atMs = 0;
  for (const char of text) {
    const base = charDurationMs(char);
    // tones keep their length so they stay readable; speed changes the pauses
    const durationMs = symbolOf(char) === null ? base / speed : SYMBOL_MS + SYMBOL_GAP_MS / speed;
    chars.push({ char, startMs: atMs, durationMs });
    atMs += durationMs;
  }
  const samplesPerMs = SPEECH_SAMPLE_RATE / 1000;
  const pcm = new Int16Array(Math.round(atMs * samplesPerMs));
  for (const c of chars) {
    const symbol = symbolOf(c.char);
    if (symbol === null) continue;
    const low = LOW_TONES_HZ[Math.floor(symbol / HIGH_TONES_HZ.length)]!;
    const high = HIGH_TONES_HZ[symbol % HIGH_TONES_HZ.length]!;
    const start = Math.round(c.startMs * samplesPerMs);
    const count = SYMBOL_MS * samplesPerMs;
    const ramp = 5 * samplesPerMs;
    for (let i = 0; i < count && start + i < pcm.length; i++) {
      // a syllable-like envelope: 5 ms rise and fall, no clicks
      const envelope = Math.min(1, i / ramp, (count - i) / ramp);
      const t = i / SPEECH_SAMPLE_RATE;
      const value =
        TONE_PEAK * envelope * (Math.sin(2 * Math.PI * low * t) + Math.sin(2 * Math.PI * high * t));
      pcm[start + i] = Math.round(value);
    }
  }
  return { pcm, durationMs: atMs, chars };
}

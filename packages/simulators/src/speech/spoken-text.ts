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

/**
 * Low and high frequencies of the symbol grid (Hz), all inside 300–3400 Hz. The first seven of each
 * make the original 7 × 7 grid (the ASCII alphabet, unchanged); the eighth low tone and the last
 * three high ones carry the accented letters and punctuation of Spanish, French and German.
 */
export const LOW_TONES_HZ = [400, 530, 660, 790, 920, 1050, 1180, 1310] as const;
export const HIGH_TONES_HZ = [1400, 1600, 1800, 2000, 2200, 2400, 2600, 2800, 3000, 3200] as const;

/** The original grid: 7 low × 7 high tones. */
const BASE_TONES = 7;
/** The first 49 symbols: one per tone pair of the original grid, in its order. */
const BASE_ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789'.,?!-:;&%$@+";
/** Letters and punctuation of Spanish, French and German, on the tone pairs added to the grid. */
const EXTENDED_ALPHABET = 'áéíóúñü¿¡àèìòùçâêîôûëïäößœæ«»…ÿ';

/** The characters speech can carry, in symbol order; anything else is spoken as a pause. */
export const SPEECH_ALPHABET = BASE_ALPHABET + EXTENDED_ALPHABET;

/** Each symbol's (low, high) tone indexes: the original grid first, then the added pairs. */
const SYMBOL_TONES: Array<readonly [number, number]> = [];
for (let low = 0; low < BASE_TONES; low++)
  for (let high = 0; high < BASE_TONES; high++) SYMBOL_TONES.push([low, high]);
for (let low = 0; low < BASE_TONES; low++)
  for (let high = BASE_TONES; high < HIGH_TONES_HZ.length; high++) SYMBOL_TONES.push([low, high]);
for (let low = BASE_TONES; low < LOW_TONES_HZ.length; low++)
  for (let high = 0; high < HIGH_TONES_HZ.length; high++) SYMBOL_TONES.push([low, high]);

const SYMBOL_OF = new Map([...SPEECH_ALPHABET].map((ch, i) => [ch, i]));
const CHAR_OF_TONES = new Map(SYMBOL_TONES.map(([low, high], i) => [low * 100 + high, SPEECH_ALPHABET[i]!]));

/** The (low, high) tone indexes of a symbol. */
export function symbolTones(symbol: number): readonly [number, number] {
  return SYMBOL_TONES[symbol]!;
}

/** The character a (low, high) tone pair carries, or null when the pair is not a symbol. */
export function charOfTones(low: number, high: number): string | null {
  return CHAR_OF_TONES.get(low * 100 + high) ?? null;
}

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
  // composed form: an accent typed as a combining mark is one character, not a pause
  for (const char of text.normalize('NFC')) {
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
    const [lowIndex, highIndex] = symbolTones(symbol);
    const low = LOW_TONES_HZ[lowIndex]!;
    const high = HIGH_TONES_HZ[highIndex]!;
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

/**
 * Reading simulated speech back: the recogniser behind the simulated speech-to-text services. It
 * finds the tone bursts of {@link renderSpeech}, groups them into words by the pauses between them,
 * and identifies each character by the energy at the grid's frequencies (Goertzel). Audio that is not
 * simulated speech (a tone, noise, silence) yields no words: the recognisers answer with empty text.
 */
import { resamplePcm16 } from '../openai-realtime/audio-format.ts';
import {
  charOfTones,
  HIGH_TONES_HZ,
  LOW_TONES_HZ,
  SPEECH_SAMPLE_RATE,
  SYMBOL_GAP_MS,
  SYMBOL_MS,
} from './spoken-text.ts';

/** A recognised word with its timing in the audio. */
export interface RecognisedWord {
  text: string;
  startMs: number;
  endMs: number;
}

/** What the recogniser heard. */
export interface Recognition {
  text: string;
  words: RecognisedWord[];
  /** Audio length. */
  durationMs: number;
}

const FRAME_MS = 5;
/** A pause at least this long separates words. */
const WORD_PAUSE_MS = 45;
/** Voiced frames are within this many dB of the loudest frame (and above the floor). */
const VOICED_RANGE_DB = 20;
const VOICED_FLOOR_DBFS = -45;
/** The winning frequency must carry this share of its band's energy, or the symbol is unreadable. */
const DOMINANCE = 0.6;

/** Recognises speech in PCM16 audio at `sampleRate`. */
export function recognizeSpeech(pcm: Int16Array, sampleRate: number): Recognition {
  const samples = resamplePcm16(pcm, sampleRate, SPEECH_SAMPLE_RATE);
  const durationMs = (samples.length / SPEECH_SAMPLE_RATE) * 1000;
  const runs = voicedRuns(samples);
  const words: RecognisedWord[] = [];
  let current: { chars: string[]; startMs: number; endMs: number; readable: boolean } | null = null;
  const finishWord = () => {
    if (current?.readable && current.chars.length > 0) {
      words.push({ text: current.chars.join(''), startMs: current.startMs, endMs: current.endMs });
    }
    current = null;
  };
  let lastEndMs = Number.NEGATIVE_INFINITY;
  for (const run of runs) {
    if (run.startMs - lastEndMs >= WORD_PAUSE_MS) finishWord();
    lastEndMs = run.endMs;
    // a run may hold several symbols whose gaps were filled (noise, echo): split it evenly
    const count = Math.max(
      1,
      Math.round((run.endMs - run.startMs + SYMBOL_GAP_MS) / (SYMBOL_MS + SYMBOL_GAP_MS)),
    );
    const step = (run.endMs - run.startMs) / count;
    for (let k = 0; k < count; k++) {
      const from = run.startMs + k * step;
      const char = readSymbol(samples, from, from + step);
      current ??= { chars: [], startMs: from, endMs: from, readable: true };
      if (char === null) current.readable = false;
      else current.chars.push(char);
      current.endMs = from + step;
    }
  }
  finishWord();
  return { text: words.map((w) => w.text).join(' '), words, durationMs };
}

interface Run {
  startMs: number;
  endMs: number;
}

function voicedRuns(samples: Int16Array): Run[] {
  const frame = (SPEECH_SAMPLE_RATE / 1000) * FRAME_MS;
  const levels: number[] = [];
  for (let at = 0; at + frame <= samples.length; at += frame) {
    let sum = 0;
    for (let i = at; i < at + frame; i++) sum += samples[i]! * samples[i]!;
    levels.push(10 * Math.log10(sum / frame / 32768 ** 2 + 1e-12));
  }
  const loudest = Math.max(...levels, Number.NEGATIVE_INFINITY);
  const threshold = Math.max(VOICED_FLOOR_DBFS, loudest - VOICED_RANGE_DB);
  const runs: Run[] = [];
  let start = -1;
  levels.forEach((level, i) => {
    if (level >= threshold && start < 0) start = i;
    if (level < threshold && start >= 0) {
      runs.push({ startMs: start * FRAME_MS, endMs: i * FRAME_MS });
      start = -1;
    }
  });
  if (start >= 0) runs.push({ startMs: start * FRAME_MS, endMs: levels.length * FRAME_MS });
  // bursts shorter than a third of a symbol are clicks, not characters
  return runs.filter((r) => r.endMs - r.startMs >= SYMBOL_MS / 3);
}

function readSymbol(samples: Int16Array, fromMs: number, toMs: number): string | null {
  const perMs = SPEECH_SAMPLE_RATE / 1000;
  // the middle of the burst, clear of its edges
  const margin = Math.max(0, (toMs - fromMs - 30) / 2);
  const from = Math.round((fromMs + margin) * perMs);
  const to = Math.min(samples.length, Math.round((toMs - margin) * perMs));
  if (to - from < 10 * perMs) return null;
  const low = strongest(samples, from, to, LOW_TONES_HZ);
  const high = strongest(samples, from, to, HIGH_TONES_HZ);
  if (low === null || high === null) return null;
  return charOfTones(low, high);
}

function strongest(samples: Int16Array, from: number, to: number, tones: readonly number[]): number | null {
  const powers = tones.map((hz) => goertzel(samples, from, to, hz));
  const total = powers.reduce((a, b) => a + b, 0);
  let best = 0;
  for (let i = 1; i < powers.length; i++) if (powers[i]! > powers[best]!) best = i;
  return total > 0 && powers[best]! / total >= DOMINANCE ? best : null;
}

function goertzel(samples: Int16Array, from: number, to: number, hz: number): number {
  const coeff = 2 * Math.cos((2 * Math.PI * hz) / SPEECH_SAMPLE_RATE);
  let s1 = 0;
  let s2 = 0;
  for (let i = from; i < to; i++) {
    const s0 = samples[i]! + coeff * s1 - s2;
    s2 = s1;
    s1 = s0;
  }
  return s1 * s1 + s2 * s2 - coeff * s1 * s2;
}

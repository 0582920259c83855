/**
 * The audio the simulated assistant speaks: a syllable-modulated tone by default, or a clip
 * (mu-law bytes or a WAV file) looped or played whole. Rendered in the session's output format.
 */
import { readFile } from 'node:fs/promises';
import { MULAW_SAMPLE_RATE, mulawToPcm16 } from '@switchboard/telephony';
import {
  encodeFromPcm16,
  formatSampleRate,
  type RealtimeAudioFormat,
  resamplePcm16,
} from './audio-format.ts';
import { parseWav } from './wav.ts';

/** How a clip fills a reply: `loop` repeats/trims it to the reply's length, `once` plays it whole. */
export type ClipFit = 'loop' | 'once';

/** Where reply audio comes from. */
export type ReplyAudioSource =
  | { kind: 'tone'; frequencyHz?: number; levelDbfs?: number }
  | { kind: 'mulaw'; audio: Uint8Array; fit?: ClipFit }
  | { kind: 'wav'; path: string; fit?: ClipFit };

/** Reply audio ready to render. */
export interface ReplyAudio {
  /**
   * Audio for one reply in `format`. `durationMs` is the reply's length from the scenario; a clip
   * with fit `once` ignores it and plays whole.
   */
  render(durationMs: number, format: RealtimeAudioFormat): Uint8Array;
}

/** Default tone: 220 Hz, peaks at -16 dBFS, amplitude-modulated at 4 Hz like syllables. */
export const DEFAULT_TONE = { frequencyHz: 220, levelDbfs: -16 } as const;

const SYLLABLE_RATE_HZ = 4;
const FADE_MS = 10;

/** Loads the source (reads a WAV file once) and returns a renderer. */
export async function loadReplyAudio(source: ReplyAudioSource = { kind: 'tone' }): Promise<ReplyAudio> {
  if (source.kind === 'tone') return toneAudio(source.frequencyHz, source.levelDbfs);
  if (source.kind === 'mulaw') {
    return clipAudio(mulawToPcm16(source.audio), MULAW_SAMPLE_RATE, source.fit ?? 'loop');
  }
  const wav = parseWav(new Uint8Array(await readFile(source.path)));
  return clipAudio(wav.samples, wav.sampleRate, source.fit ?? 'loop');
}

/** A tone renderer (synchronous; the default source). */
export function toneAudio(
  frequencyHz: number = DEFAULT_TONE.frequencyHz,
  levelDbfs: number = DEFAULT_TONE.levelDbfs,
): ReplyAudio {
  const peak = 32767 * 10 ** (levelDbfs / 20);
  return {
    render(durationMs, format) {
      const rate = formatSampleRate(format);
      const count = Math.max(0, Math.round((durationMs * rate) / 1000));
      const fade = Math.round((FADE_MS * rate) / 1000);
      const samples = new Int16Array(count);
      for (let i = 0; i < count; i++) {
        const t = i / rate;
        const syllable = 0.6 + 0.4 * Math.sin(2 * Math.PI * SYLLABLE_RATE_HZ * t);
        const edge = Math.min(1, i / Math.max(1, fade), (count - 1 - i) / Math.max(1, fade));
        samples[i] = Math.round(peak * syllable * edge * Math.sin(2 * Math.PI * frequencyHz * t));
      }
      return encodeFromPcm16(samples, format);
    },
  };
}

function clipAudio(samples: Int16Array, sampleRate: number, fit: ClipFit): ReplyAudio {
  const byRate = new Map<number, Int16Array>();
  const atRate = (rate: number) => {
    let s = byRate.get(rate);
    if (!s) {
      s = resamplePcm16(samples, sampleRate, rate);
      byRate.set(rate, s);
    }
    return s;
  };
  // Replies repeat a few lengths: each (length, format) is encoded once. Callers only read the bytes.
  const rendered = new Map<string, Uint8Array>();
  const renderNew = (durationMs: number, format: RealtimeAudioFormat): Uint8Array => {
    const rate = formatSampleRate(format);
    const clip = atRate(rate);
    if (fit === 'once' || clip.length === 0) return encodeFromPcm16(clip, format);
    const count = Math.max(0, Math.round((durationMs * rate) / 1000));
    const out = new Int16Array(count);
    for (let at = 0; at < count; at += clip.length)
      out.set(clip.subarray(0, Math.min(clip.length, count - at)), at);
    return encodeFromPcm16(out, format);
  };
  return {
    render(durationMs, format) {
      const key = `${format.type}|${fit === 'once' ? 0 : durationMs}`;
      let audio = rendered.get(key);
      if (!audio) {
        audio = renderNew(durationMs, format);
        if (rendered.size >= 16) rendered.delete(rendered.keys().next().value!);
        rendered.set(key, audio);
      }
      return audio;
    },
  };
}

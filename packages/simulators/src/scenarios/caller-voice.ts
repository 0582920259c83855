/**
 * The caller's voice: text spoken by espeak-ng when it is installed (real speech a real model
 * understands), otherwise the simulators' simulated speech (readable only by the simulated
 * recognisers); WAV files at any rate, resampled to the line's 8 kHz mu-law.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MULAW_SAMPLE_RATE, pcm16Samples, pcm16ToMulaw, readWav } from '@switchboard/telephony';
import { resamplePcm16 } from '../openai-realtime/audio-format.ts';
import { renderSpeech } from '../speech/spoken-text.ts';
import { requireEspeakVoice } from './espeak-voices.ts';

/** How caller text becomes audio. */
export type VoiceChoice = 'auto' | 'espeak' | 'simulated';

/** A voice ready to speak. */
export interface CallerVoice {
  kind: 'espeak' | 'simulated';
  /** Shown once to the user when the choice is worth knowing (e.g. espeak-ng is missing). */
  notice?: string;
  /**
   * Speaks `text`; `language` (BCP 47) picks espeak-ng's voice for it (default American English).
   * Simulated speech carries the letters of any language it knows, whatever the tag.
   */
  speak(text: string, language?: string): Promise<Uint8Array>;
}

/** The install command printed when espeak-ng is missing. */
export const ESPEAK_INSTALL = 'apt-get install -y espeak-ng';
/** Speech is brought to about this RMS level, as a handset would deliver it. */
const TARGET_RMS_DBFS = -20;

/** True when `espeak-ng` runs here. */
export function espeakAvailable(): boolean {
  const r = spawnSync('espeak-ng', ['--version'], { stdio: 'ignore' });
  return r.status === 0;
}

/** Picks the caller's voice; `espeak` without espeak-ng installed is an error. */
export function chooseVoice(choice: VoiceChoice = 'auto'): CallerVoice {
  if (choice === 'simulated') return simulatedVoice();
  if (espeakAvailable()) return espeakVoice();
  if (choice === 'espeak')
    throw new Error(
      `espeak-ng is not installed; install it with: ${ESPEAK_INSTALL}, or use --voice simulated`,
    );
  return {
    ...simulatedVoice(),
    notice:
      'espeak-ng is not installed, so caller turns are spoken as simulated speech: the simulators read it, ' +
      `a real speech model hears tones. Install it with: ${ESPEAK_INSTALL}`,
  };
}

function simulatedVoice(): CallerVoice {
  return { kind: 'simulated', speak: async (text) => pcm16ToMulaw(renderSpeech(text).pcm) };
}

function espeakVoice(): CallerVoice {
  const cache = new Map<string, Promise<Uint8Array>>();
  return {
    kind: 'espeak',
    async speak(text, language) {
      const voice = requireEspeakVoice(language);
      const key = `${voice}\n${text}`;
      let audio = cache.get(key);
      if (!audio) {
        audio = speakSentences(text, voice);
        cache.set(key, audio);
      }
      return audio;
    },
  };
}

/** Pause between sentences of one turn: short enough that a server VAD keeps them one turn. */
const SENTENCE_GAP_MS = 200;

/**
 * espeak-ng pauses long after a full stop (longer than a server VAD's usual 500 ms of silence), which
 * would split one turn in two: each sentence is spoken alone and joined with a short pause.
 */
async function speakSentences(text: string, voice: string): Promise<Uint8Array> {
  const sentences = text.split(/(?<=[.!?;:])\s+/).filter((s) => s.trim());
  const parts = await Promise.all(sentences.map((sentence) => renderEspeak(sentence, voice)));
  const gap = new Uint8Array(SENTENCE_GAP_MS * 8).fill(0xff);
  const joined = parts.flatMap((p, i) => (i === 0 ? [p] : [gap, p]));
  const out = new Uint8Array(joined.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of joined) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

async function renderEspeak(text: string, voice: string): Promise<Uint8Array> {
  const dir = await mkdtemp(join(tmpdir(), 'call-sim-'));
  const file = join(dir, 'say.wav');
  try {
    await new Promise<void>((resolve, reject) => {
      const child = spawn('espeak-ng', ['-v', voice, '-s', '165', '-w', file, '--', text], {
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      let stderr = '';
      child.stderr.on('data', (d) => (stderr += d));
      child.on('error', reject);
      child.on('close', (code) =>
        code === 0 ? resolve() : reject(new Error(`espeak-ng failed: ${stderr.trim() || `exit ${code}`}`)),
      );
    });
    return wavToLine(await readFile(file));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Reads a WAV file (any rate, PCM16 or mu-law; stereo is mixed down) as line audio. */
export async function wavFileToLine(path: string): Promise<Uint8Array> {
  return wavToLine(await readFile(path));
}

function wavToLine(bytes: Uint8Array): Uint8Array {
  const wav = readWav(bytes);
  let samples = pcm16Samples(wav);
  if (wav.channels > 1) {
    const mono = new Int16Array(Math.floor(samples.length / wav.channels));
    for (let i = 0; i < mono.length; i++) {
      let sum = 0;
      for (let c = 0; c < wav.channels; c++) sum += samples[i * wav.channels + c]!;
      mono[i] = Math.round(sum / wav.channels);
    }
    samples = mono;
  }
  samples = trimSilence(resamplePcm16(samples, wav.sampleRate, MULAW_SAMPLE_RATE));
  if (samples.length === 0) throw new Error('the audio is silent');
  return pcm16ToMulaw(normalise(samples));
}

/** Drops leading and trailing near-silence: turn timing starts and ends with the voice. */
function trimSilence(samples: Int16Array): Int16Array {
  const threshold = 32768 * 10 ** (-50 / 20);
  let start = 0;
  let end = samples.length;
  while (start < end && Math.abs(samples[start]!) < threshold) start++;
  while (end > start && Math.abs(samples[end - 1]!) < threshold) end--;
  return samples.subarray(start, end);
}

function normalise(samples: Int16Array): Int16Array {
  let sum = 0;
  for (const s of samples) sum += s * s;
  const rms = Math.sqrt(sum / samples.length);
  if (rms === 0) return samples;
  const gain = (32768 * 10 ** (TARGET_RMS_DBFS / 20)) / rms;
  const out = new Int16Array(samples.length);
  for (let i = 0; i < samples.length; i++)
    out[i] = Math.max(-32768, Math.min(32767, Math.round(samples[i]! * gain)));
  return out;
}

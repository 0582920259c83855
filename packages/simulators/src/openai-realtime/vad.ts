/**
 * An energy voice-activity detector with the knobs of the Realtime API's `server_vad`:
 * threshold, prefix padding and silence duration. Pure: feed it PCM16, get speech start/stop events
 * on the session's audio timeline (milliseconds of input audio since the session began).
 *
 * Threshold mapping: a 10 ms frame counts as voiced when its RMS level is at least
 * `-65 + 40 × threshold` dBFS (full scale 32768). So 0 → -65 dBFS (line hiss triggers it),
 * 0.5 (the API default) → -45 dBFS, 0.9 → -29 dBFS, 1 → -25 dBFS: ordinary speech-level audio
 * (a tone peaking at -20 dBFS has an RMS of about -23 dBFS) still triggers at 0.9, while digital
 * silence and line noise around -55 dBFS do not at the default.
 */
import { pcm16Dbfs } from './audio-format.ts';

/** Loudest level of the mapping (threshold 1). */
export const VAD_MAX_THRESHOLD_DBFS = -25;
/** Quietest level of the mapping (threshold 0). */
export const VAD_MIN_THRESHOLD_DBFS = -65;
/** Length of one analysis frame. */
export const VAD_FRAME_MS = 10;
/** Consecutive voiced audio needed before speech counts as started (rejects clicks). */
export const VAD_MIN_SPEECH_MS = 30;

/** Maps the API's 0..1 `threshold` to the frame level (dBFS) that counts as voiced. */
export function vadThresholdToDbfs(threshold: number): number {
  const t = Math.min(1, Math.max(0, threshold));
  return VAD_MIN_THRESHOLD_DBFS + (VAD_MAX_THRESHOLD_DBFS - VAD_MIN_THRESHOLD_DBFS) * t;
}

/** Settings of {@link EnergyVad}, in the API's units. */
export interface EnergyVadOptions {
  /** 0..1 as in `turn_detection.threshold`. */
  threshold: number;
  prefixPaddingMs: number;
  silenceDurationMs: number;
  /** Consecutive voiced audio before speech starts; defaults to {@link VAD_MIN_SPEECH_MS}. */
  minSpeechMs?: number;
}

/** What the detector reports, positioned on the input audio timeline. */
export type VadEvent =
  | {
      type: 'speech_started';
      /** Where the speech segment begins, prefix padding included (never before 0). */
      audioStartMs: number;
      /** Where voiced audio actually began. */
      onsetMs: number;
    }
  | {
      type: 'speech_stopped';
      /** End of the segment: last voiced audio plus the silence duration. */
      audioEndMs: number;
    };

/** Frame-based energy VAD. Call {@link EnergyVad.process} with every chunk of input audio, in order. */
export class EnergyVad {
  private readonly thresholdDbfs: number;
  private readonly prefixPaddingMs: number;
  private readonly silenceDurationMs: number;
  private readonly minSpeechMs: number;
  private sampleRate = 0;
  private pending: Int16Array = new Int16Array(0);
  private timelineMs: number;
  private speaking = false;
  private voicedRunMs = 0;
  private voicedRunStartMs = 0;
  private silentRunMs = 0;

  /** @param startMs timeline position of the first sample this detector will see. */
  constructor(options: EnergyVadOptions, startMs = 0) {
    this.thresholdDbfs = vadThresholdToDbfs(options.threshold);
    this.prefixPaddingMs = Math.max(0, options.prefixPaddingMs);
    this.silenceDurationMs = Math.max(0, options.silenceDurationMs);
    this.minSpeechMs = Math.max(VAD_FRAME_MS, options.minSpeechMs ?? VAD_MIN_SPEECH_MS);
    this.timelineMs = startMs;
  }

  /** True between a reported start and its stop. */
  get inSpeech(): boolean {
    return this.speaking;
  }

  /** Timeline position up to which audio has been analysed (whole frames only). */
  get positionMs(): number {
    return this.timelineMs;
  }

  /** The voiced-frame level in dBFS this detector uses. */
  get levelDbfs(): number {
    return this.thresholdDbfs;
  }

  /** Analyses `samples` (PCM16 at `sampleRate`) and returns the events they caused, in order. */
  process(samples: Int16Array, sampleRate: number): VadEvent[] {
    if (sampleRate !== this.sampleRate) {
      // a format change mid-session: drop the partial frame of the old rate
      this.sampleRate = sampleRate;
      this.pending = new Int16Array(0);
    }
    const frameSamples = Math.round((sampleRate * VAD_FRAME_MS) / 1000);
    const all = joinSamples(this.pending, samples);
    const events: VadEvent[] = [];
    let at = 0;
    for (; at + frameSamples <= all.length; at += frameSamples) {
      const voiced = pcm16Dbfs(all, at, at + frameSamples) >= this.thresholdDbfs;
      const event = this.step(voiced);
      if (event) events.push(event);
    }
    this.pending = all.slice(at);
    return events;
  }

  /** Forgets any speech in progress (after a manual commit or clear), keeping the timeline. */
  reset(): void {
    this.speaking = false;
    this.voicedRunMs = 0;
    this.silentRunMs = 0;
  }

  private step(voiced: boolean): VadEvent | null {
    const frameStartMs = this.timelineMs;
    this.timelineMs += VAD_FRAME_MS;
    if (!this.speaking) {
      if (!voiced) {
        this.voicedRunMs = 0;
        return null;
      }
      if (this.voicedRunMs === 0) this.voicedRunStartMs = frameStartMs;
      this.voicedRunMs += VAD_FRAME_MS;
      if (this.voicedRunMs < this.minSpeechMs) return null;
      this.speaking = true;
      this.silentRunMs = 0;
      const onsetMs = this.voicedRunStartMs;
      return { type: 'speech_started', onsetMs, audioStartMs: Math.max(0, onsetMs - this.prefixPaddingMs) };
    }
    if (voiced) {
      this.silentRunMs = 0;
      return null;
    }
    this.silentRunMs += VAD_FRAME_MS;
    if (this.silentRunMs < this.silenceDurationMs) return null;
    this.speaking = false;
    this.voicedRunMs = 0;
    this.silentRunMs = 0;
    return { type: 'speech_stopped', audioEndMs: this.timelineMs };
  }
}

function joinSamples(a: Int16Array, b: Int16Array): Int16Array {
  if (a.length === 0) return b;
  const out = new Int16Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}

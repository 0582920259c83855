/**
 * What the simulated caller says: a script of utterances, pauses, DTMF and hang-up, turned into one
 * 160-byte mu-law frame per 20 ms tick. Between and after steps the line carries silence, as a real
 * phone line does.
 */
import {
  MULAW_BYTES_PER_MS,
  MULAW_SAMPLE_RATE,
  MULAW_SILENCE_BYTE,
  pcm16ToMulaw,
} from '@switchboard/telephony';
import { gaussian, seededRandom } from '../audio/seeded-random.ts';
import { renderSpeech } from '../speech/spoken-text.ts';
import { FRAME_MS } from './frame-ticker.ts';

/** Bytes in one 20 ms mu-law frame. */
export const FRAME_BYTES = FRAME_MS * MULAW_BYTES_PER_MS;

/** A synthetic utterance: a sine tone (loud enough for a server VAD at the default amplitude). */
export interface ToneSpec {
  toneHz: number;
  ms: number;
  /** Peak as a fraction of full scale, 0 < amplitude ≤ 1; default 0.3 (about −10 dBFS). */
  amplitude?: number;
}

/**
 * A burst of broadband noise shaped like a cough or a knock on the handset: a sharp attack and a quick
 * decay. Loud and short, it fools an energy VAD the way it fools a real one.
 */
export interface NoiseBurstSpec {
  noiseMs: number;
  /** Peak envelope as a fraction of full scale, 0 < amplitude ≤ 1; default 0.5. */
  amplitude?: number;
  /** Seed of the noise (default 1). */
  seed?: number;
}

/**
 * Words spoken as simulated speech (see speech/spoken-text.ts): speech-like audio that the simulated
 * recognisers (ElevenLabs Scribe, Cartesia, the Realtime transcript) read back as `say`.
 */
export interface SpeechSpec {
  say: string;
  /** Pace, 0.7–1.2 (default 1). */
  speed?: number;
}

/** An utterance; `label` names it in turn reports. */
export interface UtteranceStep {
  audio: Uint8Array | ToneSpec | NoiseBurstSpec | SpeechSpec;
  label?: string;
}
/** Silence for `pauseMs` (rounded up to whole frames). */
export interface PauseStep {
  pauseMs: number;
}
/** Key presses, one `dtmf` event per digit on consecutive frames. */
export interface DtmfStep {
  dtmf: string;
}
/** The caller hangs up. */
export interface HangupStep {
  hangup: true;
}
/**
 * Silence until `until(call)` is true, checked every frame (e.g. wait for the greeting to finish).
 * After `timeoutMs` (default 30 s of media time) the script moves on and records a script error.
 */
export interface UntilStep<C> {
  until: (call: C) => boolean;
  timeoutMs?: number;
}

/** One step of a caller script. `C` is the call type `until` predicates receive. */
export type CallerScriptStep<C = unknown> = UtteranceStep | PauseStep | DtmfStep | HangupStep | UntilStep<C>;

/** What the caller sends: a script, one mu-law buffer (one utterance), or silence only. */
export type CallerSource<C = unknown> = 'silence' | Uint8Array | readonly CallerScriptStep<C>[];

const DTMF = /^[0-9*#A-Da-d]+$/;
const DEFAULT_UNTIL_TIMEOUT_MS = 30_000;

/** Rendered tones, shared read-only between calls: hundreds of calls usually run the same script. */
const toneCache = new Map<string, Uint8Array>();
const TONE_CACHE_ENTRIES = 64;

/** A sine tone as mu-law. The result is shared: do not modify it. */
export function toneMulaw(spec: ToneSpec): Uint8Array {
  const amplitude = spec.amplitude ?? 0.3;
  const key = `${spec.toneHz}:${spec.ms}:${amplitude}`;
  const cached = toneCache.get(key);
  if (cached) return cached;
  const count = Math.round(spec.ms * MULAW_BYTES_PER_MS);
  const pcm = new Int16Array(count);
  const step = (2 * Math.PI * spec.toneHz) / MULAW_SAMPLE_RATE;
  for (let i = 0; i < count; i++) pcm[i] = Math.round(32767 * amplitude * Math.sin(step * i));
  const tone = pcm16ToMulaw(pcm);
  if (toneCache.size >= TONE_CACHE_ENTRIES) toneCache.delete(toneCache.keys().next().value!);
  toneCache.set(key, tone);
  return tone;
}

/** A cough-like noise burst as mu-law (see {@link NoiseBurstSpec}). */
export function noiseBurstMulaw(spec: NoiseBurstSpec): Uint8Array {
  const amplitude = spec.amplitude ?? 0.5;
  const count = Math.round(spec.noiseMs * MULAW_BYTES_PER_MS);
  const random = seededRandom(spec.seed ?? 1);
  const attack = 10 * MULAW_BYTES_PER_MS;
  const decay = Math.max(1, count / 4);
  const pcm = new Int16Array(count);
  for (let i = 0; i < count; i++) {
    const envelope = i < attack ? i / attack : Math.exp(-(i - attack) / decay);
    const sample = gaussian(random) * 0.35 * 32767 * amplitude * envelope;
    pcm[i] = Math.max(-32768, Math.min(32767, Math.round(sample)));
  }
  return pcm16ToMulaw(pcm);
}

/** Steps as the cursor runs them: tones rendered, utterances labelled. */
type ResolvedStep<C> =
  | { kind: 'audio'; audio: Uint8Array; label: string }
  | { kind: 'pause'; frames: number }
  | { kind: 'dtmf'; digits: string }
  | { kind: 'hangup' }
  | { kind: 'until'; until: (call: C) => boolean; timeoutMs: number };

/** Checks a step and renders tones; throws a TypeError naming the bad field. */
function resolveStep<C>(step: CallerScriptStep<C>, index: number): ResolvedStep<C> {
  const where = `script[${index}]`;
  if (typeof step !== 'object' || step === null) throw new TypeError(`${where} is not an object`);
  if ('audio' in step) {
    const label = step.label ?? `utterance ${index + 1}`;
    if (step.audio instanceof Uint8Array) {
      if (step.audio.length === 0) throw new TypeError(`${where}.audio is empty`);
      return { kind: 'audio', audio: step.audio, label };
    }
    if ('say' in step.audio) {
      const { say, speed = 1 } = step.audio;
      if (typeof say !== 'string' || say.trim() === '')
        throw new TypeError(`${where}.audio.say must be text`);
      if (!(speed >= 0.7 && speed <= 1.2)) throw new TypeError(`${where}.audio.speed must be in [0.7, 1.2]`);
      return { kind: 'audio', audio: pcm16ToMulaw(renderSpeech(say, speed).pcm), label: step.label ?? say };
    }
    if ('noiseMs' in step.audio) {
      const noise = step.audio;
      if (!(noise.noiseMs >= FRAME_MS / 2) || !Number.isFinite(noise.noiseMs))
        throw new TypeError(`${where}.audio.noiseMs must be at least ${FRAME_MS / 2}`);
      if (noise.amplitude !== undefined && !(noise.amplitude > 0 && noise.amplitude <= 1))
        throw new TypeError(`${where}.audio.amplitude must be in (0, 1]`);
      return { kind: 'audio', audio: noiseBurstMulaw(noise), label };
    }
    const tone = step.audio;
    if (!(tone.toneHz > 0 && tone.toneHz < MULAW_SAMPLE_RATE / 2))
      throw new TypeError(`${where}.audio.toneHz must be between 0 and 4000`);
    if (!(tone.ms >= FRAME_MS / 2) || !Number.isFinite(tone.ms))
      throw new TypeError(`${where}.audio.ms must be at least ${FRAME_MS / 2}`);
    if (tone.amplitude !== undefined && !(tone.amplitude > 0 && tone.amplitude <= 1))
      throw new TypeError(`${where}.audio.amplitude must be in (0, 1]`);
    return { kind: 'audio', audio: toneMulaw(tone), label };
  }
  if ('pauseMs' in step) {
    if (!(step.pauseMs >= 0) || !Number.isFinite(step.pauseMs))
      throw new TypeError(`${where}.pauseMs must be a non-negative number`);
    return { kind: 'pause', frames: Math.ceil(step.pauseMs / FRAME_MS) };
  }
  if ('dtmf' in step) {
    if (typeof step.dtmf !== 'string' || !DTMF.test(step.dtmf))
      throw new TypeError(`${where}.dtmf must be keypad digits (0-9, *, #, A-D)`);
    return { kind: 'dtmf', digits: step.dtmf };
  }
  if ('hangup' in step) return { kind: 'hangup' };
  if ('until' in step && typeof step.until === 'function') {
    const timeoutMs = step.timeoutMs ?? DEFAULT_UNTIL_TIMEOUT_MS;
    if (!(timeoutMs > 0)) throw new TypeError(`${where}.timeoutMs must be positive`);
    return { kind: 'until', until: step.until, timeoutMs };
  }
  throw new TypeError(`${where} is not an utterance, pause, dtmf, hangup or until step`);
}

/** What to do on one frame; one object per cursor, rewritten every frame (no per-frame allocation). */
export interface FramePlan {
  /** 160 bytes to send, or null for silence. */
  audio: Uint8Array | null;
  /** Set on an utterance's first frame. */
  utteranceStart: string | null;
  /** True on an utterance's last frame. */
  utteranceEnd: boolean;
  /** A digit to send as a `dtmf` event on this frame. */
  dtmf: string | null;
  /** The caller hangs up on this frame (no media is sent). */
  hangup: boolean;
  /** Set when an `until` step gave up on this frame. */
  scriptError: string | null;
}

/** Walks a script frame by frame. */
export class ScriptCursor<C> {
  private readonly steps: ResolvedStep<C>[] = [];
  private index = 0;
  /** Bytes sent of an utterance, digits sent of a dtmf step, frames left of a pause, frames waited. */
  private progress = 0;
  private readonly frame = new Uint8Array(FRAME_BYTES);
  readonly plan: FramePlan = {
    audio: null,
    utteranceStart: null,
    utteranceEnd: false,
    dtmf: null,
    hangup: false,
    scriptError: null,
  };

  constructor(source: CallerSource<C> = 'silence') {
    if (source instanceof Uint8Array) this.push({ audio: source, label: 'audio' });
    else if (Array.isArray(source)) for (const step of source) this.push(step);
    else if (source !== 'silence') throw new TypeError('source must be "silence", a Uint8Array or a script');
  }

  /** Appends a step (validated) to the end of the script. */
  push(step: CallerScriptStep<C>): void {
    this.steps.push(resolveStep(step, this.steps.length));
  }

  /** True when every step has run (the line carries silence from now on). */
  get finished(): boolean {
    return this.index >= this.steps.length;
  }

  /** Plans the next frame; `call` is handed to `until` predicates. */
  next(call: C): FramePlan {
    const plan = this.plan;
    plan.audio = null;
    plan.utteranceStart = null;
    plan.utteranceEnd = false;
    plan.dtmf = null;
    plan.hangup = false;
    plan.scriptError = null;
    // Zero-length steps (a satisfied `until`, an empty pause) fall through to the next in the same frame.
    while (this.index < this.steps.length) {
      const step = this.steps[this.index]!;
      switch (step.kind) {
        case 'audio': {
          const start = this.progress;
          const end = Math.min(start + FRAME_BYTES, step.audio.length);
          if (end - start === FRAME_BYTES) plan.audio = step.audio.subarray(start, end);
          else {
            // The last frame is padded with silence: Twilio frames are always 160 bytes.
            this.frame.fill(MULAW_SILENCE_BYTE);
            this.frame.set(step.audio.subarray(start, end));
            plan.audio = this.frame;
          }
          if (start === 0) plan.utteranceStart = step.label;
          this.progress = end;
          if (end >= step.audio.length) {
            plan.utteranceEnd = true;
            this.advance();
          }
          return plan;
        }
        case 'pause':
          if (this.progress === 0) this.progress = step.frames;
          if (this.progress === 0) {
            this.advance();
            continue;
          }
          if (--this.progress === 0) this.advance();
          return plan;
        case 'dtmf':
          plan.dtmf = step.digits[this.progress]!;
          if (++this.progress >= step.digits.length) this.advance();
          return plan;
        case 'hangup':
          plan.hangup = true;
          this.advance();
          return plan;
        case 'until':
          if (step.until(call)) {
            this.advance();
            continue;
          }
          if (++this.progress * FRAME_MS >= step.timeoutMs) {
            plan.scriptError = `script step ${this.index} (until) timed out after ${step.timeoutMs} ms`;
            this.advance();
          }
          return plan;
      }
    }
    return plan;
  }

  private advance(): void {
    this.index++;
    this.progress = 0;
  }
}

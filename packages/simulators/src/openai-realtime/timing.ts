/**
 * Model timing. `instant` (the default) answers at once and paces audio by the simulator's `pacing`.
 * `realistic` behaves like the hosted model on a good day: `response.created` 150–400 ms after the
 * request, the first audio 300–700 ms after it, audio generated at 1–5 × real time, and input
 * transcripts 300–900 ms after the commit. Every figure is drawn from a seeded generator, per session
 * in connection order, so a run repeats exactly.
 */
import { seededRandom } from '../audio/seeded-random.ts';

/** A range in which each draw falls uniformly. */
export type Range = readonly [min: number, max: number];

/** Realistic timing, range by range (each optional; the defaults are {@link REALISTIC_TIMING}). */
export interface RealisticTiming {
  /** Seed of the generator (default 1). */
  seed?: number;
  /** `response.create` (or the end of a VAD turn) → `response.created`, ms. */
  responseCreatedMs?: Range;
  /** `response.create` → the first audio delta, ms (never before `response.created`). */
  firstAudioMs?: Range;
  /** How fast audio is generated, × real time. */
  audioSpeed?: Range;
  /** Commit → the input transcript's first event, ms. */
  transcriptionMs?: Range;
}

/** `instant`, `realistic` (the defaults below), or realistic with some ranges changed. */
export type ModelTiming = 'instant' | 'realistic' | RealisticTiming;

/** The ranges `realistic` uses. */
export const REALISTIC_TIMING: Readonly<Required<Omit<RealisticTiming, 'seed'>>> = Object.freeze({
  responseCreatedMs: [150, 400],
  firstAudioMs: [300, 700],
  audioSpeed: [1, 5],
  transcriptionMs: [300, 900],
});

/** The delays of one response. */
export interface ResponseTiming {
  createdDelayMs: number;
  /** From `response.created` to the first delta. */
  firstAudioAfterCreatedMs: number;
  /** Audio generation speed (× real time). */
  audioSpeed: number;
}

/** Draws a session's delays. */
export class TimingSampler {
  private readonly ranges: Required<Omit<RealisticTiming, 'seed'>> | null;
  private readonly random: () => number;

  /** `sessionIndex` varies the sequence between sessions of one simulator, reproducibly. */
  constructor(timing: ModelTiming | undefined, sessionIndex: number) {
    const realistic =
      timing === undefined || timing === 'instant' ? null : timing === 'realistic' ? {} : timing;
    this.ranges = realistic ? { ...REALISTIC_TIMING, ...withoutSeed(realistic) } : null;
    const seed = (realistic?.seed ?? 1) + sessionIndex * 0x9e3779b1;
    this.random = seededRandom(seed >>> 0);
  }

  /** True unless timing is instant. */
  get isRealistic(): boolean {
    return this.ranges !== null;
  }

  /** Delays for a response; null when timing is instant. */
  response(): ResponseTiming | null {
    const r = this.ranges;
    if (!r) return null;
    const createdDelayMs = this.draw(r.responseCreatedMs);
    const firstAudioMs = Math.max(createdDelayMs, this.draw(r.firstAudioMs));
    return {
      createdDelayMs,
      firstAudioAfterCreatedMs: firstAudioMs - createdDelayMs,
      audioSpeed: this.draw(r.audioSpeed),
    };
  }

  /** Commit → transcript delay: drawn when realistic, else `fallbackMs`. */
  transcriptionDelayMs(fallbackMs: number): number {
    return this.ranges ? this.draw(this.ranges.transcriptionMs) : fallbackMs;
  }

  private draw([min, max]: Range): number {
    return Math.round((min + (max - min) * this.random()) * 1000) / 1000;
  }
}

function withoutSeed(t: RealisticTiming): Omit<RealisticTiming, 'seed'> {
  const { seed: _seed, ...rest } = t;
  return rest;
}

/** Validates a timing given as JSON (scenario files, the CLI); throws an Error naming the field. */
export function parseModelTiming(value: unknown, path = 'timing'): ModelTiming {
  if (value === 'instant' || value === 'realistic') return value;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new Error(`${path}: expected 'instant', 'realistic' or an object`);
  }
  const out: RealisticTiming = {};
  for (const [key, v] of Object.entries(value)) {
    if (key === 'seed') {
      if (typeof v !== 'number' || !Number.isInteger(v)) throw new Error(`${path}.seed: expected an integer`);
      out.seed = v;
    } else if (key in REALISTIC_TIMING) {
      out[key as keyof typeof REALISTIC_TIMING] = parseRange(v, `${path}.${key}`, key === 'audioSpeed');
    } else throw new Error(`${path}.${key}: unknown field`);
  }
  return out;
}

function parseRange(value: unknown, path: string, positive: boolean): Range {
  const ok =
    Array.isArray(value) &&
    value.length === 2 &&
    value.every((n) => typeof n === 'number' && Number.isFinite(n) && (positive ? n > 0 : n >= 0)) &&
    value[0] <= value[1];
  if (!ok) throw new Error(`${path}: expected [min, max] with 0 ${positive ? '<' : '<='} min <= max`);
  return [value[0], value[1]];
}

/**
 * A phone line between the caller and Twilio, made worse on purpose (all opt-in, seeded): a noise
 * floor, a delayed and attenuated echo of the agent's own audio coming back through the handset,
 * frame jitter and bursts (frames arrive late, or held and released together, never reordered, as
 * on one TCP stream), and the occasional lost frame. Pure: time and audio come in as arguments.
 */
import { MULAW_BYTES_PER_MS, mulawToPcm16, pcm16ToMulaw } from '@switchboard/telephony';
import { dbfsToAmplitude, gaussian, seededRandom } from '../audio/seeded-random.ts';
import { FRAME_BYTES } from './caller-script.ts';
import { FRAME_MS } from './frame-ticker.ts';

/** How bad the line is; every field optional, absent means a clean line. */
export interface LineImpairments {
  /** Seed of every random choice (default 1). */
  seed?: number;
  /** Background noise added to every frame, as RMS level in dBFS (e.g. -50; -45 is the default VAD threshold). */
  noiseFloorDbfs?: number;
  /** The agent's audio as the caller heard it, coming back `delayMs` later, `attenuationDb` quieter. */
  echo?: { delayMs: number; attenuationDb: number };
  /** Each frame is sent up to `maxMs` late (rounded up to whole frames; order is kept). */
  jitter?: { maxMs: number };
  /** Every `everyMs`, `holdFrames` frames are held back and then sent at once. */
  bursts?: { everyMs: number; holdFrames: number };
  /** Probability that a frame never reaches Twilio (0..1). */
  lossRate?: number;
}

/** Checks impairments; throws a TypeError naming the bad field. */
export function validateLineImpairments(line: LineImpairments): void {
  const bad = (field: string, rule: string) => new TypeError(`line.${field} must be ${rule}`);
  if (line.noiseFloorDbfs !== undefined && !(line.noiseFloorDbfs <= 0)) throw bad('noiseFloorDbfs', '<= 0');
  if (line.echo && !(line.echo.delayMs >= 0 && line.echo.delayMs <= 2000))
    throw bad('echo.delayMs', 'between 0 and 2000');
  if (line.echo && !(line.echo.attenuationDb >= 0)) throw bad('echo.attenuationDb', '>= 0');
  if (line.jitter && !(line.jitter.maxMs >= 0 && line.jitter.maxMs <= 2000))
    throw bad('jitter.maxMs', 'between 0 and 2000');
  if (line.bursts && !(line.bursts.everyMs >= FRAME_MS)) throw bad('bursts.everyMs', `>= ${FRAME_MS}`);
  if (line.bursts && !(Number.isInteger(line.bursts.holdFrames) && line.bursts.holdFrames >= 1))
    throw bad('bursts.holdFrames', 'an integer >= 1');
  if (line.lossRate !== undefined && !(line.lossRate >= 0 && line.lossRate <= 1))
    throw bad('lossRate', 'in [0, 1]');
}

/** What happens to one frame on its way to Twilio. */
export interface FrameFate {
  lost: boolean;
  /** Call time at which it reaches Twilio (the frame's capture time when it is on time). */
  arrivesAtMs: number;
}

/** One call's line. */
export class PhoneLine {
  private readonly line: LineImpairments;
  private readonly random: () => number;
  private readonly noiseAmplitude: number;
  private readonly echoGain: number;
  /** The last `echoRing.length` samples the caller heard, by absolute sample position. */
  private readonly echoRing: Int16Array;
  private echoWrittenTo = 0;
  private lastArrivalMs = Number.NEGATIVE_INFINITY;
  private framesSeen = 0;
  private readonly pcm = new Int16Array(FRAME_BYTES);

  constructor(line: LineImpairments) {
    validateLineImpairments(line);
    this.line = line;
    this.random = seededRandom(line.seed ?? 1);
    this.noiseAmplitude = line.noiseFloorDbfs === undefined ? 0 : dbfsToAmplitude(line.noiseFloorDbfs);
    this.echoGain = line.echo ? 10 ** (-line.echo.attenuationDb / 20) : 0;
    const ringMs = (line.echo?.delayMs ?? 0) + 200;
    this.echoRing = new Int16Array(line.echo ? ringMs * MULAW_BYTES_PER_MS : 0);
  }

  /** True when the line changes the audio itself (noise or echo), not just its timing. */
  get altersAudio(): boolean {
    return this.noiseAmplitude > 0 || this.echoGain > 0;
  }

  /** True when frames can be late or lost. */
  get altersTiming(): boolean {
    return Boolean(this.line.jitter || this.line.bursts || this.line.lossRate);
  }

  /** The caller heard `audio` (mu-law) starting at call time `atMs`: the handset may echo it. */
  heard(audio: Uint8Array, atMs: number): void {
    if (this.echoRing.length === 0) return;
    const ring = this.echoRing;
    const start = Math.round(atMs * MULAW_BYTES_PER_MS);
    // what played nothing between two chunks was silence
    for (let pos = this.echoWrittenTo; pos < start; pos++) ring[pos % ring.length] = 0;
    const pcm = mulawToPcm16(audio);
    for (let i = 0; i < pcm.length; i++) ring[(start + i) % ring.length] = pcm[i]!;
    this.echoWrittenTo = Math.max(this.echoWrittenTo, start + pcm.length);
  }

  /**
   * The frame (160 mu-law bytes, or null for silence) covering call time [startMs, startMs + 20) as
   * Twilio receives it: noise and echo mixed in. Returns a scratch array, valid until the next call.
   */
  shape(frame: Uint8Array | null, startMs: number): Uint8Array {
    const pcm = this.pcm;
    if (frame) pcm.set(mulawToPcm16(frame));
    else pcm.fill(0);
    const echo = this.line.echo;
    const ring = this.echoRing;
    const from = Math.round((startMs - (echo?.delayMs ?? 0)) * MULAW_BYTES_PER_MS);
    for (let i = 0; i < FRAME_BYTES; i++) {
      let sample = pcm[i]!;
      if (this.noiseAmplitude > 0) sample += gaussian(this.random) * this.noiseAmplitude;
      const pos = from + i;
      if (echo && pos >= 0 && pos < this.echoWrittenTo && pos >= this.echoWrittenTo - ring.length) {
        sample += ring[pos % ring.length]! * this.echoGain;
      }
      pcm[i] = Math.max(-32768, Math.min(32767, Math.round(sample)));
    }
    return pcm16ToMulaw(pcm);
  }

  /** Whether the frame captured at `captureMs` (its end) is lost, and when it reaches Twilio. */
  fate(captureMs: number): FrameFate {
    const { jitter, bursts, lossRate } = this.line;
    const index = this.framesSeen++;
    if (lossRate && this.random() < lossRate) return { lost: true, arrivesAtMs: captureMs };
    let arrives = captureMs;
    if (jitter) arrives += Math.ceil((this.random() * jitter.maxMs) / FRAME_MS) * FRAME_MS;
    if (bursts) {
      // the first holdFrames frames of each period are held and go out with the next one
      const period = Math.max(1, Math.round(bursts.everyMs / FRAME_MS));
      const position = index % period;
      if (position < bursts.holdFrames) {
        arrives = Math.max(arrives, captureMs + (Math.min(bursts.holdFrames, period) - position) * FRAME_MS);
      }
    }
    // one stream: a frame never overtakes the one before it
    arrives = Math.max(arrives, this.lastArrivalMs);
    this.lastArrivalMs = arrives;
    return { lost: false, arrivesAtMs: arrives };
  }
}

/**
 * The three audio formats of the GA Realtime protocol (`audio/pcmu`, `audio/pcma`, `audio/pcm` at
 * 24 kHz) as byte codecs to and from PCM16, plus strict base64 handling for the wire.
 */
import { decodeStandardBase64, MULAW_SAMPLE_RATE, mulawToPcm16, pcm16ToMulaw } from '@switchboard/telephony';

/** An `audio.input.format` / `audio.output.format` value as the session reports it. */
export type RealtimeAudioFormat =
  | { type: 'audio/pcmu' }
  | { type: 'audio/pcma' }
  | { type: 'audio/pcm'; rate: 24000 };

/** PCM16 sample rate of `audio/pcm` in the Realtime API. */
export const PCM_SAMPLE_RATE = 24000;

/** Samples per second carried by a format. */
export function formatSampleRate(format: RealtimeAudioFormat): number {
  return format.type === 'audio/pcm' ? PCM_SAMPLE_RATE : MULAW_SAMPLE_RATE;
}

/** Bytes per millisecond of a format (8 for G.711, 48 for 24 kHz PCM16). */
export function formatBytesPerMs(format: RealtimeAudioFormat): number {
  return format.type === 'audio/pcm' ? (PCM_SAMPLE_RATE / 1000) * 2 : MULAW_SAMPLE_RATE / 1000;
}

/** Decodes wire bytes of `format` to PCM16 samples (a trailing odd byte of `audio/pcm` is ignored). */
export function decodeToPcm16(bytes: Uint8Array, format: RealtimeAudioFormat): Int16Array {
  if (format.type === 'audio/pcmu') return mulawToPcm16(bytes);
  if (format.type === 'audio/pcma') return alawToPcm16(bytes);
  const count = bytes.length >> 1;
  const out = new Int16Array(count);
  const view = new DataView(bytes.buffer, bytes.byteOffset, count * 2);
  for (let i = 0; i < count; i++) out[i] = view.getInt16(i * 2, true);
  return out;
}

/** Encodes PCM16 samples (already at the format's sample rate) to wire bytes of `format`. */
export function encodeFromPcm16(samples: Int16Array, format: RealtimeAudioFormat): Uint8Array {
  if (format.type === 'audio/pcmu') return pcm16ToMulaw(samples);
  if (format.type === 'audio/pcma') return pcm16ToAlaw(samples);
  const out = new Uint8Array(samples.length * 2);
  const view = new DataView(out.buffer);
  for (let i = 0; i < samples.length; i++) view.setInt16(i * 2, samples[i]!, true);
  return out;
}

const ALAW_DECODE = buildAlawDecodeTable();

function buildAlawDecodeTable(): Int16Array {
  const table = new Int16Array(256);
  for (let code = 0; code < 256; code++) {
    const a = code ^ 0x55;
    const exponent = (a >> 4) & 0x07;
    const mantissa = a & 0x0f;
    let magnitude = exponent === 0 ? (mantissa << 4) + 8 : ((mantissa << 4) + 0x108) << (exponent - 1);
    if ((a & 0x80) === 0) magnitude = -magnitude;
    table[code] = magnitude;
  }
  return table;
}

/** Decodes G.711 A-law bytes to PCM16. */
export function alawToPcm16(alaw: Uint8Array): Int16Array {
  const out = new Int16Array(alaw.length);
  for (let i = 0; i < alaw.length; i++) out[i] = ALAW_DECODE[alaw[i]!]!;
  return out;
}

/** Encodes PCM16 to G.711 A-law bytes. */
export function pcm16ToAlaw(pcm: Int16Array): Uint8Array {
  const out = new Uint8Array(pcm.length);
  for (let i = 0; i < pcm.length; i++) out[i] = encodeAlawSample(pcm[i]!);
  return out;
}

function encodeAlawSample(sample: number): number {
  let s = sample | 0;
  const sign = s >= 0 ? 0x80 : 0;
  if (s < 0) s = -s - 1;
  if (s > 32767) s = 32767;
  let code: number;
  if (s < 256) {
    code = s >> 4;
  } else {
    let exponent = 1;
    for (let v = s >> 8; v > 1 && exponent < 7; v >>= 1) exponent++;
    code = (exponent << 4) | ((s >> (exponent + 3)) & 0x0f);
  }
  return (code | sign) ^ 0x55;
}

/**
 * Decodes strict base64 (what the API accepts); returns null when the text is not valid base64. It runs
 * on every appended frame of every session, so Node's decoder writes straight into the bytes returned
 * and {@link decodeStandardBase64} refuses what is not strictly base64 (its own tests hold it to the
 * pattern `^[A-Za-z0-9+/]*={0,2}$` over whole groups of four), with no pattern run and no copy.
 */
export function decodeBase64Strict(text: string): Uint8Array | null {
  const room = (text.length >>> 2) * 3;
  // Its own memory, not a slice of Node's shared pool, since the input buffer keeps it.
  const out = Buffer.allocUnsafeSlow(room);
  const written = decodeStandardBase64(text, out);
  return written < 0 ? null : new Uint8Array(out.buffer, out.byteOffset, written);
}

/** Encodes bytes as base64. */
export function encodeBase64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
}

/** Root-mean-square level of PCM16 samples in dBFS (full scale 32768); -Infinity for digital silence. */
export function pcm16Dbfs(samples: Int16Array, from = 0, to = samples.length): number {
  const n = to - from;
  if (n <= 0) return Number.NEGATIVE_INFINITY;
  let sum = 0;
  for (let i = from; i < to; i++) {
    const v = samples[i]!;
    sum += v * v;
  }
  const rms = Math.sqrt(sum / n);
  return rms === 0 ? Number.NEGATIVE_INFINITY : 20 * Math.log10(rms / 32768);
}

/** Linear-interpolation resampling of PCM16 (enough for tones and speech clips in a simulator). */
export function resamplePcm16(samples: Int16Array, fromRate: number, toRate: number): Int16Array {
  if (fromRate === toRate || samples.length === 0) return samples;
  const outLength = Math.max(1, Math.round((samples.length * toRate) / fromRate));
  const out = new Int16Array(outLength);
  const step = fromRate / toRate;
  for (let i = 0; i < outLength; i++) {
    const pos = i * step;
    const left = Math.floor(pos);
    const right = Math.min(left + 1, samples.length - 1);
    const frac = pos - left;
    out[i] = Math.round(samples[Math.min(left, samples.length - 1)]! * (1 - frac) + samples[right]! * frac);
  }
  return out;
}

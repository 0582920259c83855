/**
 * G.711 mu-law codec (ITU-T G.711, the variant Twilio Media Streams and the OpenAI Realtime API's
 * `audio/pcmu` carry). Encoding works on 16-bit linear PCM by scaling to the standard's 14-bit range;
 * where G.711 leaves the edges of a range open, the ITU-T G.191 reference code decides.
 */

/** 8 kHz, one byte per sample. */
export const MULAW_SAMPLE_RATE = 8000;
export const MULAW_BYTES_PER_MS = 8;
/** The code for 0 (positive zero): what silence sounds like on the wire. */
export const MULAW_SILENCE_BYTE = 0xff;

const BIAS = 0x84; // 132, added before the segment search
const CLIP = 32635; // largest magnitude that survives adding BIAS without overflow

const DECODE_TABLE = buildDecodeTable();

function buildDecodeTable(): Int16Array {
  const table = new Int16Array(256);
  for (let code = 0; code < 256; code++) {
    const u = ~code & 0xff;
    const sign = u & 0x80;
    const exponent = (u >> 4) & 0x07;
    const mantissa = u & 0x0f;
    const magnitude = (((mantissa << 3) + BIAS) << exponent) - BIAS;
    table[code] = sign ? -magnitude : magnitude;
  }
  return table;
}

/** Decodes one mu-law code to linear PCM16. */
export function decodeMulawSample(code: number): number {
  return DECODE_TABLE[code & 0xff]!;
}

/**
 * Encodes one linear PCM16 sample to its mu-law code, bit-exact with ITU-T G.191's G.711 reference: the
 * 14 most significant bits are used, and a negative sample's magnitude is its one's complement (`~s`), so
 * -1..-4 code as negative zero and the negative range mirrors the positive one exactly.
 */
export function encodeMulawSample(sample: number): number {
  let s = sample | 0;
  const sign = s < 0 ? 0x80 : 0;
  if (s < 0) s = ~s;
  if (s > CLIP) s = CLIP;
  s += BIAS;
  let exponent = 7;
  for (let mask = 0x4000; (s & mask) === 0 && exponent > 0; mask >>= 1) exponent--;
  const mantissa = (s >> (exponent + 3)) & 0x0f;
  return ~(sign | (exponent << 4) | mantissa) & 0xff;
}

/** Decodes mu-law bytes to PCM16 samples. */
export function mulawToPcm16(mulaw: Uint8Array): Int16Array {
  const out = new Int16Array(mulaw.length);
  for (let i = 0; i < mulaw.length; i++) out[i] = DECODE_TABLE[mulaw[i]!]!;
  return out;
}

/** Encodes PCM16 samples to mu-law bytes. */
export function pcm16ToMulaw(pcm: Int16Array): Uint8Array {
  const out = new Uint8Array(pcm.length);
  for (let i = 0; i < pcm.length; i++) out[i] = encodeMulawSample(pcm[i]!);
  return out;
}

/** A buffer of mu-law silence lasting `durationMs`. */
export function mulawSilence(durationMs: number): Uint8Array {
  return new Uint8Array(Math.max(0, Math.round(durationMs * MULAW_BYTES_PER_MS))).fill(MULAW_SILENCE_BYTE);
}

/** Duration in milliseconds of `byteLength` bytes of mu-law. */
export function mulawDurationMs(byteLength: number): number {
  return byteLength / MULAW_BYTES_PER_MS;
}

/** Splits mu-law audio into consecutive slices of `sliceMs` each (the last may be shorter). */
export function sliceMulaw(mulaw: Uint8Array, sliceMs: number): Uint8Array[] {
  const size = Math.max(1, Math.round(sliceMs * MULAW_BYTES_PER_MS));
  const slices: Uint8Array[] = [];
  for (let at = 0; at < mulaw.length; at += size) slices.push(mulaw.subarray(at, at + size));
  return slices;
}

/** Root-mean-square level of mu-law audio in PCM16 units (0 for empty input). */
export function mulawRms(mulaw: Uint8Array): number {
  if (mulaw.length === 0) return 0;
  let sum = 0;
  for (let i = 0; i < mulaw.length; i++) {
    const v = DECODE_TABLE[mulaw[i]!]!;
    sum += v * v;
  }
  return Math.sqrt(sum / mulaw.length);
}

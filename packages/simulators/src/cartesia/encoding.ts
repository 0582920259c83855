/**
 * The audio encodings Cartesia's STT WebSocket takes (`encoding` with `sample_rate`), decoded to
 * PCM16 for the recogniser.
 */
import { mulawToPcm16 } from '@switchboard/telephony';
import { alawToPcm16 } from '../openai-realtime/audio-format.ts';

/** `encoding` values (the SDK's `STTEncoding`). */
export const STT_ENCODINGS = [
  'pcm_s16le',
  'pcm_s32le',
  'pcm_f16le',
  'pcm_f32le',
  'pcm_mulaw',
  'pcm_alaw',
] as const;
export type SttEncoding = (typeof STT_ENCODINGS)[number];

/** Bytes per sample of an encoding. */
export function bytesPerSample(encoding: SttEncoding): number {
  if (encoding === 'pcm_mulaw' || encoding === 'pcm_alaw') return 1;
  return encoding === 'pcm_s32le' || encoding === 'pcm_f32le' ? 4 : 2;
}

/** Decodes whole samples of `bytes` (a trailing partial sample is ignored). */
export function decodeSamples(bytes: Uint8Array, encoding: SttEncoding): Int16Array {
  if (encoding === 'pcm_mulaw') return mulawToPcm16(bytes);
  if (encoding === 'pcm_alaw') return alawToPcm16(bytes);
  const size = bytesPerSample(encoding);
  const count = Math.floor(bytes.length / size);
  const view = new DataView(bytes.buffer, bytes.byteOffset, count * size);
  const out = new Int16Array(count);
  for (let i = 0; i < count; i++) {
    const at = i * size;
    let value: number;
    if (encoding === 'pcm_s16le') value = view.getInt16(at, true);
    else if (encoding === 'pcm_s32le') value = view.getInt32(at, true) / 65536;
    else if (encoding === 'pcm_f32le') value = view.getFloat32(at, true) * 32767;
    else value = halfToFloat(view.getUint16(at, true)) * 32767;
    out[i] = Math.max(-32768, Math.min(32767, Math.round(Number.isFinite(value) ? value : 0)));
  }
  return out;
}

function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exponent = (h >> 10) & 0x1f;
  const fraction = h & 0x3ff;
  if (exponent === 0) return sign * 2 ** -14 * (fraction / 1024);
  if (exponent === 31) return fraction ? Number.NaN : sign * Number.POSITIVE_INFINITY;
  return sign * 2 ** (exponent - 15) * (1 + fraction / 1024);
}

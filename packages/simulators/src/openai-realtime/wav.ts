/**
 * A small WAV reader for reply clips (PCM16, 8-bit mu-law/A-law, float32; any rate; mixed to mono).
 * Local to the simulator so it does not wait on the telephony package's WAV helpers.
 */
import { mulawToPcm16 } from '@switchboard/telephony';
import { alawToPcm16 } from './audio-format.ts';

/** Decoded WAV audio. */
export interface WavAudio {
  sampleRate: number;
  /** Mono PCM16. */
  samples: Int16Array;
}

/** Thrown for files that are not a WAV this reader understands. */
export class WavFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WavFormatError';
  }
}

const FORMAT_PCM = 1;
const FORMAT_FLOAT = 3;
const FORMAT_ALAW = 6;
const FORMAT_MULAW = 7;
const FORMAT_EXTENSIBLE = 0xfffe;

/** Parses a RIFF/WAVE file into mono PCM16. */
export function parseWav(bytes: Uint8Array): WavAudio {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.length < 12 || tag(bytes, 0) !== 'RIFF' || tag(bytes, 8) !== 'WAVE') {
    throw new WavFormatError('not a RIFF/WAVE file');
  }
  let format = -1;
  let channels = 0;
  let sampleRate = 0;
  let bitsPerSample = 0;
  let data: Uint8Array | null = null;
  for (let at = 12; at + 8 <= bytes.length; ) {
    const id = tag(bytes, at);
    const size = view.getUint32(at + 4, true);
    const body = at + 8;
    if (id === 'fmt ' && size >= 16 && body + 16 <= bytes.length) {
      format = view.getUint16(body, true);
      channels = view.getUint16(body + 2, true);
      sampleRate = view.getUint32(body + 4, true);
      bitsPerSample = view.getUint16(body + 14, true);
      if (format === FORMAT_EXTENSIBLE && size >= 26 && body + 26 <= bytes.length) {
        format = view.getUint16(body + 24, true);
      }
    } else if (id === 'data') {
      data = bytes.subarray(body, Math.min(bytes.length, body + size));
    }
    at = body + size + (size % 2);
  }
  if (format < 0 || !data) throw new WavFormatError('missing fmt or data chunk');
  if (channels < 1 || sampleRate < 1) throw new WavFormatError('invalid channel count or sample rate');
  const interleaved = decodeSamples(data, format, bitsPerSample);
  return { sampleRate, samples: mixToMono(interleaved, channels) };
}

function decodeSamples(data: Uint8Array, format: number, bits: number): Int16Array {
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  if (format === FORMAT_PCM && bits === 16) {
    const out = new Int16Array(data.length >> 1);
    for (let i = 0; i < out.length; i++) out[i] = view.getInt16(i * 2, true);
    return out;
  }
  if (format === FORMAT_PCM && bits === 8) {
    const out = new Int16Array(data.length);
    for (let i = 0; i < data.length; i++) out[i] = (data[i]! - 128) << 8;
    return out;
  }
  if (format === FORMAT_FLOAT && bits === 32) {
    const out = new Int16Array(data.length >> 2);
    for (let i = 0; i < out.length; i++) {
      const v = Math.max(-1, Math.min(1, view.getFloat32(i * 4, true)));
      out[i] = Math.round(v * 32767);
    }
    return out;
  }
  if (format === FORMAT_MULAW && bits === 8) return mulawToPcm16(data);
  if (format === FORMAT_ALAW && bits === 8) return alawToPcm16(data);
  throw new WavFormatError(`unsupported WAV encoding (format ${format}, ${bits} bits)`);
}

function mixToMono(samples: Int16Array, channels: number): Int16Array {
  if (channels === 1) return samples;
  const frames = Math.floor(samples.length / channels);
  const out = new Int16Array(frames);
  for (let f = 0; f < frames; f++) {
    let sum = 0;
    for (let c = 0; c < channels; c++) sum += samples[f * channels + c]!;
    out[f] = Math.round(sum / channels);
  }
  return out;
}

function tag(bytes: Uint8Array, at: number): string {
  return String.fromCharCode(bytes[at]!, bytes[at + 1]!, bytes[at + 2]!, bytes[at + 3]!);
}

/** Writes mono PCM16 as a WAV file (used by tests and tools that make fixture clips). */
export function encodeWavPcm16(samples: Int16Array, sampleRate: number): Uint8Array {
  const dataBytes = samples.length * 2;
  const out = new Uint8Array(44 + dataBytes);
  const view = new DataView(out.buffer);
  const write = (at: number, text: string) => {
    for (let i = 0; i < 4; i++) out[at + i] = text.charCodeAt(i);
  };
  write(0, 'RIFF');
  view.setUint32(4, 36 + dataBytes, true);
  write(8, 'WAVE');
  write(12, 'fmt ');
  view.setUint32(16, 16, true);
  view.setUint16(20, FORMAT_PCM, true);
  view.setUint16(22, 1, true);
  view.setUint32(24, sampleRate, true);
  view.setUint32(28, sampleRate * 2, true);
  view.setUint16(32, 2, true);
  view.setUint16(34, 16, true);
  write(36, 'data');
  view.setUint32(40, dataBytes, true);
  for (let i = 0; i < samples.length; i++) view.setInt16(44 + i * 2, samples[i]!, true);
  return out;
}

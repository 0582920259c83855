/**
 * RIFF/WAVE read and write for the two sample formats telephony uses: 16-bit linear PCM (format 1) and
 * G.711 mu-law (format 7). Reading is defensive: malformed input raises a `WavError` with a stable code.
 */
import { decodeMulawSample } from './mulaw.ts';

/** Sample encodings this module reads and writes. */
export type WavSampleFormat = 'pcm16' | 'mulaw';

/** Decoded WAV audio: raw interleaved sample bytes plus the format that describes them. */
export interface WavAudio {
  format: WavSampleFormat;
  /** Frames per second. */
  sampleRate: number;
  channels: number;
  /** Raw sample bytes: little-endian int16 for `pcm16`, one code per sample for `mulaw`. */
  data: Uint8Array;
}

/** Stable codes of `WavError`. */
export type WavErrorCode =
  | 'bad_input'
  | 'too_short'
  | 'not_riff'
  | 'not_wave'
  | 'truncated'
  | 'duplicate_chunk'
  | 'missing_fmt'
  | 'missing_data'
  | 'bad_fmt'
  | 'unsupported_format'
  | 'partial_frame'
  | 'invalid_audio'
  | 'too_large';

/** Raised by `readWav` for malformed input and by `writeWav` for audio it cannot describe. */
export class WavError extends Error {
  override readonly name = 'WavError';
  constructor(
    readonly code: WavErrorCode,
    message: string,
  ) {
    super(message);
  }
}

const WAVE_FORMAT_PCM = 0x0001;
const WAVE_FORMAT_MULAW = 0x0007;
const WAVE_FORMAT_EXTENSIBLE = 0xfffe;
/** The KSDATAFORMAT_SUBTYPE GUID tail shared by every format code carried in an extensible header. */
const SUBTYPE_GUID_TAIL = [
  0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x80, 0x00, 0x00, 0xaa, 0x00, 0x38, 0x9b, 0x71,
];
const MAX_RIFF_BYTES = 0xffffffff;

const BYTES_PER_SAMPLE: Record<WavSampleFormat, number> = { pcm16: 2, mulaw: 1 };

function fourCC(buf: Uint8Array, at: number): string {
  return String.fromCharCode(buf[at]!, buf[at + 1]!, buf[at + 2]!, buf[at + 3]!);
}

interface FmtInfo {
  format: WavSampleFormat;
  channels: number;
  sampleRate: number;
  blockAlign: number;
}

function parseFmt(view: DataView, at: number, size: number): FmtInfo {
  if (size < 16) throw new WavError('bad_fmt', `fmt chunk is ${size} bytes, needs at least 16`);
  let formatTag = view.getUint16(at, true);
  const channels = view.getUint16(at + 2, true);
  const sampleRate = view.getUint32(at + 4, true);
  const blockAlign = view.getUint16(at + 12, true);
  const bitsPerSample = view.getUint16(at + 14, true);
  if (formatTag === WAVE_FORMAT_EXTENSIBLE) {
    // cbSize (2) + validBits (2) + channelMask (4) + SubFormat GUID (16); the GUID's first 2 bytes are the code.
    if (size < 40 || view.getUint16(at + 16, true) < 22)
      throw new WavError('bad_fmt', 'extensible fmt chunk is too short for its SubFormat');
    formatTag = view.getUint16(at + 24, true);
    for (let i = 0; i < SUBTYPE_GUID_TAIL.length; i++)
      if (view.getUint8(at + 26 + i) !== SUBTYPE_GUID_TAIL[i])
        throw new WavError('unsupported_format', 'extensible SubFormat is not a standard format GUID');
  }
  if (channels === 0) throw new WavError('bad_fmt', 'fmt.channels is 0');
  if (sampleRate === 0) throw new WavError('bad_fmt', 'fmt.sampleRate is 0');
  let format: WavSampleFormat;
  if (formatTag === WAVE_FORMAT_PCM && bitsPerSample === 16) format = 'pcm16';
  else if (formatTag === WAVE_FORMAT_MULAW && bitsPerSample === 8) format = 'mulaw';
  else
    throw new WavError(
      'unsupported_format',
      `format ${formatTag} with ${bitsPerSample} bits per sample is not pcm16 or mu-law`,
    );
  const expectedAlign = channels * BYTES_PER_SAMPLE[format];
  if (blockAlign !== expectedAlign)
    throw new WavError('bad_fmt', `fmt.blockAlign is ${blockAlign}, expected ${expectedAlign}`);
  return { format, channels, sampleRate, blockAlign };
}

/**
 * Parses a WAV file. Unknown chunks (LIST, fact, cue, ...) are skipped, odd-sized chunks honour their pad
 * byte, and a RIFF size left at 0 or too large by a streaming writer is tolerated. Throws `WavError`.
 */
export function readWav(buf: Uint8Array): WavAudio {
  if (!(buf instanceof Uint8Array)) throw new WavError('bad_input', 'input is not a byte array');
  if (buf.length < 12) throw new WavError('too_short', `input is ${buf.length} bytes, a WAV header needs 12`);
  if (fourCC(buf, 0) !== 'RIFF') throw new WavError('not_riff', 'input does not start with RIFF');
  if (fourCC(buf, 8) !== 'WAVE') throw new WavError('not_wave', 'RIFF form type is not WAVE');
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const riffSize = view.getUint32(4, true);
  // Trust the RIFF size only when it is plausible: streaming writers leave it 0 or 0xFFFFFFFF.
  const end = riffSize >= 4 && 8 + riffSize <= buf.length ? 8 + riffSize : buf.length;

  let fmt: FmtInfo | undefined;
  let data: { at: number; size: number } | undefined;
  let pos = 12;
  while (pos + 8 <= end) {
    const id = fourCC(buf, pos);
    const size = view.getUint32(pos + 4, true);
    const body = pos + 8;
    if (size > end - body) {
      // A damaged trailing chunk (metadata after the audio) does not spoil audio already found.
      if (fmt && data) break;
      throw new WavError(
        'truncated',
        `chunk ${JSON.stringify(id)} declares ${size} bytes, ${end - body} remain`,
      );
    }
    if (id === 'fmt ') {
      if (fmt) throw new WavError('duplicate_chunk', 'more than one fmt chunk');
      fmt = parseFmt(view, body, size);
    } else if (id === 'data') {
      if (data) throw new WavError('duplicate_chunk', 'more than one data chunk');
      data = { at: body, size };
    }
    pos = body + size + (size & 1);
  }
  if (!fmt) throw new WavError('missing_fmt', 'no fmt chunk');
  if (!data) throw new WavError('missing_data', 'no data chunk');
  if (data.size % fmt.blockAlign !== 0)
    throw new WavError(
      'partial_frame',
      `data is ${data.size} bytes, not whole ${fmt.blockAlign}-byte frames`,
    );
  return {
    format: fmt.format,
    sampleRate: fmt.sampleRate,
    channels: fmt.channels,
    // A copy, so the caller's buffer (often a pooled Buffer) is not retained or aliased.
    data: new Uint8Array(buf.subarray(data.at, data.at + data.size)),
  };
}

function checkAudio(audio: WavAudio): number {
  if (typeof audio !== 'object' || audio === null)
    throw new WavError('invalid_audio', 'audio is not an object');
  if (audio.format !== 'pcm16' && audio.format !== 'mulaw')
    throw new WavError('invalid_audio', 'audio.format must be pcm16 or mulaw');
  if (!Number.isInteger(audio.sampleRate) || audio.sampleRate < 1 || audio.sampleRate > 0xffffffff)
    throw new WavError('invalid_audio', 'audio.sampleRate must be a positive 32-bit integer');
  if (!Number.isInteger(audio.channels) || audio.channels < 1 || audio.channels > 0xffff)
    throw new WavError('invalid_audio', 'audio.channels must be an integer from 1 to 65535');
  if (!(audio.data instanceof Uint8Array))
    throw new WavError('invalid_audio', 'audio.data must be a Uint8Array');
  const blockAlign = audio.channels * BYTES_PER_SAMPLE[audio.format];
  if (blockAlign > 0xffff) throw new WavError('invalid_audio', 'audio.channels is too many for this format');
  if (audio.data.length % blockAlign !== 0)
    throw new WavError('partial_frame', `audio.data is not whole ${blockAlign}-byte frames`);
  return blockAlign;
}

/**
 * Writes a canonical WAV file. PCM16 gets the 16-byte fmt chunk; mu-law, being non-PCM, gets the 18-byte
 * fmt chunk with cbSize 0 and a fact chunk holding the frame count, as the RIFF spec requires.
 */
export function writeWav(audio: WavAudio): Buffer {
  const blockAlign = checkAudio(audio);
  const isPcm = audio.format === 'pcm16';
  const fmtSize = isPcm ? 16 : 18;
  const factBytes = isPcm ? 0 : 12;
  const dataPad = audio.data.length & 1;
  const total = 12 + 8 + fmtSize + factBytes + 8 + audio.data.length + dataPad;
  if (total - 8 > MAX_RIFF_BYTES) throw new WavError('too_large', 'audio is too long for a RIFF file');

  const out = Buffer.alloc(total);
  let at = 0;
  at += out.write('RIFF', at, 'latin1');
  at = out.writeUInt32LE(total - 8, at);
  at += out.write('WAVE', at, 'latin1');
  at += out.write('fmt ', at, 'latin1');
  at = out.writeUInt32LE(fmtSize, at);
  at = out.writeUInt16LE(isPcm ? WAVE_FORMAT_PCM : WAVE_FORMAT_MULAW, at);
  at = out.writeUInt16LE(audio.channels, at);
  at = out.writeUInt32LE(audio.sampleRate, at);
  at = out.writeUInt32LE((audio.sampleRate * blockAlign) % 2 ** 32, at);
  at = out.writeUInt16LE(blockAlign, at);
  at = out.writeUInt16LE(BYTES_PER_SAMPLE[audio.format] * 8, at);
  if (!isPcm) {
    at = out.writeUInt16LE(0, at);
    at += out.write('fact', at, 'latin1');
    at = out.writeUInt32LE(4, at);
    at = out.writeUInt32LE(audio.data.length / blockAlign, at);
  }
  at += out.write('data', at, 'latin1');
  at = out.writeUInt32LE(audio.data.length, at);
  out.set(audio.data, at);
  return out;
}

/** Interleaved samples as PCM16, decoding mu-law if needed. */
export function pcm16Samples(audio: WavAudio): Int16Array {
  if (audio.format === 'mulaw') {
    const out = new Int16Array(audio.data.length);
    for (let i = 0; i < out.length; i++) out[i] = decodeMulawSample(audio.data[i]!);
    return out;
  }
  const view = new DataView(audio.data.buffer, audio.data.byteOffset, audio.data.byteLength);
  const out = new Int16Array(audio.data.length >> 1);
  for (let i = 0; i < out.length; i++) out[i] = view.getInt16(i * 2, true);
  return out;
}

/** Builds PCM16 `WavAudio` from samples (little-endian on every host). */
export function pcm16Audio(samples: Int16Array, sampleRate: number, channels = 1): WavAudio {
  const data = new Uint8Array(samples.length * 2);
  const view = new DataView(data.buffer);
  for (let i = 0; i < samples.length; i++) view.setInt16(i * 2, samples[i]!, true);
  return { format: 'pcm16', sampleRate, channels, data };
}

/** Duration of the audio in milliseconds. */
export function wavDurationMs(audio: WavAudio): number {
  const frameBytes = audio.channels * BYTES_PER_SAMPLE[audio.format];
  return (audio.data.length / frameBytes / audio.sampleRate) * 1000;
}

/**
 * ElevenLabs `output_format` values the simulator renders (`codec_samplerate`): G.711 at 8 kHz for
 * telephony and raw PCM16. MP3 and Opus are real formats the simulator cannot encode; it refuses them
 * by name rather than send something else.
 */
import { pcm16ToMulaw } from '@switchboard/telephony';
import { pcm16ToAlaw, resamplePcm16 } from '../openai-realtime/audio-format.ts';
import { SPEECH_SAMPLE_RATE } from '../speech/spoken-text.ts';

/** A parsed output format. */
export interface OutputFormat {
  name: string;
  codec: 'ulaw' | 'alaw' | 'pcm';
  sampleRate: number;
}

/** Formats the simulator renders. */
export const SIMULATED_OUTPUT_FORMATS = [
  'ulaw_8000',
  'alaw_8000',
  'pcm_8000',
  'pcm_16000',
  'pcm_22050',
  'pcm_24000',
  'pcm_44100',
  'pcm_48000',
] as const;

/** Real formats the simulator does not encode. */
const UNSIMULATED = /^(mp3_(22050_32|44100_(32|64|96|128|192))|opus_48000_(32|64|96|128|192))$/;

/** The format named `name`, `'unsupported'` for a real one the simulator cannot encode, or null. */
export function parseOutputFormat(name: string): OutputFormat | 'unsupported' | null {
  if ((SIMULATED_OUTPUT_FORMATS as readonly string[]).includes(name)) {
    const [codec, rate] = name.split('_') as ['ulaw' | 'alaw' | 'pcm', string];
    return { name, codec, sampleRate: Number(rate) };
  }
  return UNSIMULATED.test(name) ? 'unsupported' : null;
}

/** Encodes speech (PCM16 at the speech rate) in `format`. */
export function encodeSpeech(pcm: Int16Array, format: OutputFormat): Uint8Array {
  const samples = resamplePcm16(pcm, SPEECH_SAMPLE_RATE, format.sampleRate);
  if (format.codec === 'ulaw') return pcm16ToMulaw(samples);
  if (format.codec === 'alaw') return pcm16ToAlaw(samples);
  return new Uint8Array(samples.buffer.slice(samples.byteOffset, samples.byteOffset + samples.byteLength));
}

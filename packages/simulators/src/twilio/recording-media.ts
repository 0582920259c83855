/**
 * The audio files of a simulated recording (https://www.twilio.com/docs/voice/api/recording: the media
 * at `.wav` and `.mp3`): a WAV (16-bit PCM, 8 kHz) with one channel, or two for a dual-channel
 * recording (channel 1 the phone party, channel 2 what Twilio played to it: the agent), and an MP3 of
 * the same audio.
 */
import { Mp3Encoder } from '@breezystack/lamejs';
import { MULAW_BYTES_PER_MS, mulawToPcm16, readWav, writeWav } from '@switchboard/telephony';

/** The two sides of a call as mu-law tracks from the call's start (8 kHz, a byte a sample). */
export interface RecordingTracks {
  /** What the phone party said. */
  caller: Uint8Array;
  /** What Twilio played to the phone party (`<Say>` speech and the agent's stream audio). */
  agent: Uint8Array;
}

/** The slice `[fromMs, toMs)` of a mu-law track, as 16-bit samples (silence past its end). */
function pcmSlice(track: Uint8Array, fromMs: number, toMs: number): Int16Array {
  const from = Math.max(0, Math.round(fromMs * MULAW_BYTES_PER_MS));
  const length = Math.max(0, Math.round(toMs * MULAW_BYTES_PER_MS) - from);
  const out = new Int16Array(length);
  const part = mulawToPcm16(track.subarray(from, Math.min(track.length, from + length)));
  out.set(part);
  return out;
}

/** The recording's WAV: 8 kHz 16-bit PCM, `channels` 1 (both sides mixed) or 2 (caller, agent). */
export function recordingWav(tracks: RecordingTracks, fromMs: number, toMs: number, channels: 1 | 2): Buffer {
  const caller = pcmSlice(tracks.caller, fromMs, toMs);
  const agent = pcmSlice(tracks.agent, fromMs, toMs);
  const frames = caller.length;
  const data = Buffer.alloc(frames * channels * 2);
  for (let i = 0; i < frames; i++) {
    if (channels === 2) {
      data.writeInt16LE(caller[i]!, i * 4);
      data.writeInt16LE(agent[i]!, i * 4 + 2);
    } else {
      const mixed = Math.max(-32768, Math.min(32767, caller[i]! + agent[i]!));
      data.writeInt16LE(mixed, i * 2);
    }
  }
  return writeWav({ format: 'pcm16', sampleRate: 8000, channels, data });
}

/** MP3 bit rate of a recording's `.mp3` (kbit/s): speech at 8 kHz. */
const MP3_KBPS = 32;
/** Samples per MPEG-2.5 Layer III frame. */
const MP3_FRAME_SAMPLES = 576;

/**
 * The recording's `.mp3`: the same audio as its WAV (8 kHz, one channel or two), encoded with LAME's
 * pure-JavaScript port as MPEG-2.5 Layer III.
 */
export function recordingMp3(wav: Buffer): Buffer {
  const { data, channels } = readWav(wav);
  const frames = Math.floor(data.length / (2 * channels));
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const side = (ch: number) => {
    const out = new Int16Array(frames);
    for (let i = 0; i < frames; i++) out[i] = view.getInt16((i * channels + ch) * 2, true);
    return out;
  };
  const left = side(0);
  const right = channels === 2 ? side(1) : undefined;
  const encoder = new Mp3Encoder(channels, 8000, MP3_KBPS);
  const parts: Buffer[] = [];
  for (let i = 0; i < frames; i += MP3_FRAME_SAMPLES) {
    const end = Math.min(frames, i + MP3_FRAME_SAMPLES);
    const chunk = right
      ? encoder.encodeBuffer(left.subarray(i, end), right.subarray(i, end))
      : encoder.encodeBuffer(left.subarray(i, end));
    parts.push(Buffer.from(chunk));
  }
  parts.push(Buffer.from(encoder.flush()));
  return Buffer.concat(parts);
}

/**
 * The audio files of a simulated recording: a WAV (16-bit PCM, 8 kHz) with one channel, or two for a
 * dual-channel recording (channel 1 the phone party, channel 2 what Twilio played to it: the agent),
 * and an MP3 of the same length. The simulator has no MP3 encoder: its MP3 is silent MPEG-1 Layer III
 * frames (a valid file a player reports the right duration for), said here so no test trusts its sound.
 */
import { MULAW_BYTES_PER_MS, mulawToPcm16, writeWav } from '@switchboard/telephony';

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

/** MPEG-1 Layer III, 32 kbit/s, 32 kHz, mono: 1,152 samples in 144 bytes a frame. */
const MP3_FRAME_BYTES = 144;
const MP3_FRAME_SAMPLES = 1152;
const MP3_SAMPLE_RATE = 32_000;
const MP3_HEADER = [0xff, 0xfb, 0x18, 0xc0];

/**
 * A silent MP3 of `durationMs`: each frame is the header and zeroed side information and main data
 * (part2_3_length 0: no coded samples, which decoders play as silence).
 */
export function silentMp3(durationMs: number): Buffer {
  const frames = Math.max(1, Math.ceil((durationMs / 1000) * (MP3_SAMPLE_RATE / MP3_FRAME_SAMPLES)));
  const out = Buffer.alloc(frames * MP3_FRAME_BYTES);
  for (let f = 0; f < frames; f++) out.set(MP3_HEADER, f * MP3_FRAME_BYTES);
  return out;
}

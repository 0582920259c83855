/** Both sides of a call as one stereo WAV file: the caller on the left, what the caller heard on the right. */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { MULAW_SAMPLE_RATE, mulawToPcm16, pcm16Audio, writeWav } from '@switchboard/telephony';

/** Interleaves two mu-law tracks into stereo PCM16 WAV bytes (the shorter one padded with silence). */
export function stereoWav(left: Uint8Array, right: Uint8Array): Uint8Array {
  const l = mulawToPcm16(left);
  const r = mulawToPcm16(right);
  const frames = Math.max(l.length, r.length);
  const samples = new Int16Array(frames * 2);
  for (let i = 0; i < frames; i++) {
    samples[i * 2] = l[i] ?? 0;
    samples[i * 2 + 1] = r[i] ?? 0;
  }
  return writeWav(pcm16Audio(samples, MULAW_SAMPLE_RATE, 2));
}

/** A file name from a scenario name. */
export function slug(name: string): string {
  return (
    name
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, 60) || 'scenario'
  );
}

/** Writes `<dir>/<slug>.wav`; returns its path. */
export async function writeCallAudio(
  dir: string,
  name: string,
  audio: { caller: Uint8Array; agent: Uint8Array },
): Promise<string> {
  const path = join(dir, `${slug(name)}.wav`);
  await writeFile(path, stereoWav(audio.caller, audio.agent));
  return path;
}

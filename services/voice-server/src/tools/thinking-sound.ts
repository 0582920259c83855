import { MULAW_SAMPLE_RATE, pcm16ToMulaw } from '@switchboard/telephony';

/** Length of one thinking sound. */
export const THINKING_SOUND_MS = 420;
/** Audio sent per media frame of the sound; each frame gets a mark so a clear can stop it. */
const CHUNK_MS = 60;

/**
 * The "echo-pop": a soft wooden pop at 1.1 kHz with two fading echoes, synthesized here so the project
 * ships no binary asset. Quiet (about -18 dBFS peak) so it reads as "working on it", not as speech.
 */
export function synthesizeEchoPop(): Int16Array {
  const total = Math.round((THINKING_SOUND_MS / 1000) * MULAW_SAMPLE_RATE);
  const pcm = new Float64Array(total);
  const pop = (startMs: number, gain: number) => {
    const start = Math.round((startMs / 1000) * MULAW_SAMPLE_RATE);
    const len = Math.round(0.045 * MULAW_SAMPLE_RATE);
    for (let i = 0; i < len && start + i < total; i++) {
      const t = i / MULAW_SAMPLE_RATE;
      const attack = Math.min(1, i / 16);
      const decay = Math.exp(-t * 90);
      pcm[start + i]! +=
        gain * attack * decay * (Math.sin(2 * Math.PI * 1100 * t) + 0.35 * Math.sin(2 * Math.PI * 2200 * t));
    }
  };
  pop(0, 1);
  pop(130, 0.45);
  pop(260, 0.2);
  const peak = 0.125 * 32767;
  const out = new Int16Array(total);
  for (let i = 0; i < total; i++) out[i] = Math.max(-32768, Math.min(32767, Math.round(pcm[i]! * peak)));
  return out;
}

let chunks: string[] | undefined;

/** The sound as base64 mu-law media payloads, in play order. */
export function thinkingSoundChunks(): string[] {
  if (!chunks) {
    const mulaw = pcm16ToMulaw(synthesizeEchoPop());
    const size = CHUNK_MS * 8;
    chunks = [];
    for (let at = 0; at < mulaw.length; at += size)
      chunks.push(Buffer.from(mulaw.subarray(at, at + size)).toString('base64'));
  }
  return chunks;
}

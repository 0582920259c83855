/**
 * The assistant's audio in the benchmark: a steady tone cut into delta-sized chunks, each starting
 * with a reply tag holding its index, so a chunk heard by the caller names the delta it came from.
 */
import { MULAW_BYTES_PER_MS, MULAW_SAMPLE_RATE, pcm16ToMulaw } from '@switchboard/telephony';
import { MAX_REPLY_CHUNKS, tagReplyChunk } from './frame-tag.ts';

/** A tagged mu-law clip of `chunks` chunks of `chunkMs` each (the Realtime simulator's `audioChunkMs`). */
export function taggedReplyClip(chunkMs: number, chunks: number, toneHz = 220, amplitude = 0.2): Uint8Array {
  if (!(chunks > 0 && chunks <= MAX_REPLY_CHUNKS)) throw new RangeError('chunks out of range');
  const chunkBytes = chunkMs * MULAW_BYTES_PER_MS;
  const pcm = new Int16Array(chunkBytes * chunks);
  const step = (2 * Math.PI * toneHz) / MULAW_SAMPLE_RATE;
  for (let i = 0; i < pcm.length; i++) pcm[i] = Math.round(32767 * amplitude * Math.sin(step * i));
  const clip = pcm16ToMulaw(pcm);
  for (let c = 0; c < chunks; c++) tagReplyChunk(clip.subarray(c * chunkBytes, (c + 1) * chunkBytes), c);
  return clip;
}

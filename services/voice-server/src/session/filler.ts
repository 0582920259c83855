import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** Audio per media frame of the filler; each frame gets a mark. */
const CHUNK_MS = 100;
const ASSET = fileURLToPath(new URL('../../assets/one-moment.ulaw', import.meta.url));

let chunks: string[] | undefined;

/** "One moment, please." (8 kHz mu-law, made by scripts/make-assets.sh) as media payloads. */
export function fillerChunks(): string[] {
  if (!chunks) {
    const mulaw = readFileSync(ASSET);
    const size = CHUNK_MS * 8;
    chunks = [];
    for (let at = 0; at < mulaw.length; at += size)
      chunks.push(mulaw.subarray(at, at + size).toString('base64'));
  }
  return chunks;
}

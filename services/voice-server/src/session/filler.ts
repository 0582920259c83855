import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { AudioOut } from './audio-out.ts';
import { FILLER_ITEM } from './call-types.ts';
import { FILLER_LINE } from './lines.ts';

/** Audio per media frame of the filler; each frame gets a mark. */
const CHUNK_MS = 100;
const ASSET = fileURLToPath(new URL('../../assets/one-moment.ulaw', import.meta.url));

let chunks: string[] | undefined;
let lengthMs = 0;

/** "One moment, please." (8 kHz mu-law, made by scripts/make-assets.sh) as media payloads. */
export function fillerChunks(): string[] {
  if (!chunks) {
    const mulaw = readFileSync(ASSET);
    const size = CHUNK_MS * 8;
    chunks = [];
    for (let at = 0; at < mulaw.length; at += size)
      chunks.push(mulaw.subarray(at, at + size).toString('base64'));
    lengthMs = mulaw.length / 8;
  }
  return chunks;
}

/** Length of the filler, in ms. */
export function fillerMs(): number {
  fillerChunks();
  return lengthMs;
}

/**
 * "One moment" while the Realtime session is being reopened: once per outage (a socket that drops
 * again soon after reopening gets none), never more than `maxMs` in the whole call. Once the session
 * is back no more is queued; what was queued plays out ahead of the model's apology.
 */
export class OutageFiller {
  private playedMs = 0;

  constructor(
    private readonly audioOut: AudioOut,
    private readonly maxMs: number,
    /** Speaks the line in the brand's own voice, when the call has one (false: it cannot now). */
    private readonly sayInVoice: (text: string, localItem: string) => boolean = () => false,
  ) {}

  onDropped(newOutage: boolean): void {
    if (!newOutage || this.playedMs + fillerMs() > this.maxMs) return;
    this.playedMs += fillerMs();
    if (this.sayInVoice(FILLER_LINE, FILLER_ITEM)) return;
    this.audioOut.local(FILLER_ITEM, fillerChunks());
  }

  /** Filler played so far in this call, in ms. */
  get totalMs(): number {
    return this.playedMs;
  }
}

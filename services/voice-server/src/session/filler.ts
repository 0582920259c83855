import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { AudioOut } from './audio-out.ts';
import { FILLER_ITEM } from './call-types.ts';
import { FILLER_LINE } from './lines.ts';
import { base64ByteLength } from './playback-tracker.ts';

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

/** Pieces sent ahead of playback: one playing and one waiting at Twilio, so a late timer leaves no gap. */
const LEAD_PIECES = 2;

/** What the filler needs of the call: its audio path, and timers the call owns (cleared at its end). */
export interface FillerDeps {
  audioOut: AudioOut;
  /** Most filler the call plays in all, in ms. */
  maxMs: number;
  later: (delayMs: number, fn: () => void) => unknown;
  /** Speaks the line in the brand's own voice, when the call has one (false: it cannot now). */
  sayInVoice?: (text: string, localItem: string) => boolean;
}

/**
 * "One moment" while the Realtime session is being reopened: once per outage (a socket that drops
 * again soon after reopening gets none), never more than `maxMs` in the whole call. The recorded clip
 * goes to Twilio in 100 ms pieces at the pace it plays, two ahead, so when the session is back the
 * pieces not yet sent are dropped and at most ~200 ms of it is still to play: the filler stops without
 * a clear, and nothing else the caller was sent is cut. (Said in the brand's voice, the line is one
 * synthesized turn and plays out.)
 */
export class OutageFiller {
  private sentMs = 0;
  /** The clip's pieces still to send in this outage. */
  private queue: string[] = [];
  /** Bumped when the filler stops: a timer of an earlier clip does nothing. */
  private run = 0;

  constructor(private readonly deps: FillerDeps) {}

  onDropped(newOutage: boolean): void {
    if (!newOutage || this.sentMs + fillerMs() > this.deps.maxMs) return;
    if (this.deps.sayInVoice?.(FILLER_LINE, FILLER_ITEM)) {
      this.sentMs += fillerMs();
      return;
    }
    this.stop();
    this.queue = [...fillerChunks()];
    for (let i = 0; i < LEAD_PIECES; i++) this.sendNext();
    this.pump(this.run);
  }

  /** The session is back: no more of the clip is sent. */
  onResumed(): void {
    this.stop();
  }

  /**
   * The call takes its fallback: the rest of the clip goes out now, so the line that follows (in the
   * brand's voice) plays after it instead of between its pieces.
   */
  onGaveUp(): void {
    while (this.queue.length) this.sendNext();
    this.stop();
  }

  private stop(): void {
    this.queue = [];
    this.run++;
  }

  /** A piece per 100 ms of the clip, while the outage lasts (a late timer eats into the lead). */
  private pump(run: number): void {
    if (!this.queue.length) return;
    this.deps.later(CHUNK_MS, () => {
      if (run !== this.run) return;
      this.sendNext();
      this.pump(run);
    });
  }

  private sendNext(): void {
    const piece = this.queue.shift();
    if (piece === undefined) return;
    this.deps.audioOut.local(FILLER_ITEM, [piece]);
    this.sentMs += base64ByteLength(piece) / 8;
  }
}

/**
 * How far each truncate the relay sent was from what the caller had actually heard of the item when
 * the clear reached it. The caller's playback is rebuilt from the media it received: a FIFO player
 * (each frame plays from its arrival or the end of the one before, whichever is later), restarted at
 * each clear. Reply audio is tagged per delta, so a frame's tag gives its offset in the item.
 */
import type { MeasureWindow, RelayProbe } from './relay-probe.ts';

export interface TruncationFigures {
  /** truncate audio_end_ms − audio heard of that item when the clear arrived, per truncate, ms. */
  offsetsMs: number[];
  /** Truncates with no clear received within 100 ms of them. */
  unmatched: number;
}

/** A truncate and the clear of the same barge-in arrive within this of each other. */
const PAIR_WINDOW_MS = 100;

/** Audio of the playing item heard at `atMs`, from the media received since the previous clear. */
export function heardOfItemAt(
  media: Array<{ at: number; bytes: number; idx: number }>,
  deltaMs: number,
  atMs: number,
): number | undefined {
  let freeAt = Number.NEGATIVE_INFINITY;
  let heard: number | undefined;
  for (const m of media) {
    const start = Math.max(m.at, freeAt);
    if (atMs <= start) break;
    const end = start + m.bytes / 8;
    heard = m.idx * deltaMs + Math.min(atMs, end) - start;
    if (atMs < end) break;
    freeAt = end;
  }
  return heard;
}

export function truncationFigures(
  probe: RelayProbe,
  callIndexes: number[],
  window: MeasureWindow,
  deltaMs: number,
): TruncationFigures {
  const out: TruncationFigures = { offsetsMs: [], unmatched: 0 };
  for (const i of callIndexes) {
    const call = probe.calls[i]!;
    const truncates = call.session?.truncates ?? [];
    for (const t of truncates) {
      if (t.at < window.startMs || t.at >= window.endMs) continue;
      const clearAt = call.clearsAt.find((c) => Math.abs(c - t.at) <= PAIR_WINDOW_MS);
      if (clearAt === undefined) {
        out.unmatched++;
        continue;
      }
      const previousClear = call.clearsAt.filter((c) => c < clearAt).at(-1) ?? Number.NEGATIVE_INFINITY;
      const media: Array<{ at: number; bytes: number; idx: number }> = [];
      for (let m = 0; m < call.mediaAt.length; m++) {
        const at = call.mediaAt[m]!;
        if (at > previousClear && at <= clearAt)
          media.push({ at, bytes: call.mediaBytes[m]!, idx: call.mediaIdx[m]! });
      }
      const heard = heardOfItemAt(media, deltaMs, clearAt);
      if (heard === undefined) out.unmatched++;
      else out.offsetsMs.push(t.audioEndMs - heard);
    }
  }
  return out;
}

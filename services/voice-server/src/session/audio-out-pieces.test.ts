// An oversized delta of the model's audio (over 200 ms) goes out in pieces of 1,064 base64 characters
// (about 100 ms), each with its mark and counted as a frame out: exactly as many pieces as it holds,
// never an empty one after a delta that is a whole number of pieces.
import { describe, expect, it } from 'vitest';
import { audioPath } from '../testing/parts.ts';

/** A delta of exactly `pieces` × 798 bytes of mu-law (1,064 base64 characters each). */
const wholePieces = (pieces: number) => Buffer.alloc(pieces * 798, 0x55).toString('base64');

describe('AudioOut, an oversized delta', () => {
  it('a delta of three whole pieces: three frames out, each with its mark, none empty', () => {
    const p = audioPath();
    const delta = wholePieces(3);
    expect(delta).toHaveLength(3 * 1_064);
    p.audioOut.agent('item_a', delta);
    const events = p.transport.sent.map((f) => f.event);
    expect(events).toEqual(['media', 'mark', 'media', 'mark', 'media', 'mark']);
    expect(p.transport.frames('media').map((f) => f.payload.length)).toEqual([1_064, 1_064, 1_064]);
    expect(p.metrics.framesOut).toBe(3);
    expect(p.metrics.oversizedDeltas).toBe(1);
  });

  it('a delta with a shorter last piece: every piece counted as a frame out', () => {
    const p = audioPath();
    p.audioOut.agent('item_a', Buffer.alloc(2 * 798 + 30, 0x55).toString('base64'));
    expect(p.transport.frames('media').map((f) => f.payload.length)).toEqual([1_064, 1_064, 40]);
    expect(p.transport.frames('mark')).toHaveLength(3);
    expect(p.metrics.framesOut).toBe(3);
  });
});

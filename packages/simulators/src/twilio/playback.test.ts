import { describe, expect, it } from 'vitest';
import { PlaybackModel } from './playback.ts';

function model() {
  const marks: Array<{ name: string; atMs: number; cleared: boolean }> = [];
  const played: Array<{ atMs: number; bytes: number }> = [];
  const starts: Array<{ arrivalMs: number; startMs: number }> = [];
  const m = new PlaybackModel({
    onMark: (name, atMs, cleared) => marks.push({ name, atMs, cleared }),
    onPlayed: (audio, atMs) => played.push({ atMs, bytes: audio.length }),
    onSegmentStart: (arrivalMs, startMs) => starts.push({ arrivalMs, startMs }),
  });
  return { m, marks, played, starts };
}

const audioMs = (ms: number) => new Uint8Array(ms * 8).fill(0x10);

describe('PlaybackModel', () => {
  it('echoes a mark only once all audio before it has played', () => {
    const { m, marks } = model();
    m.append(audioMs(100), 0);
    m.mark('a', 0);
    m.append(audioMs(100), 0);
    m.mark('b', 0);
    m.advanceTo(99);
    expect(marks).toEqual([]);
    m.advanceTo(100);
    expect(marks).toEqual([{ name: 'a', atMs: 100, cleared: false }]);
    m.advanceTo(199.9);
    expect(marks).toHaveLength(1);
    m.advanceTo(200);
    expect(marks[1]).toEqual({ name: 'b', atMs: 200, cleared: false });
    expect(m.isPlaying).toBe(false);
  });

  it('echoes a mark at once when nothing is buffered', () => {
    const { m, marks } = model();
    m.mark('idle', 42);
    expect(marks).toEqual([{ name: 'idle', atMs: 42, cleared: false }]);
  });

  it('plays at 8 bytes per ms from when audio arrives at an idle buffer', () => {
    const { m, played, starts } = model();
    m.advanceTo(500);
    m.append(audioMs(50), 510);
    m.advanceTo(530);
    expect(m.playedBytes).toBe(160);
    expect(m.bufferedMs).toBe(30);
    m.advanceTo(600);
    expect(m.playedBytes).toBe(400);
    expect(played[0]).toEqual({ atMs: 510, bytes: 160 });
    expect(starts).toEqual([{ arrivalMs: 510, startMs: 510 }]);
  });

  it('queues audio behind audio already playing', () => {
    const { m, starts } = model();
    m.append(audioMs(100), 0);
    m.append(audioMs(100), 40);
    m.advanceTo(300);
    expect(starts).toEqual([
      { arrivalMs: 0, startMs: 0 },
      { arrivalMs: 40, startMs: 100 },
    ]);
  });

  it('clear drops buffered audio and echoes every pending mark at once', () => {
    const { m, marks } = model();
    m.append(audioMs(100), 0);
    m.mark('m1', 0);
    m.append(audioMs(100), 0);
    m.mark('m2', 0);
    const result = m.clear(30);
    expect(result.droppedBytes).toBe(170 * 8);
    expect(result.marks).toEqual(['m1', 'm2']);
    expect(marks).toEqual([
      { name: 'm1', atMs: 30, cleared: true },
      { name: 'm2', atMs: 30, cleared: true },
    ]);
    expect(m.playedBytes).toBe(30 * 8);
    m.advanceTo(1000);
    expect(m.playedBytes).toBe(30 * 8);
  });

  it('does not lose bytes to fractional time steps', () => {
    const { m } = model();
    m.append(audioMs(10), 0);
    for (let t = 0.3; t < 20; t += 0.3) m.advanceTo(t);
    expect(m.playedBytes).toBe(80);
  });

  it('never runs backwards', () => {
    const { m } = model();
    m.append(audioMs(100), 0);
    m.advanceTo(50);
    m.advanceTo(20);
    expect(m.playedBytes).toBe(400);
  });
});

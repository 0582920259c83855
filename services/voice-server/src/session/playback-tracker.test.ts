import { describe, expect, it } from 'vitest';
import { base64ByteLength, PlaybackTracker } from './playback-tracker.ts';

describe('PlaybackTracker', () => {
  it('reports nothing playing before any audio', () => {
    expect(new PlaybackTracker().heardPosition()).toBeUndefined();
  });

  it('counts heard audio from echoed marks only', () => {
    const t = new PlaybackTracker();
    const m1 = t.onAudioSent('item_a', 160); // 20 ms
    const m2 = t.onAudioSent('item_a', 160);
    t.onAudioSent('item_a', 160);
    expect(t.heardPosition()).toEqual({ itemId: 'item_a', audioEndMs: 0, sentMs: 60, unheardItemIds: [] });
    t.onMarkEchoed(m1);
    expect(t.heardPosition()?.audioEndMs).toBe(20);
    t.onMarkEchoed(m2);
    expect(t.heardPosition()?.audioEndMs).toBe(40);
  });

  it('treats an echoed mark as proof that earlier marks played', () => {
    const t = new PlaybackTracker();
    t.onAudioSent('a', 800);
    const m2 = t.onAudioSent('a', 800);
    t.onAudioSent('a', 800);
    t.onMarkEchoed(m2);
    expect(t.pendingMarks).toBe(1);
    expect(t.heardPosition()?.audioEndMs).toBe(200);
  });

  it('reports nothing playing once every mark is echoed', () => {
    const t = new PlaybackTracker();
    const m = t.onAudioSent('a', 800);
    t.onMarkEchoed(m);
    expect(t.heardPosition()).toBeUndefined();
    expect(t.hasPendingAudio).toBe(false);
  });

  it('names the playing item and the queued unheard ones when items overlap', () => {
    const t = new PlaybackTracker();
    const a1 = t.onAudioSent('a', 1600);
    t.onAudioSent('a', 1600);
    t.onAudioSent('b', 800);
    t.onAudioSent('c', 800);
    t.onMarkEchoed(a1);
    expect(t.heardPosition()).toEqual({
      itemId: 'a',
      audioEndMs: 200,
      sentMs: 400,
      unheardItemIds: ['b', 'c'],
    });
  });

  it('moves to the next item once the previous one has fully played', () => {
    const t = new PlaybackTracker();
    const a = t.onAudioSent('a', 800);
    t.onAudioSent('b', 800);
    t.onMarkEchoed(a);
    expect(t.heardPosition()).toEqual({ itemId: 'b', audioEndMs: 0, sentMs: 100, unheardItemIds: [] });
  });

  it('ignores marks echoed after a reset (Twilio echoes pending marks on clear)', () => {
    const t = new PlaybackTracker();
    const m1 = t.onAudioSent('a', 800);
    const m2 = t.onAudioSent('a', 800);
    t.onMarkEchoed(m1);
    t.reset();
    t.onMarkEchoed(m2);
    expect(t.heardPosition()).toBeUndefined();
    const m3 = t.onAudioSent('a', 800);
    expect(m3).not.toBe(m2);
    expect(t.heardPosition()).toEqual({ itemId: 'a', audioEndMs: 100, sentMs: 300, unheardItemIds: [] });
  });

  it('ignores unknown mark names', () => {
    const t = new PlaybackTracker();
    t.onAudioSent('a', 160);
    t.onMarkEchoed('not-ours');
    expect(t.pendingMarks).toBe(1);
  });
});

describe('base64ByteLength', () => {
  it('matches the decoded length for every padding case', () => {
    for (let n = 0; n < 50; n++) {
      const b64 = Buffer.alloc(n, 7).toString('base64');
      expect(base64ByteLength(b64)).toBe(n);
    }
  });
});

// The playback tracker at its edges, on a hand-moved clock: the line's delay learnt from echo lags
// (the smallest non-negative one), interpolation across a gap between frames, waiting for idle,
// a forgotten item's late echo, and the small queries.
import { describe, expect, it } from 'vitest';
import { base64ByteLength, PlaybackTracker } from './playback-tracker.ts';

/** A tracker on a clock the test moves. 800 bytes = 100 ms of mu-law. */
function tracked() {
  let nowMs = 0;
  const t = new PlaybackTracker(() => nowMs);
  return {
    t,
    at: (ms: number) => {
      nowMs = ms;
    },
    heardMs: () => t.heardPosition()?.audioEndMs,
  };
}

describe('the line delay the tracker learns from echoes', () => {
  it('is half the smallest echo lag; a later lag of exactly 0 brings it to 0', () => {
    const c = tracked();
    const m1 = c.t.onAudioSent('a', 800); // plays 0–100 ms
    c.at(140);
    c.t.onMarkEchoed(m1); // 40 ms late: the delay is 20 ms
    c.at(1_000);
    c.t.onAudioSent('a', 800); // plays 1000–1100 ms
    c.at(1_050);
    expect(c.heardMs()).toBe(100 + 30); // 50 ms in, less the 20 ms delay
    const m3 = c.t.onAudioSent('a', 800); // plays 1100–1200
    c.at(1_200);
    c.t.onMarkEchoed(m3); // exactly on time: lag 0
    c.t.onAudioSent('a', 800); // plays 1200–1300
    c.at(1_250);
    expect(c.heardMs()).toBe(300 + 50);
  });

  it('keeps the smallest lag: a larger one after it changes nothing', () => {
    const c = tracked();
    const m1 = c.t.onAudioSent('a', 800); // plays 0–100
    c.at(120);
    c.t.onMarkEchoed(m1); // lag 20: delay 10
    c.at(1_000);
    const m2 = c.t.onAudioSent('a', 800); // plays 1000–1100
    c.at(1_200);
    c.t.onMarkEchoed(m2); // lag 100: not smaller
    c.at(2_000);
    c.t.onAudioSent('a', 800); // plays 2000–2100
    c.at(2_050);
    expect(c.heardMs()).toBe(200 + 40); // 50 ms in, less the 10 ms delay
  });

  it('ignores an echo that came before its audio could have played (a negative lag)', () => {
    const c = tracked();
    const m1 = c.t.onAudioSent('a', 800); // plays 0–100
    c.at(160);
    c.t.onMarkEchoed(m1); // lag 60: delay 30
    c.at(200);
    const m2 = c.t.onAudioSent('a', 800); // plays 200–300
    c.at(250);
    c.t.onMarkEchoed(m2); // 50 ms early: not a lag
    c.t.onAudioSent('a', 800); // plays 300–400, after the audio sent before it
    c.at(350);
    expect(c.heardMs()).toBe(200 + 20); // 50 ms in, less the 30 ms delay
  });
});

describe('interpolation', () => {
  it('stops at the end of a frame when the next one was sent after a gap', () => {
    const c = tracked();
    c.t.onAudioSent('a', 800); // plays 0–100
    c.at(300);
    c.t.onAudioSent('a', 800); // plays 300–400
    c.at(200);
    expect(c.heardMs()).toBe(100);
    c.at(300);
    expect(c.heardMs()).toBe(100);
    c.at(350);
    expect(c.heardMs()).toBe(150);
  });

  it('never counts past what was sent', () => {
    const c = tracked();
    c.t.onAudioSent('a', 800);
    c.at(10_000);
    expect(c.heardMs()).toBe(100);
  });
});

describe('waiting and the small queries', () => {
  it('is idle only once the last pending mark is echoed', async () => {
    const c = tracked();
    const m1 = c.t.onAudioSent('a', 800);
    const m2 = c.t.onAudioSent('a', 800);
    let idle = false;
    void c.t.whenIdle().then(() => {
      idle = true;
    });
    c.t.onMarkEchoed(m1);
    await Promise.resolve();
    expect(idle).toBe(false);
    c.t.onMarkEchoed(m2);
    await Promise.resolve();
    expect(idle).toBe(true);
  });

  it('onlyPending is false with nothing pending, and names whether everything pending is one item', () => {
    const t = new PlaybackTracker();
    expect(t.onlyPending('a')).toBe(false);
    t.onAudioSent('a', 800);
    expect(t.onlyPending('a')).toBe(true);
    t.onAudioSent('b', 800);
    expect(t.onlyPending('a')).toBe(false);
  });

  it('knows no sent audio for an item it never saw, and forgets an item without losing the queue', () => {
    const t = new PlaybackTracker();
    expect(t.sentMs('nope')).toBe(0);
    const m1 = t.onAudioSent('a', 800);
    t.onAudioSent('b', 800);
    t.forgetItem('a');
    expect(t.sentMs('a')).toBe(0);
    expect(() => t.onMarkEchoed(m1)).not.toThrow();
    expect(t.heardPosition()?.itemId).toBe('b');
  });

  it('reads the byte length of base64 without decoding it, padding included, and 0 for nothing', () => {
    for (const bytes of [0, 1, 2, 3, 4, 160, 799, 800])
      expect(base64ByteLength(Buffer.alloc(bytes, 7).toString('base64')), String(bytes)).toBe(bytes);
  });
});

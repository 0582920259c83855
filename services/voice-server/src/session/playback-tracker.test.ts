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

  it('counts every frame sent before an echoed mark as heard, marked or not', () => {
    const t = new PlaybackTracker();
    t.onFrameSent('a', 800);
    t.onFrameSent('a', 800);
    expect(t.unmarked).toBe(true);
    const m = t.mark()!;
    expect(t.unmarked).toBe(false);
    expect(t.mark()).toBeUndefined(); // the last frame has its mark already
    t.onFrameSent('a', 800);
    expect(t.pendingMarks).toBe(1);
    t.onMarkEchoed(m);
    expect(t.heardPosition()).toEqual({ itemId: 'a', audioEndMs: 200, sentMs: 300, unheardItemIds: [] });
  });

  it('stays busy while frames wait for their mark, and idle once it is echoed', async () => {
    const t = new PlaybackTracker();
    t.onFrameSent('a', 800);
    expect(t.hasPendingAudio).toBe(true);
    let idle = false;
    void t.whenIdle().then(() => {
      idle = true;
    });
    await Promise.resolve();
    expect(idle).toBe(false);
    t.onMarkEchoed(t.mark()!);
    await Promise.resolve();
    expect(idle).toBe(true);
    expect(t.hasPendingAudio).toBe(false);
  });

  it('forgets unmarked frames on a reset: no mark is owed for cleared audio', () => {
    const t = new PlaybackTracker();
    t.onFrameSent('a', 800);
    t.reset();
    expect(t.unmarked).toBe(false);
    expect(t.mark()).toBeUndefined();
    expect(t.hasPendingAudio).toBe(false);
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

describe('PlaybackTracker with a clock: the heard position between marks', () => {
  const at = () => {
    const clock = { ms: 1_000 };
    return { clock, t: new PlaybackTracker(() => clock.ms) };
  };

  it('counts from when the first frame met an idle buffer, before any mark is echoed', () => {
    const { clock, t } = at();
    t.onAudioSent('a', 800); // 100 ms
    t.onAudioSent('a', 800);
    clock.ms += 37;
    expect(t.heardPosition()?.audioEndMs).toBe(37);
    clock.ms += 100;
    expect(t.heardPosition()?.audioEndMs).toBe(137);
  });

  it('plays on at real-time speed, shifted by half the lag the echoes show (the line one way)', () => {
    const { clock, t } = at();
    const m1 = t.onAudioSent('a', 800);
    t.onAudioSent('a', 800);
    t.onAudioSent('a', 800);
    clock.ms += 104; // the echo of a frame that played out at 100 ms comes back 4 ms later
    t.onMarkEchoed(m1);
    clock.ms += 55;
    expect(t.heardPosition()?.audioEndMs).toBe(157);
  });

  it('is never behind the last echoed mark, however late the echo', () => {
    const { clock, t } = at();
    const m1 = t.onAudioSent('a', 800);
    t.onAudioSent('a', 800);
    clock.ms += 40;
    t.onMarkEchoed(m1); // an echo earlier than the audio could have played: the line is faster than real time
    expect(t.heardPosition()?.audioEndMs).toBe(100);
  });

  it('never goes past what was sent, nor into an item the caller has not reached', () => {
    const { clock, t } = at();
    t.onAudioSent('a', 800);
    t.onAudioSent('b', 800);
    clock.ms += 150; // a has played out; its echo has not come back yet
    const heard = t.heardPosition()!;
    expect(heard).toMatchObject({ itemId: 'a', audioEndMs: 100, sentMs: 100, unheardItemIds: ['b'] });
  });

  it('leaves the gap when a frame arrived after the buffer ran dry', () => {
    const { clock, t } = at();
    const m1 = t.onAudioSent('a', 800);
    clock.ms += 100;
    t.onMarkEchoed(m1);
    clock.ms += 40; // 40 ms of silence: the model was slow
    t.onAudioSent('a', 800);
    clock.ms += 30;
    expect(t.heardPosition()?.audioEndMs).toBe(130);
  });

  it('starts over after a clear: nothing of the cleared audio counts', () => {
    const { clock, t } = at();
    t.onAudioSent('a', 800);
    clock.ms += 50;
    t.reset();
    t.onAudioSent('b', 800);
    clock.ms += 20;
    expect(t.heardPosition()).toMatchObject({ itemId: 'b', audioEndMs: 20 });
  });

  it('is within a millisecond of a FIFO player at any instant, for any frame sizes, timings and mark spacing', async () => {
    const fc = (await import('fast-check')).default;
    fc.assert(
      fc.property(
        fc.array(
          fc.record({ gapMs: fc.integer({ min: 0, max: 150 }), ms: fc.integer({ min: 1, max: 200 }) }),
          {
            minLength: 1,
            maxLength: 12,
          },
        ),
        fc.integer({ min: 0, max: 3_000 }),
        fc.integer({ min: 1, max: 4 }),
        (frames, probeMs, markEvery) => {
          // A FIFO player: each frame plays from max(its arrival, the end of the previous one).
          const clock = { ms: 0 };
          const t = new PlaybackTracker(() => clock.ms);
          const timeline: Array<{ start: number; end: number; endBytes: number; name: string }> = [];
          let free = 0;
          let sent = 0;
          let sendAt = 0;
          for (const f of frames) {
            sendAt += f.gapMs;
            const start = Math.max(free, sendAt);
            free = start + f.ms;
            sent += f.ms * 8;
            timeline.push({ start, end: free, endBytes: sent, name: '' });
          }
          // Replay in time order: sends, and echoes of marks whose audio has played by then.
          const events: Array<{ at: number; kind: 'send' | 'echo'; i: number }> = [];
          sendAt = 0;
          // A mark after every `markEvery`-th frame and after the last one, as the audio out sends them.
          const marked = (i: number) => i % markEvery === markEvery - 1 || i === frames.length - 1;
          frames.forEach((f, i) => {
            sendAt += f.gapMs;
            events.push({ at: sendAt, kind: 'send', i });
            if (marked(i)) events.push({ at: timeline[i]!.end, kind: 'echo', i });
          });
          const rank = (e: { kind: string; i: number }) => (e.kind === 'send' ? 0 : 1) * 1_000 + e.i;
          events.sort((a, b) => a.at - b.at || rank(a) - rank(b));
          for (const e of events) {
            if (e.at > probeMs) break;
            clock.ms = e.at;
            if (e.kind === 'echo') t.onMarkEchoed(timeline[e.i]!.name);
            else if (marked(e.i)) timeline[e.i]!.name = t.onAudioSent('a', frames[e.i]!.ms * 8);
            else t.onFrameSent('a', frames[e.i]!.ms * 8);
          }
          clock.ms = probeMs;
          const heard = t.heardPosition();
          let truth = 0;
          for (const x of timeline) {
            if (probeMs >= x.end) truth = x.endBytes / 8;
            else if (probeMs > x.start) truth = x.endBytes / 8 - (x.end - probeMs);
          }
          const sentByProbe = timeline.filter((_x, i) =>
            events.some((e) => e.kind === 'send' && e.i === i && e.at <= probeMs),
          );
          if (!heard) return sentByProbe.length === 0 || probeMs >= timeline[sentByProbe.length - 1]!.end;
          return Math.abs(heard.audioEndMs - truth) <= 1 && heard.audioEndMs <= heard.sentMs;
        },
      ),
      { numRuns: 400 },
    );
  });
});

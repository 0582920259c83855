// The outage filler on its own: the cap counts the line said in the brand's voice as well as the clip
// and lets a clip that exactly fits through, a call without a voice of its own gets the clip, and a
// clip that was stopped (the session back, or the call gave up) sends nothing more, even when the
// session drops again before its timer would have fired.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { audioPath } from '../testing/parts.ts';
import { fillerChunks, fillerMs, OutageFiller } from './filler.ts';

afterEach(() => {
  vi.useRealTimers();
});

function filler(maxMs: number, sayInVoice?: (text: string, item: string) => boolean) {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
  const { audioOut, transport } = audioPath();
  const f = new OutageFiller({
    audioOut,
    maxMs,
    later: (ms, fn) => setTimeout(fn, ms),
    ...(sayInVoice ? { sayInVoice } : {}),
  });
  const pieces = () => transport.frames('media').length;
  return { f, pieces };
}

describe('the outage filler alone', () => {
  it("said in the brand's voice, each line counts against the cap", () => {
    const said: string[] = [];
    const { f, pieces } = filler(2 * fillerMs(), (_text, item) => said.push(item) > 0);
    for (let i = 0; i < 4; i++) f.onDropped(true);
    expect(said).toHaveLength(2);
    expect(pieces()).toBe(0);
    // The call gives up on the session: nothing of the clip was queued, so nothing is sent.
    f.onGaveUp();
    expect(pieces()).toBe(0);
  });

  it('a cap of exactly one clip lets one clip through, then none', async () => {
    const { f, pieces } = filler(fillerMs());
    f.onDropped(true);
    await vi.advanceTimersByTimeAsync(5_000);
    expect(pieces()).toBe(fillerChunks().length);
    f.onResumed();
    f.onDropped(true);
    await vi.advanceTimersByTimeAsync(5_000);
    expect(pieces()).toBe(fillerChunks().length);
  });

  it('a call without a voice of its own gets the clip, and no timer is left once it is all sent', async () => {
    const { f, pieces } = filler(10_000);
    f.onDropped(true);
    expect(pieces()).toBe(2);
    await vi.advanceTimersByTimeAsync(5_000);
    expect(pieces()).toBe(fillerChunks().length);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('back and dropped again within a piece: the new clip keeps its own pace, the old timer sends nothing', async () => {
    const { f, pieces } = filler(10_000);
    f.onDropped(true);
    await vi.advanceTimersByTimeAsync(50);
    f.onResumed();
    f.onDropped(true);
    expect(pieces()).toBe(4);
    await vi.advanceTimersByTimeAsync(60); // the first clip's timer is due at 100 ms
    expect(pieces()).toBe(4);
    await vi.advanceTimersByTimeAsync(40); // the second clip's, at 150 ms
    expect(pieces()).toBe(5);
  });

  it('giving up after the session came back sends nothing more', () => {
    const { f, pieces } = filler(10_000);
    f.onDropped(true);
    f.onResumed();
    f.onGaveUp();
    expect(pieces()).toBe(2);
  });

  it('reads the clip once for the whole process', () => {
    expect(fillerChunks()).toBe(fillerChunks());
  });
});

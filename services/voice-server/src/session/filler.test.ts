// The "one moment" filler across a call's outages: what the caller is sent of it in all stays within
// the call's cap, however many times the Realtime session drops and comes back.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { harness, until } from '../testing/session-harness.ts';
import { fillerChunks, fillerMs } from './filler.ts';

afterEach(() => {
  vi.useRealTimers();
});

/** Filler audio sent to the caller so far, in ms (8 kHz mu-law: 8 bytes a ms). */
function mediaMs(sent: Array<{ event: string; payload?: string }>): number {
  return sent.reduce(
    (ms, f) => ms + (f.event === 'media' ? Buffer.from(f.payload!, 'base64').length / 8 : 0),
    0,
  );
}

/** A call whose Realtime session drops and stays down `downMs` each time, then comes back and stays up. */
async function outages(count: number, downMs: number, maxFillerMs?: number) {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'] });
  const h = harness({
    limits: {
      reconnect: { perOutage: 3, perCall: 50, stableAfterMs: 1_000 },
      promptAfterSilenceMs: 600_000,
      endAfterSilenceMs: 600_000,
      ...(maxFillerMs !== undefined ? { maxFillerMs } : {}),
    },
  });
  await h.rt();
  const perOutage: number[] = [];
  for (let i = 0; i < count; i++) {
    const before = mediaMs(h.transport.sent);
    const sessions = h.connector.connections.length;
    let release!: () => void;
    h.connector.options.hold = new Promise<void>((r) => {
      release = r;
    });
    h.connector.connections.at(-1)!.drop(1011, 'server error');
    await vi.advanceTimersByTimeAsync(downMs);
    delete h.connector.options.hold;
    release();
    await until(() => h.connector.connections.length === sessions + 1, `session ${sessions + 1}`);
    // Up long enough to count as stable: the next drop is a new outage.
    await vi.advanceTimersByTimeAsync(1_500);
    perOutage.push(mediaMs(h.transport.sent) - before);
  }
  expect(h.session.isEnded).toBe(false);
  return { h, perOutage, totalMs: mediaMs(h.transport.sent) };
}

describe('the outage filler over a call', () => {
  it('ten long outages: the caller is sent at most 10 s of filler in all, then none', async () => {
    const { perOutage, totalMs } = await outages(10, 3_000);
    const clip = fillerMs();
    const clips = Math.floor(10_000 / clip);
    expect(totalMs).toBeLessThanOrEqual(10_000);
    expect(totalMs).toBe(clips * clip);
    // Each of the first outages got a whole clip; the later ones none at all.
    expect(perOutage.slice(0, clips)).toEqual(Array(clips).fill(clip));
    expect(perOutage.slice(clips).every((ms) => ms === 0)).toBe(true);
  });

  it('the cap is the call limit: 4 s of it is two clips', async () => {
    const { totalMs } = await outages(4, 3_000, 4_000);
    expect(totalMs).toBe(2 * fillerMs());
  });

  it('stops the moment the session is back: pieces not yet sent are dropped, nothing is cleared', async () => {
    const { h, perOutage } = await outages(1, 300);
    // 300 ms down: the two pieces sent ahead and one per 100 ms since, 500 ms in all; the caller has
    // heard 300 ms of it, so at most 200 ms is still to play when the session is back.
    expect(perOutage[0]).toBeLessThanOrEqual(500);
    expect(perOutage[0]).toBeGreaterThanOrEqual(200);
    expect(perOutage[0]).toBeLessThan(fillerMs());
    const sentAtResume = h.transport.frames('media').length;
    await vi.advanceTimersByTimeAsync(3_000);
    expect(h.transport.frames('media')).toHaveLength(sentAtResume);
    expect(h.transport.frames('clear')).toHaveLength(0);
    // The model is asked to pick the thread up again on the new session.
    expect(h.connector.connections.at(-1)!.sentOfType('response.create')).toHaveLength(1);
  });

  it('the clip goes out at the pace it plays, two pieces ahead, while the outage lasts', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    const h = harness({ limits: { reconnect: { perOutage: 3, perCall: 6, stableAfterMs: 1_000 } } });
    await h.rt();
    h.connector.options.hold = new Promise(() => {});
    h.connector.connections[0]!.drop(1011);
    await vi.advanceTimersByTimeAsync(0);
    expect(h.transport.frames('media')).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(100);
    expect(h.transport.frames('media')).toHaveLength(3);
    await vi.advanceTimersByTimeAsync(5_000);
    expect(h.transport.frames('media').map((f) => f.payload)).toEqual(fillerChunks());
    h.transport.stop();
  });

  it('when the call gives up, the rest of the clip goes out at once, ahead of the fallback', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    const h = harness({
      profile: { transferTarget: '+18005550199' },
      limits: { reconnect: { perOutage: 1, perCall: 1 } },
    });
    await h.rt();
    h.connector.options.fail = new Error('connect ECONNREFUSED');
    h.connector.connections[0]!.drop(1011);
    await vi.advanceTimersByTimeAsync(0);
    await until(() => h.twilioRest.updates.length > 0, 'the transfer');
    // No time has passed, yet the whole clip was sent before the transfer was asked for.
    expect(h.transport.frames('media').map((f) => f.payload)).toEqual(fillerChunks());
  });
});

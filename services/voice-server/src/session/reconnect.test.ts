// Reconnects bounded per outage and per call, errors no retry can fix, and the filler during an
// outage: through a session on a scripted Realtime connector.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { harness, settle, until } from '../testing/session-harness.ts';
import { fillerChunks } from './filler.ts';

afterEach(() => {
  vi.useRealTimers();
});

const fillerFrames = fillerChunks().length;

describe('Realtime reconnects, bounded', () => {
  it('a server that accepts and drops every new socket: three attempts, then the fallback, one filler', async () => {
    const h = harness({ profile: { transferTarget: '+18005550199' } });
    const rt = await h.rt();
    rt.drop(1011, 'server error');
    // Every reopened session drops as soon as it is configured.
    for (let n = 2; n <= 4; n++) {
      await until(() => h.connector.connections.length === n, `session ${n}`);
      const c = h.connector.connections[n - 1]!;
      await until(() => c.sentOfType('session.update').length > 0, `session ${n} configured`);
      c.drop(1011, 'server error');
    }
    expect(await h.done).toBe('transferred');
    expect(h.connector.attempts).toBe(4); // the first session and three reconnects
    expect(h.twilioRest.updates.at(-1)!.twiml).toContain('<Number>+18005550199</Number>');
    // "One moment", once: its first piece was sent one time, and no more of it than the clip.
    const media = h.transport.frames('media').map((f) => f.payload);
    expect(media.filter((p) => p === fillerChunks()[0])).toHaveLength(1);
    expect(media.length).toBeLessThanOrEqual(fillerFrames);
    expect(h.metrics.realtimeReconnects.get('dropped_early')).toBe(3);
    expect(h.metrics.realtimeReconnects.get('gave_up')).toBe(1);
  });

  it('insufficient_quota takes the fallback at once, with no reconnect', async () => {
    const h = harness();
    const rt = await h.rt();
    rt.emit({
      type: 'error',
      event_id: 'e',
      error: { type: 'insufficient_quota', code: 'insufficient_quota', message: 'You exceeded your quota.' },
    });
    expect(await h.done).toBe('realtime_unavailable');
    expect(h.connector.attempts).toBe(1);
    expect(h.twilioRest.updates.at(-1)!.twiml).toMatch(/call you back.*<Hangup\/>/);
    expect(h.metrics.realtimeReconnects.get('fatal')).toBe(1);
  });

  it('an upgrade refused with 401 stops the reconnects', async () => {
    const h = harness();
    const rt = await h.rt();
    h.connector.options.fail = Object.assign(new Error('Realtime upgrade refused with HTTP 401'), {
      status: 401,
    });
    rt.drop(1006);
    expect(await h.done).toBe('realtime_unavailable');
    expect(h.connector.attempts).toBe(2);
  });

  it('a session that stays up ends the outage, but a call never gets more than six reconnects', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    const h = harness({ limits: { reconnect: { perOutage: 3, perCall: 6, stableAfterMs: 1_000 } } });
    await h.rt();
    let outages = 0;
    while (!h.session.isEnded && outages < 10) {
      const c = h.connector.connections.at(-1)!;
      await vi.advanceTimersByTimeAsync(1_500); // long enough to count as a stable session
      c.drop(1011);
      outages++;
      await vi.advanceTimersByTimeAsync(100);
      await settle();
    }
    vi.useRealTimers();
    await h.done;
    expect(outages).toBe(7); // six resumed sessions, and the seventh drop gives up
    expect(h.connector.attempts).toBe(7);
  });

  it('a session that drops again at once is the same outage: no second filler, nothing cleared', async () => {
    const h = harness();
    const rt = await h.rt();
    rt.drop(1011);
    await until(() => h.connector.connections.length === 2, 'second session');
    await settle();
    h.connector.connections[1]!.drop(1011); // drops again at once: the same outage, no second filler
    await until(() => h.connector.connections.length === 3, 'third session');
    await settle();
    const media = h.transport.frames('media').map((f) => f.payload);
    expect(media.filter((p) => p === fillerChunks()[0])).toHaveLength(1);
    expect(media.length).toBeLessThanOrEqual(fillerFrames);
    expect(h.transport.frames('clear')).toHaveLength(0);
  });
});

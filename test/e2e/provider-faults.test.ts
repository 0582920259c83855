// Provider faults on the wire (issue 20): a Realtime API that accepts and drops every socket, one that
// refuses with insufficient_quota, malformed events of known types, 2 MB audio deltas, and a circuit
// breaker that answers new calls with the fallback while most sessions fail, then recovers by itself.
import { RealtimeBreaker } from '@switchboard/voice-server';
import { afterEach, describe, expect, it } from 'vitest';
import { ACME } from '../support/constants.ts';
import { type Stack, type StackOptions, startStack } from '../support/stack.ts';

let stack: Stack | undefined;
afterEach(async () => {
  await stack?.close();
  stack = undefined;
});

const start = async (opts: Partial<StackOptions> = {}) => {
  stack = await startStack({
    realtime: { scenario: { greeting: 'Hi, Acme here.', msPerChar: 20 } },
    ...opts,
  });
  return stack;
};

/** Audio the caller heard, in ms. */
const heardMs = (call: { heard: Array<{ audio: Uint8Array }> }) =>
  call.heard.reduce((n, h) => n + h.audio.length, 0) / 8;

describe('provider faults, through the wire', () => {
  it('a Realtime API that accepts and drops every new socket: three reconnects, the fallback in 20 s, ≤ 10 s filler', async () => {
    const s = await start({ realtime: { faults: { acceptThenDrop: { afterMs: 50, mode: 'close-1011' } } } });
    const t0 = performance.now();
    const call = await s.call({ recordAudio: true });
    const end = await call.ended;
    expect(performance.now() - t0).toBeLessThan(20_000);
    expect(end.reason).toBe('dialed');
    expect(s.realtime.sessions.length).toBeLessThanOrEqual(4); // the first session and three reconnects
    expect(heardMs(call)).toBeLessThanOrEqual(10_000);
    const dial = call.redirects.at(-1)?.twiml ?? '';
    expect(dial).toContain(`<Number>${ACME.transferTarget}</Number>`);
    const metrics = await (await fetch(`${s.voiceUrl}/metrics`)).text();
    expect(metrics).toMatch(/^voice_realtime_reconnects_total\{outcome="gave_up"\} 1$/m);
  }, 60_000);

  it('insufficient_quota: the fallback at once, no reconnect', async () => {
    const s = await start({ realtime: { faults: { refuseSession: { code: 'insufficient_quota' } } } });
    const call = await s.call();
    const end = await call.ended;
    expect(end.reason).toBe('dialed');
    expect(s.realtime.sessions).toHaveLength(1);
    const metrics = await (await fetch(`${s.voiceUrl}/metrics`)).text();
    expect(metrics).toMatch(/^voice_realtime_reconnects_total\{outcome="fatal"\} 1$/m);
  }, 60_000);

  it('malformed events of known types are dropped and counted; the call goes on and is answered', async () => {
    const s = await start({ realtime: { faults: { malformedEvents: { at: 'connect' } } } });
    const call = await s.call({
      source: [{ until: (c) => c.heardMs >= 500, timeoutMs: 10_000 }, { hangup: true }],
    });
    const end = await call.ended;
    expect(end.reason).toBe('caller_hangup');
    expect(call.scriptErrors).toEqual([]);
    const metrics = await (await fetch(`${s.voiceUrl}/metrics`)).text();
    expect(metrics).toMatch(/^voice_realtime_events_dropped_total\{type="[^"]+",reason="[^"]+"\} [1-9]/m);
  }, 60_000);

  it('a 2 MB audio delta reaches the caller in bounded messages, each with its mark, and truncates where heard', async () => {
    const s = await start({ realtime: { faults: { oversizedAudioDeltas: { bytes: 2 * 1024 * 1024 } } } });
    const call = await s.call({
      source: [
        { until: (c) => c.heardMs >= 1_500, timeoutMs: 15_000 },
        { audio: { toneHz: 400, ms: 600 }, label: 'interrupt' },
        { pauseMs: 300 },
        { hangup: true },
      ],
    });
    await call.ended;
    const media = call.received.filter((m) => m.message.event === 'media');
    const sizes = media.map(
      (m) => Buffer.from((m.message as { media: { payload: string } }).media.payload, 'base64').length,
    );
    expect(Math.max(...sizes)).toBeLessThanOrEqual(1_600);
    expect(call.received.filter((m) => m.message.event === 'mark').length).toBe(media.length);
    const truncate = s.journal.find((j) => j.type === 'conversation.item.truncate')?.event as
      | { audio_end_ms: number }
      | undefined;
    expect(truncate).toBeDefined();
    // Heard about 1.5 s before interrupting; the truncate lands there, not at 0 and not at 4 minutes.
    expect(truncate!.audio_end_ms).toBeGreaterThanOrEqual(1_400);
    expect(truncate!.audio_end_ms).toBeLessThan(3_000);
  }, 60_000);

  it('the breaker: 20 calls failing at once open it, the next call gets the fallback TwiML, then it recovers', async () => {
    // Open long enough to outlast the failing calls' spoken fallback (Twilio's <Say> takes its time).
    const breaker = new RealtimeBreaker({ openForMs: 10_000, probeTimeoutMs: 5_000 });
    const s = await start({
      realtime: { faults: { refuseSession: { code: 'insufficient_quota' } } },
      voice: { realtimeBreaker: breaker, limits: { reconnect: { stableAfterMs: 300 } } },
    });
    const failing = await Promise.all(Array.from({ length: 20 }, () => s.call()));
    await Promise.all(failing.map((c) => c.ended));
    expect(breaker.state).toBe('open');
    const sessionsWhileOpen = s.realtime.sessions.length;

    const refused = await s.call();
    expect((await refused.ended).reason).toBe('dialed');
    expect(refused.twiml?.verbs?.[0]?.verb).not.toBe('Connect'); // answered at the webhook, no stream
    expect(s.realtime.sessions.length).toBe(sessionsWhileOpen);
    const metrics = await (await fetch(`${s.voiceUrl}/metrics`)).text();
    expect(metrics).toMatch(/^voice_realtime_breaker_state 1$/m);
    expect(metrics).toMatch(/^voice_breaker_fallbacks_total 1$/m);

    // The provider is back; after the open period a probe call goes through, stays up, and closes it.
    s.realtime.resetFaults();
    await new Promise((r) => setTimeout(r, 10_100));
    const probe = await s.call({
      source: [{ until: (c) => c.heardMs >= 500, timeoutMs: 10_000 }, { pauseMs: 500 }, { hangup: true }],
    });
    expect((await probe.ended).reason).toBe('caller_hangup');
    expect(breaker.state).toBe('closed');
    const after = await s.call({
      source: [{ until: (c) => c.heardMs >= 200, timeoutMs: 10_000 }, { hangup: true }],
    });
    expect((await after.ended).reason).toBe('caller_hangup');
  }, 120_000);
});

// A call longer than a Realtime session may live (the API caps a session at 60 minutes: OpenAI
// Realtime API reference, `session_expired`). voice-server renews the session at a quiet moment before
// the cap, with the same configuration and the conversation so far, and the caller notices nothing.
// Here the simulator's cap is shortened to 4 s and voice-server renews after 1.5 s.
import { afterEach, describe, expect, it } from 'vitest';
import { type Stack, startStack } from '../support/stack.ts';

const FIRST = 'Where is my order?';
const SECOND = 'And can I change the address?';

let stack: Stack | undefined;
afterEach(async () => {
  await stack?.close();
  stack = undefined;
});

describe('Realtime session renewal', () => {
  it('renews before the cap: no session_expired, no filler, the next turn answered on the new session', async () => {
    stack = await startStack({
      voice: { limits: { renewRealtimeAfterMs: 1_500 } },
      realtime: {
        maxSessionDurationMs: 4_000,
        scenario: {
          greeting: 'Hi, Acme here. How can I help you today?',
          msPerChar: 20,
          turns: [
            { user: FIRST, say: 'It ships tomorrow.' },
            { user: SECOND, say: 'Yes, the address can still change.' },
          ],
        },
      },
    });
    const renewed = () => stack!.realtime.sessions.length >= 2;
    const call = await stack.call({
      recordAudio: true,
      source: [
        { until: (c) => c.heardMs >= 300 && !c.isHearingAudio, timeoutMs: 10_000 },
        { audio: { toneHz: 300, ms: 600 }, label: 'first' },
        { pauseMs: 700 },
        { until: (c) => c.turns[0]?.responseLatencyMs !== undefined && !c.isHearingAudio, timeoutMs: 10_000 },
        { until: () => renewed(), timeoutMs: 10_000 },
        { pauseMs: 300 },
        { audio: { toneHz: 300, ms: 600 }, label: 'second' },
        { pauseMs: 700 },
        { until: (c) => c.turns[1]?.responseLatencyMs !== undefined && !c.isHearingAudio, timeoutMs: 10_000 },
        { hangup: true },
      ],
    });
    const end = await call.ended;
    expect(end.reason).toBe('caller_hangup');
    expect(call.scriptErrors).toEqual([]);

    const [first, second] = stack.realtime.sessions;
    // The old session was closed by voice-server before its cap: it never expired.
    expect(first!.sent('error')).toEqual([]);
    // The new one has the same configuration and the conversation so far.
    const update = (s: typeof first) =>
      (s!.received('session.update')[0]!.event as { session: unknown }).session;
    expect(update(second)).toEqual(update(first));
    const replayed = second!.received('conversation.item.create').map((e) => JSON.stringify(e.event));
    expect(replayed.some((r) => r.includes(FIRST))).toBe(true);
    expect(second!.replies.map((r) => r.text)).toContain('Yes, the address can still change.');
    // A planned renewal is silent: no filler, no drop.
    const metrics = await (await fetch(`${stack.voiceUrl}/metrics`)).text();
    expect(metrics).toMatch(/^voice_realtime_drops_total 0$/m);
    expect(call.clears).toEqual([]);
  }, 40_000);
});

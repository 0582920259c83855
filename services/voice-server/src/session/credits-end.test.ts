// Issue 11, item 9: a call that runs out of credit ends politely, with a wrap-up first and a goodbye
// that does not cut the sentence being spoken: no response.cancel, the goodbye's response.create goes
// out after the running answer's response.done (one response at a time, OpenAI Realtime API reference,
// response.create), and its audio follows the answer's in Twilio's play-out queue.
import type { ScriptedRealtimeConnection } from '@switchboard/realtime/testing';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { delta, harness, responseDone, responseStart, settle } from '../testing/session-harness.ts';

afterEach(() => {
  vi.useRealTimers();
});

/** The caller says something every 20 s (keeps the watchdog out of the way). */
async function talkFor(rt: ScriptedRealtimeConnection, ms: number) {
  for (let t = 0; t < ms; t += 20_000) {
    rt.emit({
      type: 'input_audio_buffer.speech_started',
      event_id: 'e',
      audio_start_ms: 1,
      item_id: `u${t}`,
    });
    rt.emit({ type: 'input_audio_buffer.speech_stopped', event_id: 'e', audio_end_ms: 2, item_id: `u${t}` });
    await settle();
    await vi.advanceTimersByTimeAsync(20_000);
  }
}

const wrapUps = (rt: ScriptedRealtimeConnection) =>
  rt
    .sentOfType('conversation.item.create')
    .filter((e) => JSON.stringify(e).includes('about to reach its time limit'));

describe('running out of credit during a call', () => {
  it('wraps up before the credit runs out, then lets the answer finish before the goodbye', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    const h = harness();
    h.aiServer.remainingSeconds = 100;
    const rt = await h.rt();
    await talkFor(rt, 60_000);
    expect(wrapUps(rt)).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(1);
    // At the first check (60 s) 40 s are left, less than the minute's wrap-up lead: wrap up now.
    expect(wrapUps(rt)).toHaveLength(1);
    await talkFor(rt, 20_000);
    // An answer is being spoken as the credit runs out (100 s).
    responseStart(rt, 'r1', 'a1');
    delta(rt, 'r1', 'a1', 200);
    await settle();
    await vi.advanceTimersByTimeAsync(20_000);
    await settle();
    expect(h.session.isEnded).toBe(false);
    expect(rt.sentOfType('response.cancel')).toHaveLength(0);
    expect(h.transport.frames('clear')).toHaveLength(0);
    const creates = () => rt.sentOfType('response.create');
    expect(creates()).toHaveLength(0);
    delta(rt, 'r1', 'a1', 200);
    responseDone(rt, 'r1');
    await settle();
    // The goodbye follows the end of the running answer.
    expect(creates()).toHaveLength(1);
    expect(creates()[0]!.response?.instructions).toContain('you have to end the call now');
    responseStart(rt, 'r2', 'a2');
    delta(rt, 'r2', 'a2', 200);
    responseDone(rt, 'r2');
    await settle();
    const media = h.transport.frames('media').length;
    expect(media).toBeGreaterThan(0);
    h.transport.echoAllMarks();
    await settle();
    vi.useRealTimers();
    expect(await h.done).toBe('no_credits');
    expect(rt.sentOfType('response.cancel')).toHaveLength(0);
    expect(h.twilioRest.hangups).toHaveLength(1);
    expect(wrapUps(rt)).toHaveLength(1);
  });

  it('an answer that never ends is cut after a bound, so the goodbye is still said', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    const h = harness({ credits: true });
    h.aiServer.remainingSeconds = 70;
    const rt = await h.rt();
    await talkFor(rt, 60_000);
    responseStart(rt, 'r1', 'a1');
    delta(rt, 'r1', 'a1', 200);
    await settle();
    await vi.advanceTimersByTimeAsync(10_000); // the credit runs out at 70 s
    await settle();
    expect(rt.sentOfType('response.cancel')).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(10_000);
    await settle();
    expect(rt.sentOfType('response.cancel')).toHaveLength(1);
    responseDone(rt, 'r1', 'cancelled');
    await settle();
    expect(rt.sentOfType('response.create').at(-1)!.response?.instructions).toContain(
      'you have to end the call now',
    );
    await vi.advanceTimersByTimeAsync(30_000);
    vi.useRealTimers();
    expect(await h.done).toBe('no_credits');
  });
});

// Pins CallSpeech.sayAndWait, the platform's lines in the brand voice (the drop apology): true once the
// line was synthesized whole and played; false when the voice cannot take it or its synthesis outlasts
// the timeout (the caller then hears Twilio's <Say>); a playback that never ends is waited for no
// longer than the timeout.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { BRAND_VOICE, callSpeechOf } from '../testing/call-speech-parts.ts';
import { settle } from '../testing/session-harness.ts';

const LINE = 'Sorry, let me transfer you.';

function brandVoiceLine(timeoutMs: number) {
  const c = callSpeechOf({ profile: { voice: BRAND_VOICE } });
  let result: boolean | undefined;
  void c.speech.sayAndWait(LINE, timeoutMs).then((r) => {
    result = r;
  });
  const stream = c.tts.streams[0]!;
  const turnId = stream.calls[0]!.slice('start:'.length);
  return { ...c, stream, turnId, result: () => result };
}

describe('a line said in the brand voice and waited for', () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('is true once synthesized whole and played to the caller', async () => {
    const c = brandVoiceLine(2000);
    expect(c.stream.calls).toEqual([`start:${c.turnId}`, `text:${c.turnId}:${LINE}`, `flush:${c.turnId}`]);
    c.stream.audio(c.turnId, LINE);
    c.stream.emit({ type: 'turn_done', turnId: c.turnId });
    await settle();
    expect(c.result()).toBeUndefined(); // not played yet
    for (const m of c.transport.frames('mark')) c.playback.onMarkEchoed(m.name);
    await settle();
    expect(c.result()).toBe(true);
  });

  it('is false when its synthesis takes longer than the timeout', async () => {
    const c = brandVoiceLine(2000);
    await vi.advanceTimersByTimeAsync(1999);
    expect(c.result()).toBeUndefined();
    await vi.advanceTimersByTimeAsync(1);
    expect(c.result()).toBe(false);
  });

  it('is false when the turn fails', async () => {
    const c = brandVoiceLine(2000);
    c.stream.emit({
      type: 'turn_failed',
      turnId: c.turnId,
      error: { code: 'socket_closed', message: 'closed', retryable: true },
    });
    await settle();
    expect(c.result()).toBe(false);
  });

  it('waits for its playback at most the timeout', async () => {
    const c = brandVoiceLine(2000);
    c.stream.audio(c.turnId, LINE);
    c.stream.emit({ type: 'turn_done', turnId: c.turnId });
    await vi.advanceTimersByTimeAsync(1999);
    expect(c.result()).toBeUndefined();
    await vi.advanceTimersByTimeAsync(1);
    expect(c.result()).toBe(true);
  });

  it('is false at once when the voice was closed, and on a call without one', async () => {
    const c = callSpeechOf({ profile: { voice: BRAND_VOICE } });
    c.speech.closeVoice();
    expect(await c.speech.sayAndWait(LINE, 2000)).toBe(false);
    expect(c.tts.streams[0]!.calls).toEqual(['close']);
    const none = callSpeechOf({ tts: false });
    expect(await none.speech.sayAndWait(LINE, 2000)).toBe(false);
  });
});

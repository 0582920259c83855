// Pins what CallSpeech does around each turn of the brand voice: a cancelled response's late text is not
// spoken, the TTS share of the latency is observed in seconds, the trace gets first audio only when
// audio came (and a call without a trace is fine), one repeat is asked per tick of failed turns, a
// voice change asked for during a failing turn does not reopen a voice after the fallback, and a call
// without a brand voice or transcriber takes the text and transcript events as no-ops.
import { describe, expect, it } from 'vitest';
import { BRAND_VOICE, callSpeechOf } from '../testing/call-speech-parts.ts';
import { settle } from '../testing/session-harness.ts';

const SOCKET_CLOSED = { code: 'socket_closed' as const, message: 'closed', retryable: true };

describe('the brand voice, turn by turn', () => {
  it('does not speak the late text of a response the caller cut off', () => {
    const c = callSpeechOf({ profile: { voice: BRAND_VOICE } });
    c.responses.request();
    c.responses.onCreated('r1');
    c.responses.cancelActive();
    c.speech.onTextDelta('r1', 'a1', 'Late words.');
    c.speech.onTextDelta('r2', 'a2', 'Next answer.');
    expect(c.tts.streams[0]!.calls).toEqual(['start:a2', 'text:a2:Next answer.']);
  });

  it("observes the TTS's share of the reply latency in seconds, and tells the call of the first audio", async () => {
    const c = callSpeechOf({ profile: { voice: BRAND_VOICE } });
    c.speech.onTextDelta('r1', 'a1', 'Hello.');
    c.clock.ms = 250;
    c.tts.streams[0]!.audio('a1', 'Hello.');
    const values = (await c.metrics.ttsFirstAudio.get()).values;
    expect(values.find((v) => v.metricName === 'voice_tts_first_audio_seconds_sum')?.value).toBeCloseTo(0.25);
    expect(values.find((v) => v.metricName === 'voice_tts_first_audio_seconds_count')?.value).toBe(1);
    expect(c.firstAudio).toEqual(['a1']);
  });

  it('puts first audio on the trace only for a turn that had audio', () => {
    const c = callSpeechOf({ profile: { voice: BRAND_VOICE } });
    const stream = c.tts.streams[0]!;
    c.speech.onTextDelta('r1', 'a1', 'Hello.');
    c.clock.ms = 100;
    stream.audio('a1', 'Hello.');
    c.clock.ms = 300;
    stream.emit({ type: 'turn_done', turnId: 'a1' });
    c.speech.onTextDelta('r2', 'a2', 'Cut off.');
    c.clock.ms = 350;
    expect(c.speech.cancel()).toEqual(['a2']);
    expect(c.trace.tts).toStrictEqual([
      {
        provider: 'elevenlabs',
        voiceId: BRAND_VOICE.voiceId,
        characters: 6,
        firstAudioMs: 100,
        durationMs: 300,
      },
      { provider: 'elevenlabs', voiceId: BRAND_VOICE.voiceId, characters: 8, durationMs: 50 },
    ]);
  });

  it('speaks a turn to its end on a call without a trace', () => {
    const c = callSpeechOf({ profile: { voice: BRAND_VOICE }, trace: false });
    const stream = c.tts.streams[0]!;
    c.speech.onTextDelta('r1', 'a1', 'Hello.');
    stream.audio('a1', 'Hello.');
    stream.emit({ type: 'turn_done', turnId: 'a1' });
    expect(c.speech.busy).toBe(false);
    expect(c.transport.frames('media')).toHaveLength(1);
  });

  it('asks once for the answer again when several turns fail in one tick, and again on a later failure', async () => {
    const c = callSpeechOf({ profile: { voice: BRAND_VOICE } });
    const stream = c.tts.streams[0]!;
    c.speech.onTextDelta('r1', 'a1', 'First.');
    c.speech.onTextDelta('r1', 'a2', 'Second.');
    c.speech.onTextDelta('r1', 'a3', 'Third.');
    stream.emit({ type: 'turn_failed', turnId: 'a1', error: SOCKET_CLOSED });
    stream.emit({ type: 'turn_failed', turnId: 'a2', error: SOCKET_CLOSED });
    await settle();
    expect(c.rt.sentOfType('response.create')).toHaveLength(1);
    expect(c.responses.waiting).toBe(0);
    stream.emit({ type: 'turn_failed', turnId: 'a3', error: SOCKET_CLOSED });
    await settle();
    // the first request is still on its way: the second waits behind it
    expect(c.responses.waiting).toBe(1);
  });

  it('does not open the voice asked for during a turn once the brand voice gave up', async () => {
    const c = callSpeechOf({ profile: { voice: BRAND_VOICE } });
    const stream = c.tts.streams[0]!;
    c.speech.onTextDelta('r1', 'a1', 'Hello, ');
    expect(c.speech.changeVoice('SpanishVoice0001')).toBe(true);
    stream.emit({ type: 'unavailable', error: SOCKET_CLOSED });
    await settle();
    c.speech.onTextDelta('r2', 'a2', 'Hola.');
    expect(c.tts.streams).toHaveLength(1);
    expect(c.speech.speaksExternally).toBe(false);
    expect(c.updates).toEqual([{ output_modalities: ['audio'] }]);
  });
});

describe('a call without a brand voice or transcriber', () => {
  it('takes text and transcript events as no-ops and reports the model voice in its usage', () => {
    const c = callSpeechOf({ profile: {}, tts: false });
    expect(c.configured).toEqual({ textOnly: false, problems: [] });
    c.speech.onTextDelta('r1', 'a1', 'Hello.');
    c.speech.onTextDone('a1');
    c.speech.onResponseDone('r1');
    c.speech.onRealtimeCallerText('u1');
    expect(c.speech.sayLine('One moment.', 'line')).toBe(false);
    expect(c.speech.usage).toStrictEqual({
      voiceProvider: 'openai',
      charactersSynthesized: 0,
      audioSecondsTranscribed: 0,
      fellBack: false,
    });
  });
});

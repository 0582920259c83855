// Pins CallSpeech.changeVoice: a language's own ElevenLabs voice takes over between turns (a new stream
// with the brand voice's settings, the old one closed and its characters still counted), never in the
// middle of one, and never on a call that has no external voice (or lost it), nor with an unusable id.
import { describe, expect, it } from 'vitest';
import { BRAND_VOICE, callSpeechOf } from '../testing/call-speech-parts.ts';

const SPANISH_VOICE = 'SpanishVoice0001';

describe('changing the external voice', () => {
  it('opens a stream in the new voice at once when idle, with the brand settings, and closes the old one', () => {
    const c = callSpeechOf({ profile: { voice: BRAND_VOICE } });
    const first = c.tts.streams[0]!;
    c.speech.onTextDelta('r1', 'a1', 'Hello.');
    c.speech.onResponseDone('r1');
    first.emit({ type: 'turn_done', turnId: 'a1' });
    expect(c.speech.changeVoice(SPANISH_VOICE)).toBe(true);
    expect(c.tts.streams.map((s) => s.voice)).toEqual([
      { voiceId: BRAND_VOICE.voiceId, settings: { stability: 0.3 } },
      { voiceId: SPANISH_VOICE, settings: { stability: 0.3 } },
    ]);
    expect(first.calls.at(-1)).toBe('close');
    c.speech.onTextDelta('r2', 'a2', 'Hola.');
    expect(c.tts.streams[1]!.calls).toEqual(['start:a2', 'text:a2:Hola.']);
    // what the closed voice synthesized still counts for the call's cost
    expect(c.speech.usage.charactersSynthesized).toBe('Hello.'.length + 'Hola.'.length);
  });

  it('lets the turn being spoken end in the old voice and switches at the next answer', () => {
    const c = callSpeechOf({ profile: { voice: BRAND_VOICE } });
    const first = c.tts.streams[0]!;
    c.speech.onTextDelta('r1', 'a1', 'Hello, ');
    expect(c.speech.changeVoice(SPANISH_VOICE)).toBe(true);
    c.speech.onTextDelta('r1', 'a1', 'one moment.');
    expect(c.tts.streams).toHaveLength(1);
    expect(first.calls).toEqual(['start:a1', 'text:a1:Hello, ', 'text:a1:one moment.']);
    first.emit({ type: 'turn_done', turnId: 'a1' });
    c.speech.onTextDelta('r2', 'a2', 'Hola.');
    expect(c.tts.streams.map((s) => s.voice.voiceId)).toEqual([BRAND_VOICE.voiceId, SPANISH_VOICE]);
    expect(first.calls.at(-1)).toBe('close');
    expect(c.tts.streams[1]!.calls).toEqual(['start:a2', 'text:a2:Hola.']);
  });

  it('keeps the voice it has when the id is not an ElevenLabs voice id', () => {
    const c = callSpeechOf({ profile: { voice: BRAND_VOICE } });
    expect(c.speech.changeVoice('../voices/x')).toBe(false);
    c.speech.onTextDelta('r1', 'a1', 'Hello.');
    expect(c.tts.streams).toHaveLength(1);
    expect(c.tts.streams[0]!.calls).toEqual(['start:a1', 'text:a1:Hello.']);
  });

  it('is refused on a call speaking with the model’s own voice, even with an ElevenLabs key', () => {
    const c = callSpeechOf({ profile: { voice: { provider: 'openai', voiceId: 'marin' } } });
    expect(c.speech.changeVoice(SPANISH_VOICE)).toBe(false);
    c.speech.onTextDelta('r1', 'a1', 'Hola.');
    expect(c.tts.streams).toEqual([]);
  });

  it('is refused once the external voice gave up and the model speaks instead', () => {
    const c = callSpeechOf({ profile: { voice: BRAND_VOICE } });
    c.tts.streams[0]!.emit({
      type: 'unavailable',
      error: { code: 'connect_failed', message: 'refused', retryable: false },
    });
    expect(c.speech.changeVoice(SPANISH_VOICE)).toBe(false);
    c.speech.onTextDelta('r1', 'a1', 'Hola.');
    expect(c.tts.streams).toHaveLength(1);
  });
});

// Pins what the speech plan says at a call's start about what the profile cannot have (an unusable
// ElevenLabs voice id, a transcriber without its key, each named), and which profile languages make a
// transcriber language: a two- or three-letter primary subtag only.
import { describe, expect, it } from 'vitest';
import { fakeTts } from '../testing/fake-tts.ts';
import { callerLanguage, speechPlanFor } from './speech-plan.ts';

describe('the speech plan of a profile', () => {
  const tts = fakeTts().factory;

  it('keeps the model voice, and says why, when the ElevenLabs voice id is unusable or missing', () => {
    const why = "The profile's ElevenLabs voice id is not usable; the model's own voice was used.";
    for (const voiceId of ['../voices/x', 'a b', undefined]) {
      const voice = { provider: 'elevenlabs', ...(voiceId === undefined ? {} : { voiceId }) };
      expect(speechPlanFor({ key: 'p', voice }, { tts })).toEqual({ problems: [why] });
    }
  });

  it('names the transcriber whose key is missing', () => {
    expect(speechPlanFor({ key: 'p', transcriber: { provider: 'cartesia' } }).problems).toEqual([
      'The profile asks for Cartesia transcripts, but no key for it is configured; only the Realtime transcript is kept.',
    ]);
    expect(speechPlanFor({ key: 'p', transcriber: { provider: 'elevenlabs' } }).problems).toEqual([
      'The profile asks for ElevenLabs Scribe transcripts, but no key for it is configured; only the Realtime transcript is kept.',
    ]);
  });
});

describe("the caller's language for a transcriber", () => {
  it('is a two- or three-letter primary subtag, in lower case', () => {
    expect(callerLanguage({ key: 'p', language: 'EN-us' })).toBe('en');
    expect(callerLanguage({ key: 'p', language: 'yue-HK' })).toBe('yue');
    expect(callerLanguage({ key: 'p', language: 'english' })).toBeUndefined();
    expect(callerLanguage({ key: 'p', language: 'e' })).toBeUndefined();
    expect(callerLanguage({ key: 'p', language: '1en' })).toBeUndefined();
    expect(callerLanguage({ key: 'p', language: 'en1' })).toBeUndefined();
  });
});

// The settings the session gets from a profile where the profile's own spelling or its voice provider
// changes what is sent: the caller's transcription hint, and a speed that is not the Realtime voice's.
import { describe, expect, it } from 'vitest';
import { sessionConfigFor } from './session-config.ts';

const hintOf = (c: ReturnType<typeof sessionConfigFor>) =>
  (c.config.audio as { input: { transcription?: { language?: string } } }).input.transcription?.language;

describe('the transcription hint', () => {
  it('of a profile serving one language is that language', () => {
    const c = sessionConfigFor({ key: 'p', language: 'es' }, 'P', []);
    expect(hintOf(c)).toBe('es');
    expect(c.problems).toEqual([]);
  });

  it('as a transcriber names it, read case-blind and without the spaces around it', () => {
    const c = sessionConfigFor(
      { key: 'p', transcriber: { provider: 'openai', language: ' ES-mx ' } },
      'P',
      [],
    );
    expect(hintOf(c)).toBe('es');
    expect(c.problems).toEqual([]);
  });
});

describe('the transcription hint, when the language names another', () => {
  it('is the language it names, not the tag', () => {
    const c = sessionConfigFor(
      { key: 'p', languages: [{ tag: 'ca-ES', transcriptionLanguage: 'es', greeting: 'Hola.' }] },
      'P',
      [],
    );
    expect(hintOf(c)).toBe('es');
    expect(c.problems).toEqual([]);
  });

  it('is none, and noted as nothing, when a transcriber names only spaces', () => {
    const c = sessionConfigFor({ key: 'p', transcriber: { provider: 'openai', language: '   ' } }, 'P', []);
    expect(hintOf(c)).toBeUndefined();
    expect(c.problems).toEqual([]);
  });
});

describe('the speed of an ElevenLabs voice', () => {
  it('is not sent to the Realtime session (its own voice is only the fallback), nor noted when out of range', () => {
    const c = sessionConfigFor(
      { key: 'p', voice: { provider: 'elevenlabs', voiceId: 'brand-voice', speed: 9 } },
      'P',
      [],
    );
    expect(JSON.stringify(c.config)).not.toContain('"speed"');
    expect(c.problems).toEqual([]);
  });

  it('is not sent when in range either', () => {
    const c = sessionConfigFor(
      { key: 'p', voice: { provider: 'elevenlabs', voiceId: 'brand-voice', speed: 1.1 } },
      'P',
      [],
    );
    expect(JSON.stringify(c.config)).not.toContain('"speed"');
  });
});

// What the conversation is told when a profile setting could not be sent (the notes name the setting,
// cut to a bounded length), and the language rule ending a prompt given a bare tag.
import { REALTIME_SPEED } from '@switchboard/realtime';
import { describe, expect, it } from 'vitest';
import { sessionConfigFor, withLanguageRule } from './session-config.ts';

describe('the notes on settings not sent', () => {
  it('name a voice the API does not have, cut to 64 characters', () => {
    const voiceId = `v${'x'.repeat(63)}TAIL`;
    const { problems } = sessionConfigFor({ key: 'p', voice: { provider: 'openai', voiceId } }, 'P', []);
    expect(problems).toEqual([
      `The profile's voice "${voiceId.slice(0, 64)}" is not a Realtime voice; the default voice was used.`,
    ]);
    expect(problems[0]).not.toContain('TAIL');
  });

  it('name a speed out of range, and the range', () => {
    const { problems } = sessionConfigFor({ key: 'p', voice: { provider: 'openai', speed: 9 } }, 'P', []);
    expect(problems).toEqual([
      `The profile's speed 9 is outside ${REALTIME_SPEED.min}–${REALTIME_SPEED.max}; normal speed was used.`,
    ]);
  });

  it('name a language without a transcription hint, cut to 35 characters', () => {
    const language = `eu-${'x'.repeat(32)}TAIL`;
    const { problems } = sessionConfigFor({ key: 'p', language }, 'P', []);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain(`"${language.slice(0, 35)}"`);
    expect(problems[0]).not.toContain('TAIL');
  });
});

describe('the language rule ending the prompt', () => {
  it('from a bare tag, names the language and the tag', () => {
    const text = withLanguageRule('You are Acme.', 'es');
    expect(text.startsWith('You are Acme.\n\n')).toBe(true);
    expect(text).toContain('Speak Spanish (es) with the caller');
  });

  it('is left off without a language', () => {
    expect(withLanguageRule('You are Acme.', undefined)).toBe('You are Acme.');
  });
});

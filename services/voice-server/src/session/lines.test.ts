// The product's own lines, word for word: what the model is asked to say when the platform ends,
// wraps up, greets or recovers, in the call's language.
import { describe, expect, it } from 'vitest';
import { languageSpec } from '../language/languages.ts';
import {
  AFTER_CONTENT_FILTER,
  AFTER_FAILED_RESPONSE,
  APOLOGIES,
  actionFailedNote,
  DROP_CALLBACK,
  DROP_TRANSFER,
  FILLER_LINE,
  goodbyeFor,
  greetingLine,
  REPEAT_AFTER_VOICE_FAILURE,
  RESUME_AFTER_DROP,
  sayExactly,
  VOICE_FELL_BACK_NOTE,
  WRAP_UP_NOTE,
  wrapUpNote,
} from './lines.ts';

const spanish = languageSpec({ tag: 'es-MX' });
const english = languageSpec({ tag: 'en-GB' });

describe('goodbyeFor', () => {
  it('asks for a goodbye that names why the platform ends the call', () => {
    expect(goodbyeFor('max_duration')).toBe(
      'Say, briefly and warmly, that the call has reached its time limit, thank the caller, and say goodbye.',
    );
    expect(goodbyeFor('shutdown')).toBe(
      'Say, briefly, that you have to end the call now, that they can call back any time, and say goodbye.',
    );
    for (const reason of ['no_credits', 'staff_ended'] as const)
      expect(goodbyeFor(reason)).toBe(
        'Say, briefly and warmly, that you have to end the call now, thank the caller, and say goodbye.',
      );
  });

  it("in another language: the same, said in it; in English, as is; a language's own goodbye word for word", () => {
    expect(goodbyeFor('max_duration', spanish)).toBe(`${goodbyeFor('max_duration')} Say it in Spanish.`);
    expect(goodbyeFor('max_duration', english)).toBe(goodbyeFor('max_duration'));
    expect(goodbyeFor('max_duration', 'es-MX')).toBe(goodbyeFor('max_duration'));
    const own = languageSpec({ tag: 'es-MX', lines: { goodbye: 'Gracias por "llamar".' } });
    expect(goodbyeFor('shutdown', own)).toBe('Say exactly this, and nothing else: "Gracias por \'llamar\'."');
  });

  it('for the silent caller, the watchdog goodbye in the language', () => {
    expect(goodbyeFor('inactivity')).toBe(
      `Say exactly this, and nothing else: "I haven't heard from you, so I'll end the call now. Goodbye!"`,
    );
    expect(goodbyeFor('inactivity', 'es')).toContain('¡Adiós!');
  });
});

describe('the other lines', () => {
  it('sayExactly quotes the line, its double quotes made single', () => {
    expect(sayExactly('Say "hi"')).toBe('Say exactly this, and nothing else: "Say \'hi\'"');
  });

  it('the wrap-up note: English as is, another language named, a language’s own words quoted', () => {
    expect(wrapUpNote()).toBe(WRAP_UP_NOTE);
    expect(wrapUpNote(english)).toBe(WRAP_UP_NOTE);
    expect(wrapUpNote(spanish)).toBe(`${WRAP_UP_NOTE} Speak Spanish.`);
    const own = languageSpec({ tag: 'es', lines: { wrapUp: 'Ya "casi" terminamos.' } });
    expect(wrapUpNote(own)).toBe(`${WRAP_UP_NOTE} Say it with these words: "Ya 'casi' terminamos."`);
    expect(WRAP_UP_NOTE).toMatch(/^This call is about to reach its time limit\. Wrap up politely/);
  });

  it('the greeting: an opening as is, the first language’s greeting before the profile’s, else one of the model’s', () => {
    expect(greetingLine({ key: 'p', opening: 'Say why you are calling.', greeting: 'Hi.' })).toBe(
      'Say why you are calling.',
    );
    expect(
      greetingLine({
        key: 'p',
        greeting: 'Hi.',
        languages: [{ tag: 'es', greeting: 'Hola, "bienvenido".' } as never],
      }),
    ).toBe('Greet the caller now, saying: "Hola, \'bienvenido\'."');
    expect(
      greetingLine({ key: 'p', greeting: 'Hi.', languages: [{ tag: 'es', greeting: '' } as never] }),
    ).toBe('Greet the caller now, saying: "Hi."');
    expect(greetingLine({ key: 'p', greeting: 'Hi.', languages: [] })).toBe(
      'Greet the caller now, saying: "Hi."',
    );
    expect(greetingLine({ key: 'p' })).toBe('Greet the caller briefly and ask how you can help.');
    expect(greetingLine(undefined)).toBe('Greet the caller briefly and ask how you can help.');
  });

  it('a failed call action: named, its message cut to 120 characters, and a callback offered', () => {
    expect(actionFailedNote('transfer_to_human', 'Twilio said no')).toBe(
      'The transfer_to_human action failed (Twilio said no). Apologize to the caller and offer to arrange a ' +
        'callback from a colleague instead.',
    );
    expect(actionFailedNote('end_call', 'x'.repeat(200))).toContain(`(${'x'.repeat(120)})`);
  });

  it('every fixed line says what it is for', () => {
    expect(APOLOGIES.no_credits).toMatch(/not available right now.*Goodbye\.$/);
    expect(APOLOGIES.default).toMatch(/trouble connecting your call.*Goodbye\.$/);
    expect(DROP_TRANSFER).toMatch(/connect you with a colleague\.$/);
    expect(DROP_CALLBACK).toMatch(/call you back shortly at this number\. Goodbye\.$/);
    expect(RESUME_AFTER_DROP).toMatch(/^The line dropped for a moment\./);
    expect(AFTER_FAILED_RESPONSE).toMatch(/ask the caller to say it again\.$/);
    expect(AFTER_CONTENT_FILTER).toMatch(/^Your last answer was cut off\./);
    expect(REPEAT_AFTER_VOICE_FAILURE).toMatch(/say the rest of it again, briefly\.$/);
    expect(VOICE_FELL_BACK_NOTE).toMatch(/model's own voice\.$/);
    expect(FILLER_LINE).toBe('One moment, please.');
  });
});

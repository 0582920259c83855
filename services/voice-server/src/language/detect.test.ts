// Language detection on caller turns: the thresholds in detect.ts were picked on this table (its scores
// are printed), short replies and names never count, detection stays cheap on a 200-character turn
// (printed, not asserted), and no input makes CallLanguage throw or switch to a language not served.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CallLanguage } from './call-language.ts';
import { detectLanguage, MIN_CLEAR_CONFIDENCE, MIN_LETTERS, scoresOf } from './detect.ts';
import { resolveLanguage } from './resolve.ts';

const CONFIDENT: Array<[string, string]> = [
  ['en', 'Hi, I want to check my order status'],
  ['en', 'Can you help me with my bill please'],
  ['es', 'Hola, quería saber el estado de mi pedido, por favor'],
  ['es', 'Necesito ayuda con mi factura por favor'],
  ['es', '¿Habla español?'],
  ['es', 'Hola, ¿cuánto tarda el envío de mi pedido?'], // es 0.74, pt 0.64: a clear lead
  ['es', 'hola, ¿cuánto tarda el envío de mi pedido?'], // as the simulated transcriber writes it
  ['fr', 'Bonjour, je voudrais connaître le statut de ma commande'],
  ['fr', 'Parlez-vous français?'],
  ['de', 'Guten Tag, ich möchte den Status meiner Bestellung wissen'],
  ['de', 'Ich brauche Hilfe mit meiner Rechnung'],
];
const NEVER = [
  'OK',
  'yes',
  'sí',
  'Maria',
  'Maria Gonzalez',
  'no gracias',
  'sí, por favor',
  'okay',
  'hello hello',
  'My name is Jose Garcia',
];

describe('detectLanguage', () => {
  it('finds the language of full sentences in en, es, fr, de', () => {
    for (const [lang, text] of CONFIDENT) {
      console.info(`${lang} ${JSON.stringify(text)} ${JSON.stringify(scoresOf(text).slice(0, 3))}`);
      const found = detectLanguage(text);
      expect(found?.language, text).toBe(lang);
      expect(found!.confidence).toBeGreaterThanOrEqual(MIN_CLEAR_CONFIDENCE);
    }
  });

  it.each(NEVER)('"%s" is not a confident detection', (text) => {
    console.info(`${JSON.stringify(text)} ${JSON.stringify(scoresOf(text).slice(0, 3))}`);
    expect(detectLanguage(text)).toBeUndefined();
  });

  it('needs at least MIN_LETTERS letters', () => {
    expect(MIN_LETTERS).toBeGreaterThanOrEqual(12);
    expect(detectLanguage('Sí, señor')).toBeUndefined();
  });

  it('takes well under a millisecond on a 200-character turn (printed, not asserted)', () => {
    const text =
      'Hola, buenos días, quería saber el estado de mi pedido que hice la semana pasada, todavía no ha llegado y necesito saber cuándo llegará, gracias por su ayuda con esto, de verdad.';
    const runs = 200;
    const t0 = performance.now();
    for (let i = 0; i < runs; i++) detectLanguage(text);
    console.info(
      `detection of ${text.length} characters: ${((performance.now() - t0) / runs).toFixed(3)} ms`,
    );
    expect(detectLanguage(text)?.language).toBe('es');
  });
});

describe('resolveLanguage', () => {
  it('takes tags and English or native names', () => {
    expect(resolveLanguage('es-MX')).toBe('es');
    expect(resolveLanguage('Spanish')).toBe('es');
    expect(resolveLanguage('español')).toBe('es');
    expect(resolveLanguage('Deutsch')).toBe('de');
    expect(resolveLanguage('français')).toBe('fr');
    expect(resolveLanguage('Klingonish')).toBeUndefined();
    expect(resolveLanguage('')).toBeUndefined();
  });
});

describe('CallLanguage under any input (fast-check)', () => {
  function make() {
    const updates: unknown[] = [];
    const records: Array<{ languageSwitch?: { to: string; served: boolean } }> = [];
    const language = new CallLanguage({
      updateSession: (patch) => updates.push(patch),
      instructions: () => 'Prompt.',
      transcription: () => ({ model: 'gpt-4o-mini-transcribe', language: 'en' }),
      say: () => {},
      record: (m) => records.push(m),
    });
    language.start({
      key: 'p',
      language: 'en',
      languages: [
        { tag: 'en', greeting: 'Hi' },
        { tag: 'es', greeting: 'Hola' },
      ],
    });
    return { language, updates, records };
  }

  it('takes a served close relative over an unserved best guess (Catalan words on a Spanish line)', () => {
    const catalan = 'Bon dia, tinc una pregunta sobre la comanda';
    expect(detectLanguage(catalan)).toMatchObject({ language: 'ca', close: ['es'] });
    const { language, records } = make();
    language.onCallerText(catalan);
    expect(language.current!.base).toBe('es');
    expect(records.map((r) => r.languageSwitch)).toEqual([
      expect.objectContaining({ to: 'es', served: true }),
    ]);
  });

  it('a clearly unserved language is offered another way once, and a later clear turn still switches', () => {
    const { language, records } = make();
    language.onCallerText('Bom dia, tenho uma pergunta sobre o pedido'); // Portuguese, far ahead of es
    expect(language.current!.base).toBe('en');
    expect(records.map((r) => r.languageSwitch)).toEqual([
      expect.objectContaining({ to: 'pt', served: false }),
    ]);
    language.onCallerText('Perdón, hablo español. ¿Cuánto tarda el envío de mi pedido?');
    expect(language.current!.base).toBe('es');
    language.onCallerText('Thank you so much, that is all I needed to know today.');
    expect(language.current!.base).toBe('es'); // a served detection ended detection
  });

  it('random transcripts and switch_language arguments never throw and never switch to an unserved language', () => {
    const arg = fc.oneof(
      fc.string(),
      fc.constantFrom('es', 'fr', 'French', 'español', 'zz', 'en-US', 'de-DE', ' ', 'es-'),
      fc.anything(),
    );
    const step = fc.oneof(
      fc.record({
        caller: fc.oneof(
          fc.string({ maxLength: 300 }),
          fc.string({ unit: 'grapheme', maxLength: 200 }),
          fc.anything(),
        ),
      }),
      fc.record({ ask: arg }),
    );
    fc.assert(
      fc.property(fc.array(step, { maxLength: 12 }), (steps) => {
        const { language, records } = make();
        for (const s of steps) {
          if ('caller' in s) language.onCallerText(s.caller);
          else {
            const out = language.ask(s.ask);
            expect(typeof out.ok).toBe('boolean');
          }
          expect(['en', 'es']).toContain(language.current!.base);
        }
        for (const r of records)
          if (r.languageSwitch?.served) expect(['en', 'es']).toContain(r.languageSwitch.to);
      }),
      { numRuns: 300 },
    );
  });
});

// A profile's languages: stored, served to the call path with `language`/`greeting` following the
// first one, and refused with a 400 naming the field when a language can't be served.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { brand, profileBody, service, startTestApp, type TestApp } from '../testing/test-app.ts';
import { LANGUAGE_LINE_KEYS, MAX_PROFILE_LANGUAGES } from './profile-languages.ts';

let t: TestApp;
let apiKey: string;
beforeAll(async () => {
  t = await startTestApp();
  ({ apiKey } = await t.createBrand('Languages'));
});
afterAll(async () => {
  await t.close();
});

const EN = { tag: 'en-US', greeting: 'Hi, this is Velora. How can I help?' };
const ES = {
  tag: 'es',
  greeting: 'Hola, le atiende Velora. ¿En qué puedo ayudarle?',
  lines: { stillThere: '¿Sigue ahí?', goodbye: 'Gracias por llamar. ¡Adiós!' },
  instructions: 'Trate al cliente de usted.',
  voice: 'coral',
  transcriptionLanguage: 'es',
  knowledgeLanguage: 'es',
};

let n = 0;
const create = (extra: Record<string, unknown>) =>
  t.app.inject({
    method: 'POST',
    url: '/admin/profiles',
    headers: brand(apiKey),
    payload: profileBody(`lang-${++n}`, extra),
  });
const patch = (key: string, body: Record<string, unknown>) =>
  t.app.inject({ method: 'PATCH', url: `/admin/profiles/${key}`, headers: brand(apiKey), payload: body });
const internal = async (key: string) =>
  (await t.app.inject({ url: `/internal/profiles/${key}`, headers: service })).json();

describe('profile languages', () => {
  it('stores the languages and serves them, language and greeting from the first one', async () => {
    const res = await create({ languages: [ES, EN] });
    expect(res.statusCode).toBe(201);
    expect(res.json()).toMatchObject({ language: 'es', greeting: ES.greeting, languages: [ES, EN] });
    const dto = await internal(res.json().key);
    expect(dto).toMatchObject({ language: 'es', greeting: ES.greeting, languages: [ES, EN] });
    const read = await t.app.inject({ url: `/admin/profiles/${res.json().key}`, headers: brand(apiKey) });
    expect(read.json().languages).toEqual([ES, EN]);
  });

  it('answers a profile without languages as before: no languages field', async () => {
    const res = await create({ language: 'fr-FR', greeting: 'Bonjour' });
    expect(res.statusCode).toBe(201);
    expect(res.json()).not.toHaveProperty('languages');
    expect(await internal(res.json().key)).toMatchObject({ language: 'fr-FR', greeting: 'Bonjour' });
    expect(await internal(res.json().key)).not.toHaveProperty('languages');
  });

  it('patches: languages set, a greeting alone becomes the first language greeting, [] clears', async () => {
    const key = (await create({ greeting: 'Hello' })).json().key;
    const set = await patch(key, { languages: [EN, ES] });
    expect(set.statusCode).toBe(200);
    expect(set.json()).toMatchObject({ language: 'en-US', greeting: EN.greeting, languages: [EN, ES] });
    const greeted = await patch(key, { greeting: 'Hi there' });
    expect(greeted.json().languages[0]).toEqual({ ...EN, greeting: 'Hi there' });
    expect(greeted.json().greeting).toBe('Hi there');
    const wrong = await patch(key, { language: 'de' });
    expect(wrong.statusCode).toBe(400);
    expect(wrong.json().error.message).toMatch(/^body\.language must be body\.languages\.0\.tag/);
    // Back to an OpenAI voice: an ElevenLabs id is a voice the Realtime API does not have.
    const el = { provider: 'elevenlabs', voiceId: '21m00Tcm4TlvDq8ikWAM' };
    const elKey = (
      await create({ voice: el, languages: [EN, { ...ES, voice: 'pNInz6obpgDQGcFmaJgB' }] })
    ).json().key;
    const back = await patch(elKey, { voice: { provider: 'openai', voiceId: 'marin' } });
    expect(back.statusCode).toBe(400);
    expect(back.json().error.message).toMatch(/^body\.languages\.1\.voice must be a Realtime voice/);
    const cleared = await patch(key, { languages: [] });
    expect(cleared.statusCode).toBe(200);
    expect(cleared.json()).not.toHaveProperty('languages');
    expect(cleared.json()).toMatchObject({ language: 'en-US', greeting: 'Hi there' });
  });

  it('takes ElevenLabs voice ids for a profile speaking with ElevenLabs', async () => {
    const voice = { provider: 'elevenlabs', voiceId: '21m00Tcm4TlvDq8ikWAM' };
    const ok = await create({ voice, languages: [EN, { ...ES, voice: 'pNInz6obpgDQGcFmaJgB' }] });
    expect(ok.statusCode).toBe(201);
    const bad = await create({ voice, languages: [EN, { ...ES, voice: 'pNInz6ob-pgDQ' }] });
    expect(bad.json().error.message).toBe(
      'body.languages.1.voice must be letters and digits for an ElevenLabs voice',
    );
  });

  it('answers 400 naming the field for languages the profile cannot serve', async () => {
    const cases: Array<[unknown, RegExp]> = [
      [[EN, { ...ES, tag: 'xx-YY' }], /^body\.languages\.1\.tag is not a known language/],
      [[EN, { ...ES, tag: 'es_MX' }], /^body\.languages\.1\.tag must match pattern/],
      [[EN, { tag: 'es' }], /^body\.languages\.1\.greeting is required$/],
      [[EN, { ...ES, greeting: '   ' }], /^body\.languages\.1\.greeting must match pattern/],
      [
        [EN, ES, { ...ES, tag: 'ES', greeting: 'Hola' }],
        /^body\.languages\.2\.tag repeats body\.languages\.1\.tag$/,
      ],
      [[EN, { ...ES, voice: 'nova' }], /^body\.languages\.1\.voice must be a Realtime voice \(alloy,/],
      [
        [EN, { ...ES, lines: { goodnight: 'Buenas noches' } }],
        /^body\.languages\.1\.lines\.goodnight is not allowed$/,
      ],
      [
        [EN, { ...ES, lines: { goodbye: 'a'.repeat(501) } }],
        /^body\.languages\.1\.lines\.goodbye must NOT have more than 500/,
      ],
      [[{ ...EN, greeting: 'a'.repeat(2001) }], /^body\.languages\.0\.greeting must NOT have more than 2000/],
      [
        [EN, { ...ES, instructions: 'a'.repeat(10_001) }],
        /^body\.languages\.1\.instructions must NOT have more than/,
      ],
      [
        [EN, { ...ES, knowledgeLanguage: 'qq' }],
        /^body\.languages\.1\.knowledgeLanguage is not a known language$/,
      ],
      [[EN, { ...ES, speed: 1 }], /^body\.languages\.1\.speed is not allowed$/],
      [
        Array.from({ length: MAX_PROFILE_LANGUAGES + 1 }, (_, i) => ({ ...EN, tag: `en-X${i}` })),
        /^body\.languages must NOT have more than 10 items$/,
      ],
    ];
    for (const [languages, message] of cases) {
      const res = await create({ languages });
      expect(res.statusCode, message.source).toBe(400);
      expect(res.json().error.message).toMatch(message);
    }
    const both = await create({ language: 'de', languages: [EN] });
    expect(both.json().error.message).toMatch(/^body\.language must be body\.languages\.0\.tag/);
  });

  it('never answers 5xx to generated languages, and a valid list round-trips', async () => {
    const text = fc.oneof(fc.string({ maxLength: 40 }), fc.constantFrom('Hola', '', ' ', '\u0000'));
    const lines = fc.dictionary(fc.oneof(fc.constantFrom(...LANGUAGE_LINE_KEYS), fc.string()), fc.anything());
    const language = fc.record(
      {
        tag: fc.oneof(fc.constantFrom('es', 'fr-CA', 'zz', 'EN-us', 'x', 'de-'), fc.string()),
        greeting: text,
        lines,
        instructions: fc.anything(),
        voice: fc.oneof(fc.constantFrom('alloy', 'nova', 'abc'), fc.anything()),
        knowledgeLanguage: fc.oneof(fc.constantFrom('es', 'qq'), fc.anything()),
      },
      { requiredKeys: [] },
    );
    const languages = fc.oneof(fc.array(language, { maxLength: 12 }), fc.anything());
    await fc.assert(
      fc.asyncProperty(languages, async (value) => {
        const res = await create({ languages: value });
        expect(res.statusCode).toBeLessThan(500);
        if (res.statusCode === 201) {
          // An absent (undefined) value leaves the field out: the profile serves `language` alone.
          expect(res.json().languages ?? []).toEqual(value ?? []);
          expect((await internal(res.json().key)).languages ?? []).toEqual(value ?? []);
        }
      }),
      { numRuns: 60 },
    );
    const valid = fc.uniqueArray(
      fc.record(
        {
          tag: fc.constantFrom('en', 'en-GB', 'es', 'es-MX', 'fr', 'de', 'pt-BR', 'it', 'nl', 'ja'),
          greeting: fc.string({ minLength: 1, maxLength: 60 }).filter((s) => /\S/.test(s)),
          voice: fc.constantFrom('alloy', 'marin', 'cedar'),
          lines: fc.record({ goodbye: fc.string({ minLength: 1, maxLength: 40 }) }, { requiredKeys: [] }),
        },
        { requiredKeys: ['tag', 'greeting'] },
      ),
      { minLength: 1, maxLength: 5, selector: (l) => l.tag.toLowerCase() },
    );
    await fc.assert(
      fc.asyncProperty(valid, async (value) => {
        const res = await create({ languages: value });
        expect(res.statusCode).toBe(201);
        expect(res.json()).toMatchObject({
          languages: value,
          language: value[0]!.tag,
          greeting: value[0]!.greeting,
        });
      }),
      { numRuns: 25 },
    );
  });
});

/**
 * Replies in the language the instructions state (issue 23). The platform ends its instructions with
 * `# Language` / `Speak <English name> (<tag>) with the caller…`; a response's own instructions replace
 * the session's (GA `RealtimeResponseCreateParams.instructions`), and the model follows the last
 * directive it reads. A language switch is a `session.update` of the instructions on the live socket;
 * the voice cannot change once audio exists (`cannot_update_voice`, param null, as reported in
 * openai/openai-agents-python#1661; the Realtime guide: "Voice cannot be changed during the session
 * once the model has responded with audio at least once").
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { inLanguage, languageInForce, primaryLanguage } from './reply-language.ts';
import { parseScenario, type Scenario, ScenarioError, ScenarioPlayer } from './scenario.ts';
import { simHarness, telephonySession } from './test-harness.ts';
import type { RawRealtimeClient, ServerEvent } from './test-support.ts';

const SPANISH = 'You are Ava at Acme.\n\n# Language\nSpeak Spanish (es) with the caller.';
const ENGLISH = 'You are Ava at Acme.\n\n# Language\nSpeak English (en) with the caller.';
const FRENCH = 'You are Ava at Acme.\n\n# Language\nSpeak French (fr-CA) with the caller.';

const scenario: Scenario = {
  greeting: { say: { en: 'Hi, this is Ava.', es: 'Hola, soy Ava.' } },
  turns: [
    {
      userText: 'shipping',
      say: { en: 'Let me check.', es: 'Déjeme ver.' },
      toolCalls: [{ name: 'get_knowledge', arguments: { query: 'shipping' }, callId: 'call_ship' }],
      afterTools: { say: { en: 'Three days.', es: 'Tres días.' } },
    },
  ],
  default: { en: 'Anything else?', es: '¿Algo más?' },
};

const h = simHarness({ scenario, pacing: 'burst' });

const create = (c: RawRealtimeClient, response?: Record<string, unknown>) =>
  c.request(
    { type: 'response.create', ...(response ? { response } : {}) },
    (e) => e.type === 'response.done' || e.type === 'error',
  );

const spoken = (done: ServerEvent) =>
  ((done.response as { output: Array<{ content?: Array<{ transcript?: string }> }> }).output[0]?.content ??
    [])[0]?.transcript;

const update = (c: RawRealtimeClient, session: Record<string, unknown>) =>
  c.request(
    { type: 'session.update', session: { type: 'realtime', ...session } },
    (e) => e.type === 'session.updated' || e.type === 'error',
  );

describe('the language in force', () => {
  it('is the last Speak directive, by primary subtag; English without one', () => {
    expect(languageInForce('Be brief.')).toBe('en');
    expect(languageInForce(SPANISH)).toBe('es');
    expect(languageInForce(FRENCH)).toBe('fr');
    expect(languageInForce(`${SPANISH}\n${ENGLISH}`)).toBe('en');
    expect(languageInForce(`${ENGLISH}\nSpeak Chinese (Taiwan) (zh-TW) with the caller.`)).toBe('zh');
    // not a directive: lower-case verb, no tag, a line break inside
    expect(languageInForce('speak Spanish (es)')).toBe('en');
    expect(languageInForce('Speak Spanish with the caller.')).toBe('en');
    expect(languageInForce('Speak Spanish\n(es)')).toBe('en');
  });

  it('never throws and always names a language, whatever the instructions', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 300 }), fc.string({ maxLength: 50 }), (before, after) => {
        const found = languageInForce(`${before}${after}`);
        expect(found).toMatch(/^[a-z]{2,3}$/);
        // a directive stated last wins over anything before it
        expect(languageInForce(`${before}\nSpeak German (de-AT) with the caller.`)).toBe('de');
      }),
      { numRuns: 300 },
    );
  });

  it('reads tags like BCP 47 does', () => {
    expect(primaryLanguage('es-MX')).toBe('es');
    expect(primaryLanguage('EN')).toBe('en');
    expect(primaryLanguage('Spanish')).toBeNull();
    expect(primaryLanguage('')).toBeNull();
  });
});

describe('per-language replies', () => {
  it('greets in English without a directive, in Spanish with the session asking for it', async () => {
    const en = await h.connect(telephonySession(null, { instructions: 'You are Ava at Acme.' }));
    expect(spoken(await create(en))).toBe('Hi, this is Ava.');
    const es = await h.connect(telephonySession(null, { instructions: SPANISH }));
    expect(spoken(await create(es))).toBe('Hola, soy Ava.');
    expect(h.sim.sessions[1]!.replies[0]).toMatchObject({ language: 'es', languageInForce: 'es' });
  });

  it("takes a response's own instructions over the session's; the last directive wins", async () => {
    const c = await h.connect(telephonySession(null, { instructions: SPANISH }));
    expect(spoken(await create(c, { instructions: ENGLISH }))).toBe('Hi, this is Ava.');
    expect(spoken(await create(c))).toBe('¿Algo más?');
    expect(spoken(await create(c, { instructions: `${SPANISH}\n${ENGLISH}` }))).toBe('Anything else?');
    expect(h.sim.sessions[0]!.replies.map((r) => [r.instructionsFrom, r.language])).toEqual([
      ['response', 'en'],
      ['session', 'es'],
      ['response', 'en'],
    ]);
  });

  it('speaks the default text when the script has no variant for the language in force', async () => {
    const c = await h.connect(telephonySession(null, { instructions: FRENCH }));
    expect(spoken(await create(c))).toBe('Hi, this is Ava.');
    expect(h.sim.sessions[0]!.replies[0]).toMatchObject({ language: 'en', languageInForce: 'fr' });
    // plain text is English
    await h.start({ scenario: { default: 'Okay.' }, pacing: 'burst' });
    const plain = await h.connect(telephonySession(null, { instructions: SPANISH }));
    expect(spoken(await create(plain))).toBe('Okay.');
    expect(h.sim.sessions[0]!.replies[0]).toMatchObject({ language: 'en', languageInForce: 'es' });
  });

  it('follows a switch made by session.update mid-call, tool follow-ups included', async () => {
    const c = await h.connect(telephonySession(null, { instructions: ENGLISH }));
    expect(spoken(await create(c))).toBe('Hi, this is Ava.');
    // the switch: instructions and transcription language on the live socket, same voice
    const switched = await update(c, {
      instructions: SPANISH,
      audio: { input: { transcription: { model: 'gpt-4o-mini-transcribe', language: 'es' } } },
    });
    expect(switched.type).toBe('session.updated');
    c.send({
      type: 'conversation.item.create',
      item: { type: 'message', role: 'user', content: [{ type: 'input_text', text: '¿shipping?' }] },
    });
    expect(spoken(await create(c))).toBe('Déjeme ver.');
    c.send({
      type: 'conversation.item.create',
      item: { type: 'function_call_output', call_id: 'call_ship', output: '{"days":3}' },
    });
    expect(spoken(await create(c))).toBe('Tres días.');
    expect(h.sim.sessions[0]!.replies.map((r) => [r.source, r.language])).toEqual([
      ['greeting', 'en'],
      ['turn', 'es'],
      ['after_tools', 'es'],
    ]);
  });

  it('refuses a voice change in the same switch once audio exists, and keeps the session as it was', async () => {
    const c = await h.connect(telephonySession(null, { instructions: ENGLISH }));
    await create(c);
    const refused = await update(c, { instructions: SPANISH, audio: { output: { voice: 'coral' } } });
    expect(refused.error).toMatchObject({
      type: 'invalid_request_error',
      code: 'cannot_update_voice',
      message: "Cannot update a conversation's voice if assistant audio is present.",
      param: null,
    });
    expect(h.sim.sessions[0]!.config.instructions).toBe(ENGLISH);
    expect(spoken(await create(c))).toBe('Anything else?');
  });
});

describe('scenario texts per language', () => {
  it('accepts a map of BCP 47 tags in say, default and idle', () => {
    const parsed = parseScenario({
      greeting: { say: { 'en-US': 'Hi.', es: 'Hola.' } },
      turns: [{ user: 'hola', say: { es: 'Hola.' }, afterTools: { say: { fr: 'Voilà.' } } }],
      default: { en: 'Sorry?', es: '¿Perdón?' },
      idle: { es: '¿Sigue ahí?' },
    });
    expect(parsed.default).toEqual({ en: 'Sorry?', es: '¿Perdón?' });
  });

  it('refuses what is not a language map', () => {
    const bad: Array<[unknown, string]> = [
      [{ default: {} }, 'scenario.default: expected at least one language'],
      [{ default: { Spanish: 'Hola' } }, 'scenario.default.Spanish: not a BCP 47 language tag'],
      [{ default: { es: 'Hola', 'es-MX': 'Qué onda' } }, "scenario.default.es-MX: a second text for 'es'"],
      [{ turns: [{ say: { es: 3 } }] }, 'scenario.turns[0].say.es: expected a string'],
      [{ idle: ['Hola'] }, 'scenario.idle: expected a string or an object of texts by language'],
    ];
    for (const [value, message] of bad) {
      expect(() => parseScenario(value)).toThrow(new ScenarioError(message));
    }
  });

  it('answers any value with a scenario or a ScenarioError, and a parsed one always plays (property)', () => {
    const tag = fc.oneof(fc.constantFrom('en', 'es', 'es-MX', 'fr-CA', 'de'), fc.string({ maxLength: 6 }));
    const text = fc.oneof(
      fc.string(),
      fc.dictionary(tag, fc.oneof(fc.string(), fc.integer(), fc.constant(null)), { maxKeys: 4 }),
      fc.anything(),
    );
    fc.assert(
      fc.property(text, text, fc.string({ maxLength: 80 }), (say, fallback, instructions) => {
        let parsed: Scenario;
        try {
          parsed = parseScenario({ greeting: { say }, turns: [{ user: 'x', say }], default: fallback });
        } catch (err) {
          expect(err).toBeInstanceOf(ScenarioError);
          return;
        }
        const player = new ScenarioPlayer(parsed, () => 'call_1');
        for (let i = 0; i < 3; i++) {
          const reply = inLanguage(player.nextReply(), instructions);
          expect(typeof reply.text).toBe('string');
          expect(reply.language).toMatch(/^[a-z]{2,3}$/);
          player.userAudioCommitted();
        }
      }),
      { numRuns: 300 },
    );
  });
});

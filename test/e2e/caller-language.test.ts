// Callers in their own language, through the whole stack: ai-server serves a profile in English and
// Spanish with a Spanish help-center article, the Twilio caller simulator dials voice-server, and the
// Realtime simulator's scripted model answers in the language its instructions state (the last
// `Speak <Name> (<tag>)` line, as voice-server writes it). voice-server detects the caller's language
// from the transcript, switches the live session with one session.update, and app-server records the
// call's languages and the switch.
import type { RealtimeSimSession, Scenario } from '@switchboard/simulators/openai-realtime';
import type { SimulatedCall } from '@switchboard/simulators/twilio';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ACME, type FullStack, startFullStack } from '../support/full-stack.ts';
import {
  endedConversation,
  functionOutput,
  nthReply,
  toolCallId,
  waitUntilHeard,
} from '../support/tools-call.ts';

const SPANISH = {
  tag: 'es',
  greeting: 'Gracias por llamar a Acme Outfitters. ¿En qué puedo ayudarle?',
  lines: {
    stillThere: '¿Sigue ahí?',
    goodbye: 'Gracias por llamar a Acme. ¡Adiós!',
    apology: 'Lo sentimos, tenemos problemas técnicos.',
    wrapUp: 'La llamada está por terminar.',
    transfer: 'Le paso con un compañero.',
    callback: 'Un compañero le devolverá la llamada.',
  },
  instructions: 'Trate al cliente de usted.',
};
const LANGUAGES = [{ tag: 'en-US', greeting: ACME.greeting }, SPANISH];
const SPANISH_ARTICLE = {
  externalId: 'envios-es.md',
  title: 'Envíos y plazos de entrega',
  body:
    '# Envíos y plazos de entrega\n\nLos pedidos nacionales llegan en un plazo de tres a cinco días ' +
    'hábiles. El envío urgente tarda uno o dos días hábiles y cuesta 14,95 dólares.',
  format: 'markdown',
  language: 'es',
};
const SPEECH = { toneHz: 300, ms: 700 };
const SPANISH_ANSWER = 'El envío estándar tarda de tres a cinco días hábiles.';
const SPANISH_GOODBYE = 'De nada. ¡Adiós!';

let stack: FullStack;
let current: SimulatedCall | undefined;
let sessionIndex = 0;
beforeAll(async () => {
  stack = await startFullStack({ profile: { languages: LANGUAGES } });
  const res = await fetch(`${stack.ai.url}/admin/knowledge/articles`, {
    method: 'POST',
    headers: { authorization: `Bearer ${stack.ai.apiKey}`, 'content-type': 'application/json' },
    body: JSON.stringify({ articles: [SPANISH_ARTICLE] }),
  });
  if (!res.ok) throw new Error(`seeding the Spanish article: ${res.status} ${await res.text()}`);
}, 120_000);
afterAll(async () => {
  await stack?.close();
});
afterEach(async () => {
  if (current && !current.endedWith) await current.hangup();
  current = undefined;
});

const sessionOf = (): RealtimeSimSession | undefined => stack.realtime.sessions[sessionIndex];
type Update = {
  session: {
    instructions?: string;
    audio?: { input?: { transcription?: { language?: string } }; output?: { voice?: string } };
  };
};
const updatesOf = (s: RealtimeSimSession) =>
  s.received('session.update').map((e) => (e.event as Update).session);
const transcriptsOf = (s: RealtimeSimSession) =>
  s
    .sent('conversation.item.input_audio_transcription.completed')
    .map((e) => (e.event as { transcript: string }).transcript);
const languageMessages = (view: { messages: unknown[] }) =>
  (view.messages as Array<{ source: string; languageSwitch?: unknown }>)
    .filter((m) => m.source === 'language')
    .map((m) => m.languageSwitch);

/**
 * A Spanish caller: a first turn (its reply was asked for before its transcript arrived, so it may
 * be in English), a question answered from the knowledge base, then goodbye.
 */
const spanishCaller: Scenario = {
  greeting: ACME.greeting,
  msPerChar: 20,
  turns: [
    {
      user: 'Hola, buenos días. Tengo una pregunta sobre mi pedido.',
      say: { en: 'Of course, what would you like to know?', es: 'Claro, ¿qué desea saber?' },
    },
    {
      user: '¿Cuánto tarda el envío?',
      say: { en: 'Let me look that up.', es: 'Déjeme consultarlo.' },
      toolCalls: [{ name: 'get_knowledge', arguments: { query: 'cuánto tarda el envío' } }],
      afterTools: { say: { en: 'Standard shipping takes three to five business days.', es: SPANISH_ANSWER } },
    },
    {
      user: 'Muchas gracias, eso es todo.',
      toolCalls: [{ name: 'end_call', arguments: { reason: 'done' } }],
      afterTools: { say: { en: "You're welcome. Goodbye!", es: SPANISH_GOODBYE } },
    },
  ],
};

describe('callers in their own language', () => {
  it('answers a Spanish caller in Spanish from the second turn, from a Spanish article, with a Spanish goodbye', async () => {
    stack.realtime.setScenario(spanishCaller);
    sessionIndex = stack.realtime.sessions.length;
    current = await stack.call({
      source: [
        ...waitUntilHeard(sessionOf, nthReply('greeting')),
        { audio: SPEECH, label: 'hello' },
        ...waitUntilHeard(sessionOf, nthReply('turn', 0)),
        { audio: SPEECH, label: 'question' },
        ...waitUntilHeard(sessionOf, nthReply('after_tools', 0)),
        { audio: SPEECH, label: 'thanks' },
        { pauseMs: 20_000 },
        { hangup: true },
      ],
    });
    const end = await current.ended;
    expect(end.reason).not.toBe('caller_hangup'); // the agent ended it
    expect(stack.realtime.sessions).toHaveLength(sessionIndex + 1); // switched without reconnecting
    const session = sessionOf()!;
    expect(session.sent('error')).toEqual([]);

    // One session.update switched the live session: the Spanish rule and addendum, the transcription
    // hint, and no voice (the Realtime API refuses a voice change once audio was produced).
    const updates = updatesOf(session);
    expect(updates[0]!.instructions).toContain('Speak English (en-US)');
    const switched = updates.filter((u) => u.instructions?.includes('Speak Spanish (es)'));
    expect(switched).toHaveLength(1);
    expect(switched[0]!.instructions).toContain(SPANISH.instructions);
    expect(switched[0]!.audio?.input?.transcription?.language).toBe('es');
    expect(switched[0]!.audio?.output?.voice).toBeUndefined();

    // The greeting was English; from the second caller turn on, every reply is Spanish.
    expect(session.replies[0]).toMatchObject({ source: 'greeting', language: 'en' });
    const turns = session.replies.filter((r) => r.source === 'turn');
    expect(turns[1]).toMatchObject({ text: 'Déjeme consultarlo.', language: 'es' });
    const afterTools = session.replies.filter((r) => r.source === 'after_tools');
    expect(afterTools.map((r) => [r.text, r.language])).toEqual([
      [SPANISH_ANSWER, 'es'],
      [SPANISH_GOODBYE, 'es'],
    ]);

    // The knowledge answer came from the Spanish article, searched in Spanish.
    const found = functionOutput(session, toolCallId(session, 'get_knowledge')) as {
      ok?: boolean;
      result?: unknown;
    };
    const asText = JSON.stringify(found);
    expect(asText).toContain(SPANISH_ARTICLE.title);
    expect(asText).not.toContain('language_fell_back');

    const view = await endedConversation(stack, current.callSid);
    expect((view.conversation as unknown as { languages: string[] }).languages).toEqual(['en-US', 'es']);
    expect(languageMessages(view)).toEqual([
      expect.objectContaining({ from: 'en-US', to: 'es', how: 'detected', served: true }),
    ]);
  }, 90_000);

  it('offers a transfer to a caller who asks for a language the profile does not serve', async () => {
    const offer = 'I speak English and Spanish. Shall I transfer you to a colleague, or arrange a callback?';
    stack.realtime.setScenario({
      greeting: ACME.greeting,
      msPerChar: 20,
      turns: [
        {
          user: 'Could we speak French, please? My English is not very good.',
          toolCalls: [{ name: 'switch_language', arguments: { language: 'French' } }],
          afterTools: offer,
        },
        {
          user: 'Yes, please put me through to a colleague.',
          toolCalls: [
            {
              name: 'transfer_to_human',
              arguments: {
                reason: 'caller speaks French',
                summary: 'Caller would like to be served in French.',
              },
            },
          ],
          afterTools: 'Connecting you now.',
        },
      ],
    });
    sessionIndex = stack.realtime.sessions.length;
    current = await stack.call({
      source: [
        ...waitUntilHeard(sessionOf, nthReply('greeting')),
        { audio: SPEECH, label: 'french?' },
        ...waitUntilHeard(sessionOf, nthReply('after_tools', 0)),
        { audio: SPEECH, label: 'transfer' },
        { pauseMs: 20_000 },
        { hangup: true },
      ],
    });
    await current.ended;
    const session = sessionOf()!;
    // Not switched: the tool's answer names the languages served and what to offer.
    const answer = JSON.stringify(functionOutput(session, toolCallId(session, 'switch_language')));
    expect(answer).toContain('not_served');
    expect(answer).toMatch(/en-US.*es/);
    expect(answer).toMatch(/transfer/i);
    expect(updatesOf(session).some((u) => u.instructions?.includes('(fr'))).toBe(false);
    // The offer was taken: the call was transferred.
    expect(functionOutput(session, toolCallId(session, 'transfer_to_human'))).toMatchObject({ ok: true });

    const view = await endedConversation(stack, current.callSid);
    expect((view.conversation as unknown as { languages: string[] }).languages).toEqual(['en-US']);
    expect(languageMessages(view)).toEqual([
      expect.objectContaining({ from: 'en-US', to: 'fr', how: 'asked', served: false }),
    ]);
  }, 90_000);

  it('never switches on a one-word English reply', async () => {
    stack.realtime.setScenario({
      greeting: ACME.greeting,
      msPerChar: 20,
      turns: [
        { user: 'OK.', say: 'How can I help?' },
        { user: 'Yes.', say: 'Go ahead.' },
        { user: 'Maria.', say: 'Thank you, Maria.' },
      ],
      default: 'Sorry, could you say that again?',
    });
    sessionIndex = stack.realtime.sessions.length;
    current = await stack.call({
      source: [
        ...waitUntilHeard(sessionOf, nthReply('greeting')),
        { audio: SPEECH, label: 'ok' },
        ...waitUntilHeard(sessionOf, nthReply('turn', 0)),
        { audio: SPEECH, label: 'yes' },
        ...waitUntilHeard(sessionOf, nthReply('turn', 1)),
        { audio: SPEECH, label: 'maria' },
        ...waitUntilHeard(sessionOf, nthReply('turn', 2)),
        // The last turn's transcript comes after its reply was asked for: it too must not switch.
        { until: () => transcriptsOf(sessionOf()!).length >= 3, timeoutMs: 10_000 },
        { pauseMs: 500 },
        { hangup: true },
      ],
    });
    await current.ended;
    const session = sessionOf()!;
    expect(transcriptsOf(session)).toEqual(['OK.', 'Yes.', 'Maria.']);
    expect(updatesOf(session).filter((u) => u.instructions !== undefined)).toHaveLength(1);
    expect(session.replies.every((r) => r.languageInForce === 'en')).toBe(true);
    const view = await endedConversation(stack, current.callSid);
    expect((view.conversation as unknown as { languages: string[] }).languages).toEqual(['en-US']);
    expect(languageMessages(view)).toEqual([]);
  }, 90_000);

  it('keeps the caller’s language across a Realtime reconnect', async () => {
    stack.realtime.setScenario({
      greeting: ACME.greeting,
      msPerChar: 40,
      turns: [
        {
          user: 'Hola, quisiera cambiar la dirección de entrega de mi pedido, por favor.',
          say: {
            en: 'Of course. What is the order number and the new address?',
            es: 'Por supuesto. ¿Cuál es el número de pedido y la nueva dirección de entrega?',
          },
        },
        {
          user: 'El número es cuatro cinco seis, calle Mayor diez.',
          say: {
            en: 'Thank you, I have noted it.',
            es: 'Gracias, lo he anotado. ¿Algo más en lo que pueda ayudarle hoy?',
          },
        },
      ],
      default: { en: 'Sorry, could you say that again?', es: 'Perdone, ¿puede repetirlo?' },
    });
    sessionIndex = stack.realtime.sessions.length;
    let dropped = false;
    current = await stack.call({
      source: [
        ...waitUntilHeard(sessionOf, nthReply('greeting')),
        { audio: SPEECH, label: 'address' },
        { until: () => dropped, timeoutMs: 20_000 },
        { until: () => stack.realtime.sessions.length > sessionIndex + 1, timeoutMs: 20_000 },
        { pauseMs: 1_500 },
        { audio: SPEECH, label: 'number' },
        { pauseMs: 6_000 },
        { hangup: true },
      ],
    });
    const first = await stack.realtime.session(sessionIndex, 10_000);
    // Once the switch to Spanish is on the live session, the socket drops a few deltas into the next reply.
    const deadline = Date.now() + 20_000;
    while (
      !updatesOf(first).some((u) => u.instructions?.includes('Speak Spanish (es)')) &&
      Date.now() < deadline
    )
      await new Promise((r) => setTimeout(r, 20));
    first.setFaults({
      dropSocket: {
        afterAudioDeltas: first.sent('response.output_audio.delta').length + 3,
        mode: 'terminate',
      },
    });
    dropped = true;
    await current.ended;
    const resumed = stack.realtime.sessions[sessionIndex + 1]!;
    const restored = updatesOf(resumed)[0]!;
    expect(restored.instructions).toContain('Speak Spanish (es)');
    expect(restored.instructions).toContain(SPANISH.instructions);
    expect(restored.audio?.input?.transcription?.language).toBe('es');
    // The resumed session answers in Spanish.
    const spoken = resumed.replies.filter((r) => r.text.length > 0);
    expect(spoken.length).toBeGreaterThan(0);
    expect(spoken.every((r) => r.languageInForce === 'es')).toBe(true);
    const view = await endedConversation(stack, current.callSid);
    expect((view.conversation as unknown as { languages: string[] }).languages).toEqual(['en-US', 'es']);
  }, 90_000);
});

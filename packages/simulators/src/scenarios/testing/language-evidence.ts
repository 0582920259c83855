/**
 * A Spanish caller's call-sim scenario and the simulated model's evidence of it, shared by the tests of
 * language expectations and of the call's account (issue 23).
 */
import type { Evidence } from '../evidence.ts';
import { modelAgentSide } from '../evidence.ts';
import { buildModelScript } from '../model-script.ts';
import type { TracedResponse } from '../model-trace.ts';
import type { CallScenario } from '../scenario-types.ts';

export const placedAt = new Date('2026-12-06T15:00:00Z');
export const turns = [
  { index: 0, kind: 'say' as const, label: 'hola', startMs: 1000, endMs: 2000 },
  { index: 1, kind: 'say' as const, label: 'gracias', startMs: 6000, endMs: 7000 },
];

export const scenario: CallScenario = {
  name: 'spanish',
  language: 'es',
  greeting: 'Hi, this is Acme.',
  turns: [
    {
      say: 'Hola, ¿cuánto tarda el envío?',
      agent: {
        say: { en: 'Let me look that up.', es: 'Déjeme consultarlo.' },
        tools: [{ name: 'get_knowledge', args: { query: 'envío' } }],
        afterTools: { en: 'Three to five days.', es: 'De tres a cinco días.' },
      },
    },
    {
      say: 'Gracias.',
      agent: { say: { en: "You're welcome.", es: 'De nada.' } },
      expect: { language: 'es' },
    },
  ],
};

export const response = (source: string, text: string, language: string, languageInForce = language) =>
  ({
    source,
    text,
    spoken: text,
    status: 'completed',
    tools: [],
    language,
    languageInForce,
  }) as TracedResponse;

export function modelEvidence(
  responses: TracedResponse[],
  conversation?: Evidence['conversation'],
): Evidence {
  const script = buildModelScript(scenario, { timezone: 'UTC', now: placedAt });
  return {
    timezone: 'UTC',
    placedAt,
    turns,
    end: { reason: 'caller_hangup', atMs: 9000 },
    endedBy: 'caller',
    dialed: [],
    twilioSaid: [],
    clears: 0,
    followsRest: true,
    agent: modelAgentSide({ sessions: 1, responses }, script),
    ...(conversation ? { conversation } : {}),
  };
}

export const inSpanish = [
  response('greeting', 'Hi, this is Acme.', 'en'),
  response('turn', 'Déjeme consultarlo.', 'es'),
  response('after_tools', 'De tres a cinco días.', 'es'),
  response('turn', 'De nada.', 'es'),
];

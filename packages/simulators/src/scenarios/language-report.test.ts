/**
 * Languages in what call-sim shows and reads (issue 23): the simulated model's script speaks the
 * `agent` text for the language its instructions state, its trace reports each reply's language, and
 * a call's account marks lines not in English (or not in the language asked for) and gives the call's
 * languages and switches.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { inLanguage } from '../openai-realtime/reply-language.ts';
import { ScenarioPlayer } from '../openai-realtime/scenario.ts';
import { type RealtimeSimulator, startRealtimeSimulator } from '../openai-realtime/server.ts';
import { RawRealtimeClient } from '../openai-realtime/test-support.ts';
import type { TwilioRestFake } from '../twilio/rest-fake.ts';
import type { AgentLine, Evidence } from './evidence.ts';
import { modelAgentSide } from './evidence.ts';
import { buildModelScript } from './model-script.ts';
import type { TracedResponse } from './model-trace.ts';
import { scenarioAccount } from './report.ts';
import type { CallScenario } from './scenario-types.ts';
import { localSimulatorAccess } from './sim-access.ts';

const placedAt = new Date('2026-12-06T15:00:00Z');
const turns = [
  { index: 0, kind: 'say' as const, label: 'hola', startMs: 1000, endMs: 2000 },
  { index: 1, kind: 'say' as const, label: 'gracias', startMs: 6000, endMs: 7000 },
];

const scenario: CallScenario = {
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

const response = (source: string, text: string, language: string, languageInForce = language) =>
  ({
    source,
    text,
    spoken: text,
    status: 'completed',
    tools: [],
    language,
    languageInForce,
  }) as TracedResponse;

function modelEvidence(responses: TracedResponse[], conversation?: Evidence['conversation']): Evidence {
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

const inSpanish = [
  response('greeting', 'Hi, this is Acme.', 'en'),
  response('turn', 'Déjeme consultarlo.', 'es'),
  response('after_tools', 'De tres a cinco días.', 'es'),
  response('turn', 'De nada.', 'es'),
];

describe("agent texts per language reach the simulated model's script", () => {
  it('say, afterTools and the greeting speak the variant the instructions ask for', () => {
    const script = buildModelScript(
      { ...scenario, greeting: { en: 'Hi.', es: 'Hola.' } },
      { timezone: 'UTC', now: placedAt },
    );
    const player = new ScenarioPlayer(script.scenario, () => 'call_1');
    const spanish = '# Language\nSpeak Spanish (es) with the caller.';
    expect(inLanguage(player.nextReply(), spanish).text).toBe('Hola.');
    player.userAudioCommitted();
    const first = player.nextReply();
    expect(inLanguage(first, spanish).text).toBe('Déjeme consultarlo.');
    expect(inLanguage(first, '').text).toBe('Let me look that up.');
    player.expectToolOutputs(['call_1'], first.afterTools);
    player.functionOutput('call_1');
    expect(inLanguage(player.nextReply(), spanish).text).toBe('De tres a cinco días.');
    // every variant is a line of its turn, so replies are attributed whatever the language
    expect(script.replyTurns.get('déjeme consultarlo.')).toEqual([0]);
    expect(script.replyTurns.get('let me look that up.')).toEqual([0]);
    expect(script.replyTurns.get('hola.')).toEqual([-1]);
  });

  it('records the language of each traced reply on its line', () => {
    const lines: AgentLine[] = modelEvidence(inSpanish).agent!.lines;
    expect(lines.map((l) => [l.turn, l.language])).toEqual([
      [-1, 'en'],
      [0, 'es'],
      [0, 'es'],
      [1, 'es'],
    ]);
  });
});

describe("a call's account", () => {
  it("marks lines not in English or not in the language asked for, and gives the call's languages", () => {
    const fellBack = [...inSpanish.slice(0, 3), response('turn', "You're welcome.", 'en', 'fr')];
    const conversation = {
      endReason: 'caller_hangup',
      callbacks: [],
      transferTargets: [],
      lines: [],
      callerMessages: 2,
      languages: ['en-US', 'es'],
      switches: [{ from: 'en-US', to: 'es', how: 'detected', confidence: 0.93, served: true }],
    };
    const account = scenarioAccount({
      file: 'spanish.yaml',
      name: 'spanish',
      status: 'passed',
      durationMs: 9000,
      evidence: modelEvidence(fellBack, conversation),
      checks: [],
    });
    expect(account).toContain('agent: "Hi, this is Acme."\n');
    expect(account).toContain('agent: "Déjeme consultarlo." [es]');
    expect(account).toContain(`agent: "You're welcome." [en, asked for fr]`);
    expect(account).toContain('  languages: en-US, es; switch en-US → es (detected 0.93)\n');
  });
});

describe("the simulated model's trace", () => {
  let sim: RealtimeSimulator | null = null;
  afterEach(async () => {
    await sim?.close();
    sim = null;
  });

  it('reports the language each reply was spoken in and the one asked for', async () => {
    sim = await startRealtimeSimulator({ pacing: 'burst' });
    const access = localSimulatorAccess({
      realtime: sim,
      twilioRest: {} as TwilioRestFake,
      info: {
        name: 'test',
        voiceServerUrl: 'http://127.0.0.1:1',
        authToken: 't',
        accountSid: 'AC1',
        to: '+1',
        from: '+1',
      },
    });
    const script = buildModelScript(
      { ...scenario, greeting: { en: 'Hi.', es: 'Hola.' } },
      { timezone: 'UTC', now: placedAt },
    );
    const mark = await access.beginCall(script.scenario);
    const client = await RawRealtimeClient.connect(sim.url);
    await client.next('session.created');
    const ask = (instructions: string) =>
      client.request({ type: 'response.create', response: { instructions } }, 'response.done');
    await ask('# Language\nSpeak Spanish (es) with the caller.');
    await ask('# Language\nSpeak German (de) with the caller.');
    client.close();
    const trace = await access.trace(mark);
    expect(trace.responses.map((r) => [r.text, r.language, r.languageInForce])).toEqual([
      ['Hola.', 'es', 'es'],
      ['Sorry, could you say that again?', 'en', 'de'],
    ]);
  });
});

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
import type { AgentLine } from './evidence.ts';
import { buildModelScript } from './model-script.ts';
import { scenarioAccount } from './report.ts';
import { localSimulatorAccess } from './sim-access.ts';

import { inSpanish, modelEvidence, placedAt, response, scenario } from './testing/language-evidence.ts';

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

/**
 * Expectations on languages (issue 23): a turn's (or the call's) replies in a language, seen from the
 * simulated model's report of what it spoke; the call's `languages` from app-server's conversation
 * JSON (or, without it, the languages the model's instructions asked for); the switches app-server
 * recorded as `language` messages.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { AppServerConversation } from './evidence.ts';
import { appServerSide } from './evidence.ts';
import { checkExpectations } from './expectations.ts';
import { tagMatches } from './language-checks.ts';
import type { CallScenario } from './scenario-types.ts';

import { inSpanish, modelEvidence, response, scenario, turns } from './testing/language-evidence.ts';

describe('the language of the replies', () => {
  it("passes when the turn's replies were in the language, fails naming what was said otherwise", () => {
    const ok = checkExpectations(scenario, modelEvidence(inSpanish));
    expect(ok).toEqual([
      expect.objectContaining({ turn: 1, check: 'language', status: 'passed', source: 'simulated model' }),
    ]);
    const fellBack = [...inSpanish.slice(0, 3), response('turn', "You're welcome.", 'en', 'fr')];
    const failed = checkExpectations(scenario, modelEvidence(fellBack));
    expect(failed[0]).toMatchObject({
      status: 'failed',
      expected: 'the agent replies in es',
      actual: `replied in en (asked for fr): "You're welcome."`,
    });
  });

  it("is not checked from app-server's transcript, which does not say a reply's language", () => {
    const view: AppServerConversation = {
      conversation: { endReason: 'caller_hangup', languages: ['en-US', 'es'] },
      messages: [
        {
          role: 'caller',
          text: 'Hola',
          interrupted: false,
          toolName: null,
          toolArguments: null,
          toolResult: null,
        },
        {
          role: 'agent',
          text: 'Hola',
          interrupted: false,
          toolName: null,
          toolArguments: null,
          toolResult: null,
        },
        {
          role: 'caller',
          text: 'Gracias',
          interrupted: false,
          toolName: null,
          toolArguments: null,
          toolResult: null,
        },
        {
          role: 'agent',
          text: 'De nada',
          interrupted: false,
          toolName: null,
          toolArguments: null,
          toolResult: null,
        },
      ],
      tickets: [],
    };
    const side = appServerSide(view, turns);
    const ev = { ...modelEvidence([]), agent: side.side };
    expect(checkExpectations(scenario, ev)[0]).toMatchObject({ status: 'unchecked' });
  });
});

describe("the call's languages and switches", () => {
  const conversationOf = (languages: string[] | undefined, switches: AppServerConversation['messages']) => {
    const view: AppServerConversation = {
      conversation: { endReason: 'caller_hangup', ...(languages ? { languages } : {}) },
      messages: switches,
      tickets: [],
    };
    const { side: _side, ...conversation } = appServerSide(view, turns);
    return conversation;
  };
  const switchMessage = (
    languageSwitch: NonNullable<AppServerConversation['messages'][number]['languageSwitch']>,
  ) => ({
    role: 'system',
    text: null,
    interrupted: false,
    toolName: null,
    toolArguments: null,
    toolResult: null,
    languageSwitch,
  });
  const detected = switchMessage({
    from: 'en-US',
    to: 'es',
    how: 'detected',
    confidence: 0.93,
    served: true,
  });
  const call = (expect: CallScenario['expect']) => ({ ...scenario, turns: [{ say: 'Hola' }], expect });

  it("compares app-server's languages in order, a tag without a region matching any region", () => {
    const ev = modelEvidence(inSpanish, conversationOf(['en-US', 'es'], [detected]));
    expect(checkExpectations(call({ languages: ['en-US', 'es'] }), ev)[0]).toMatchObject({
      status: 'passed',
      source: 'app-server',
    });
    expect(checkExpectations(call({ languages: ['en', 'es'] }), ev)[0]!.status).toBe('passed');
    expect(checkExpectations(call({ languages: ['es', 'en'] }), ev)[0]).toMatchObject({
      status: 'failed',
      actual: 'en-US, es',
    });
    expect(checkExpectations(call({ languages: ['en-GB', 'es'] }), ev)[0]!.status).toBe('failed');
    expect(checkExpectations(call({ languages: ['en'] }), ev)[0]!.status).toBe('failed');
  });

  it('falls back to the languages the simulated model was asked for', () => {
    const ev = modelEvidence(inSpanish);
    expect(checkExpectations(call({ languages: ['en-US', 'es'] }), ev)[0]).toMatchObject({
      status: 'passed',
      actual: 'en, es',
    });
    expect(checkExpectations(call({ languages: ['en'] }), ev)[0]!.status).toBe('failed');
  });

  it('checks the switches app-server recorded, in order and count', () => {
    const ev = modelEvidence(inSpanish, conversationOf(['en-US', 'es'], [detected]));
    const pass = checkExpectations(
      call({ switches: [{ from: 'en', to: 'es', how: 'detected', served: true }] }),
      ev,
    );
    expect(pass[0]).toMatchObject({ status: 'passed', actual: 'en-US → es, detected 0.93, served' });
    expect(checkExpectations(call({ switches: [{ to: 'es', how: 'asked' }] }), ev)[0]!.status).toBe('failed');
    expect(checkExpectations(call({ switches: [] }), ev)[0]!.status).toBe('failed');
    const unserved = switchMessage({ from: 'en-US', to: 'ja', how: 'asked', served: false });
    const ev2 = modelEvidence(inSpanish, conversationOf(['en-US'], [unserved]));
    expect(checkExpectations(call({ switches: [{ to: 'ja', served: false }] }), ev2)[0]!.status).toBe(
      'passed',
    );
    // an app-server that records no languages cannot show switches; without app-server, neither
    const old = modelEvidence(inSpanish, conversationOf(undefined, []));
    expect(checkExpectations(call({ switches: [] }), old)[0]!.status).toBe('unchecked');
    expect(checkExpectations(call({ switches: [] }), modelEvidence(inSpanish))[0]!.status).toBe('unchecked');
  });

  it('matches tags by BCP 47 rules: case aside, a bare language any region (property)', () => {
    const sub = fc.stringMatching(/^[a-z]{2,3}$/);
    const region = fc.stringMatching(/^[A-Z]{2}$/);
    fc.assert(
      fc.property(sub, region, (language, r) => {
        expect(tagMatches(language, `${language}-${r}`)).toBe(true);
        expect(tagMatches(`${language}-${r}`, `${language.toUpperCase()}-${r.toLowerCase()}`)).toBe(true);
        expect(tagMatches(`${language}-${r}`, language)).toBe(false);
        expect(tagMatches(language, `${language}x-${r}`)).toBe(false);
      }),
    );
  });
});

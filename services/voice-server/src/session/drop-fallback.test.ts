// After the outages the call is transferred or ended by Twilio with a `<Say>`: in the call's language
// (the profile's line, else the built-in one) with `<Say language>`, else English said as en-US.
import { createLogger } from '@switchboard/service-kit';
import { describe, expect, it } from 'vitest';
import { type CallLanguageSpec, languageSpec } from '../language/languages.ts';
import type { CallProfile } from '../ports/ai-server.ts';
import type { AppServerClient } from '../ports/app-server.ts';
import type { TwilioRest } from '../ports/twilio-rest.ts';
import { SHORT_CALL } from '../testing/short-call.ts';
import { takeDropFallback } from './drop-fallback.ts';
import { CallLifecycle } from './lifecycle.ts';
import { DROP_CALLBACK, DROP_TRANSFER } from './lines.ts';

const log = createLogger({ name: 't', level: 'silent' });
const call = SHORT_CALL;

async function fallBack(language: CallLanguageSpec | undefined, transferTarget?: string) {
  const twimls: string[] = [];
  const twilioRest = {
    updateCallTwiml: async (_sid: string, twiml: string) => void twimls.push(twiml),
    hangup: async () => {},
  } as unknown as TwilioRest;
  const appServer = {
    createHandoffTicket: async () => ({}),
    createCallbackTicket: async () => ({}),
  } as unknown as AppServerClient;
  const profile = { key: 'acme', ...(transferTarget ? { transferTarget } : {}) } as CallProfile;
  await takeDropFallback({
    call,
    profile,
    lifecycle: new CallLifecycle({ twilioRest, callSid: call.callSid, log }),
    appServer,
    log,
    transcript: async () => [],
    knowledgeChunkIds: new Set(),
    language: () => language,
  });
  expect(twimls).toHaveLength(1);
  return twimls[0]!;
}

const say = (twiml: string) => /<Say( language="([^"]+)")?>([^<]*)<\/Say>/.exec(twiml);

describe('the outage line Twilio says', () => {
  it("a Spanish call's transfer says the built-in Spanish line in Spanish", async () => {
    const s = say(await fallBack(languageSpec({ tag: 'es' }), '+14155550100'));
    expect(s?.[2]).toBe('es-ES');
    expect(s?.[3]).toMatch(/^Disculpe, tenemos un problema técnico/);
  });

  it('a regional tag Twilio takes is kept (es-MX)', async () => {
    const s = say(await fallBack(languageSpec({ tag: 'es-MX' }), '+14155550100'));
    expect(s?.[2]).toBe('es-MX');
  });

  it("the profile's own line for the language is said when given", async () => {
    const lines = { transfer: 'Un momento, le paso con una persona.', callback: 'Le llamaremos. Adiós.' };
    const spec = languageSpec({ tag: 'es', lines });
    expect(say(await fallBack(spec, '+14155550100'))?.slice(2)).toEqual(['es-ES', lines.transfer]);
    expect(say(await fallBack(spec))?.slice(2)).toEqual(['es-ES', lines.callback]);
  });

  it('a French callback promise is said in French', async () => {
    const s = say(await fallBack(languageSpec({ tag: 'fr-FR' })));
    expect(s?.[2]).toBe('fr-FR');
    expect(s?.[3]).toMatch(/Un collègue vous rappellera/);
  });

  it('a language with no built-in line, or one Twilio does not speak, gets the English line as en-US', async () => {
    for (const tag of ['sw', 'xx-YY', 'nl']) {
      expect(say(await fallBack(languageSpec({ tag }), '+14155550100'))?.slice(2)).toEqual([
        'en-US',
        DROP_TRANSFER,
      ]);
    }
    expect(say(await fallBack(undefined))?.slice(2)).toEqual(['en-US', DROP_CALLBACK]);
  });
});

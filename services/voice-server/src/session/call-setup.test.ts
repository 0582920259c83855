// A call that cannot start (no credits) gets Twilio's apology in the profile's first language: its
// `lines.apology`, else the built-in line, with `<Say language>`; an English profile keeps its own line.
import { createLogger } from '@switchboard/service-kit';
import { describe, expect, it } from 'vitest';
import type { CallAiServer, CallProfile } from '../ports/ai-server.ts';
import type { TwilioRest } from '../ports/twilio-rest.ts';
import { SHORT_CALL } from '../testing/short-call.ts';
import { setUpCall } from './call-setup.ts';
import { CallLifecycle } from './lifecycle.ts';
import { APOLOGIES } from './lines.ts';

const log = createLogger({ name: 't', level: 'silent' });

async function apologyWithNoCredits(profile: Partial<CallProfile>): Promise<string> {
  const twimls: string[] = [];
  const twilioRest = {
    updateCallTwiml: async (_sid: string, twiml: string) => void twimls.push(twiml),
    hangup: async () => {},
  } as unknown as TwilioRest;
  const aiServer = {
    checkCredits: async () => ({ available: false }),
    getBotProfile: async () => ({ key: 'acme', ...profile }),
    getSystemPrompt: async () => ({ instructions: '' }),
    getAvailableTools: async () => [],
  } as unknown as CallAiServer;
  const result = await setUpCall({
    call: SHORT_CALL,
    aiServer,
    lifecycle: new CallLifecycle({ twilioRest, callSid: 'CA1', log }),
    log,
    open: async () => {
      throw new Error('no socket without credits');
    },
    onAccepted: () => {},
    onRealtimeUnavailable: async () => {},
  });
  expect(result).toBeUndefined();
  expect(twimls).toHaveLength(1);
  return twimls[0]!;
}

describe('the apology when a call cannot start', () => {
  it("uses the first language's own apology, said in that language", async () => {
    const twiml = await apologyWithNoCredits({
      languages: [
        { tag: 'es-MX', greeting: 'Hola', lines: { apology: 'Lo sentimos, no podemos atenderle ahora.' } },
        { tag: 'en', greeting: 'Hi' },
      ],
    });
    expect(twiml).toContain('<Say language="es-MX">Lo sentimos, no podemos atenderle ahora.</Say>');
  });

  it('a German profile without one gets the built-in German apology', async () => {
    const twiml = await apologyWithNoCredits({ languages: [{ tag: 'de', greeting: 'Hallo' }] });
    expect(twiml).toMatch(/<Say language="de-DE">Entschuldigung, [^<]+<\/Say>/);
  });

  it('an English profile keeps the English line', async () => {
    const twiml = await apologyWithNoCredits({ language: 'en' });
    expect(twiml).toContain(`<Say language="en-US">${APOLOGIES.no_credits}</Say>`);
  });
});

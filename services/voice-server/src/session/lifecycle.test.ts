// A call Twilio says has ended (error 21220, "Call is not in-progress. Cannot redirect.", HTTP 400:
// Twilio error reference, https://www.twilio.com/docs/api/errors/21220) is already over: a transfer
// or an apology that races the caller's hang-up ends the call as the caller's, and is no failure.
// Through the real twilio SDK against the Calls REST fake, so the error has Twilio's shape.
import { createLogger } from '@switchboard/service-kit';
import { startTwilioRestFake, type TwilioRestFake } from '@switchboard/simulators/twilio';
import { afterEach, describe, expect, it } from 'vitest';
import { TwilioSdkRest } from '../ports/twilio-rest-sdk.ts';
import { CallLifecycle, callAlreadyOver } from './lifecycle.ts';

const ACCOUNT = `AC${'a'.repeat(32)}`;
const CALL = `CA${'b'.repeat(32)}`;
let fake: TwilioRestFake | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

async function endedCall() {
  fake = await startTwilioRestFake({ accountSid: ACCOUNT, authToken: 'secret' });
  fake.registerCall(CALL, { status: 'completed' });
  const lines: string[] = [];
  const log = createLogger({
    name: 't',
    level: 'debug',
    destination: { write: (l: string) => lines.push(l) },
  });
  const rest = new TwilioSdkRest({ accountSid: ACCOUNT, authToken: 'secret', apiBaseUrl: fake.baseUrl });
  const lifecycle = new CallLifecycle({ twilioRest: rest, callSid: CALL, log });
  const records = () => lines.map((l) => JSON.parse(l) as { level: number; msg: string });
  return { rest, lifecycle, records };
}

describe('a call that ended before our update', () => {
  it("Twilio's 21220 is recognised from the SDK's error", async () => {
    const { rest } = await endedCall();
    const err = await rest.updateCallTwiml(CALL, '<Response><Hangup/></Response>').catch((e: unknown) => e);
    expect(callAlreadyOver(err)).toBe(true);
    expect(callAlreadyOver(Object.assign(new Error('x'), { code: 20404 }))).toBe(false);
  });

  it('a transfer to a caller who already hung up ends the call as theirs, without an error', async () => {
    const { lifecycle, records } = await endedCall();
    await expect(
      lifecycle.transfer('<Response><Dial>+14155550100</Dial></Response>'),
    ).resolves.toBeUndefined();
    expect(lifecycle.isEnded).toBe(true);
    expect(lifecycle.endReason).toBe('caller_hangup');
    expect(records().filter((r) => r.level >= 40)).toEqual([]);
  });

  it('an apology to a caller who already hung up is no warning either', async () => {
    const { lifecycle, records } = await endedCall();
    await lifecycle.apologizeAndEnd('realtime_unavailable', 'Sorry.');
    expect(lifecycle.isEnded).toBe(true);
    expect(records().filter((r) => r.level >= 40)).toEqual([]);
    expect(records().map((r) => r.msg)).toContain('the caller had hung up before the apology');
  });
});

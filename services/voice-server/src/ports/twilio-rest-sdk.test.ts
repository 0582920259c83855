import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { TwilioSdkRest } from './twilio-rest-sdk.ts';

describe('TwilioSdkRest', () => {
  it('loads the SDK’s Calls API when it is built, so the first REST call of a process does not', () => {
    const req = createRequire(import.meta.url);
    const callModule = req.resolve('twilio/lib/rest/api/v2010/account/call');
    expect(req.cache[callModule]).toBeUndefined();
    new TwilioSdkRest({ accountSid: `AC${'1'.repeat(32)}`, authToken: 'token' });
    expect(req.cache[callModule]).toBeDefined();
  });
});

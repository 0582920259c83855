import { createRequire } from 'node:module';
import { startTwilioRestFake } from '@switchboard/simulators/twilio';
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

  it('starts a dual-channel recording with its status callback for completed and absent (Twilio simulator)', async () => {
    const accountSid = `AC${'1'.repeat(32)}`;
    const callSid = `CA${'2'.repeat(32)}`;
    const fake = await startTwilioRestFake({ accountSid, authToken: 'token' });
    try {
      fake.registerCall(callSid, { status: 'in-progress' });
      const rest = new TwilioSdkRest({ accountSid, authToken: 'token', apiBaseUrl: fake.baseUrl });
      const { recordingSid } = await rest.startRecording(callSid, {
        statusCallback: 'https://voice.example.com/twilio-recording/status',
      });
      expect(fake.recordings).toMatchObject([
        { sid: recordingSid, callSid, channels: 2, events: ['completed', 'absent'] },
      ]);
      const form = fake.requests.at(-1)!.form;
      expect(form).toMatchObject({
        RecordingChannels: 'dual',
        RecordingStatusCallback: 'https://voice.example.com/twilio-recording/status',
        RecordingStatusCallbackMethod: 'POST',
      });
      fake.setCallStatus(callSid, 'completed');
      await expect(
        rest.startRecording(callSid, { statusCallback: 'https://x.example/cb' }),
      ).rejects.toMatchObject({
        status: 400,
        code: 21220,
      });
    } finally {
      await fake.close();
    }
  });
});

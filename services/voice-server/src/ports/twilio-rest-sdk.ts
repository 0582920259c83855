import { createTwilioRestClient } from '@switchboard/telephony';
import type { TwilioRest } from './twilio-rest.ts';

const PRELOAD_CALL_SID = `CA${'0'.repeat(32)}`;

/** TwilioRest over the twilio SDK; `apiBaseUrl` points it at a fake when set. */
export class TwilioSdkRest implements TwilioRest {
  private readonly client: ReturnType<typeof createTwilioRestClient>;

  constructor(opts: { accountSid: string; authToken: string; apiBaseUrl?: string }) {
    this.client = createTwilioRestClient(opts);
    // The SDK loads its Calls API (80-odd modules) on first use: load it now, not mid-call, where it
    // would hold every call's audio for ~100 ms. Building a call context sends nothing.
    this.client.calls(PRELOAD_CALL_SID);
  }

  async updateCallTwiml(callSid: string, twiml: string): Promise<void> {
    await this.client.calls(callSid).update({ twiml });
  }

  async hangup(callSid: string): Promise<void> {
    await this.client.calls(callSid).update({ status: 'completed' });
  }
}

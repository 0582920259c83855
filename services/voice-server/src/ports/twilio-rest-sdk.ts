import { createTwilioRestClient } from '@switchboard/telephony';
import type { TwilioRest } from './twilio-rest.ts';

/** TwilioRest over the twilio SDK; `apiBaseUrl` points it at a fake when set. */
export class TwilioSdkRest implements TwilioRest {
  private readonly client: ReturnType<typeof createTwilioRestClient>;

  constructor(opts: { accountSid: string; authToken: string; apiBaseUrl?: string }) {
    this.client = createTwilioRestClient(opts);
  }

  async updateCallTwiml(callSid: string, twiml: string): Promise<void> {
    await this.client.calls(callSid).update({ twiml });
  }

  async hangup(callSid: string): Promise<void> {
    await this.client.calls(callSid).update({ status: 'completed' });
  }
}

import { FakeAiServer } from '@switchboard/voice-server/testing';

/** voice-server's fake ai-server, answering the Acme number and SIP domain only. */
export class TestAiServer extends FakeAiServer {
  constructor() {
    super({ to: ['+18005550100'], sipDomain: ['acme.sip.twilio.com'] });
  }
}

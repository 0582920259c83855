import type { CallTransport } from '../ports/call-transport.ts';
import type { TwilioRest } from '../ports/twilio-rest.ts';

/**
 * What the session asks of Twilio's Calls API, for a browser call that has no phone line: hanging up
 * closes the browser's socket, and new TwiML (a transfer, an apology) cannot be played, so the call
 * ends there too. The session's own goodbye has been heard by then.
 */
export function webCallLine(transport: Pick<CallTransport, 'close'>): TwilioRest {
  return {
    async updateCallTwiml() {
      transport.close(1000, 'call ended');
    },
    async hangup() {
      transport.close(1000, 'call ended');
    },
    // A browser call is never recorded at Twilio.
    async deleteRecording() {},
  };
}

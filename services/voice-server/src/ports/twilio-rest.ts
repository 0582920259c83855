/** The parts of Twilio's Calls REST API voice-server uses. */
export interface TwilioRest {
  /** Replaces the live call's TwiML (transfer, apology). */
  updateCallTwiml(callSid: string, twiml: string): Promise<void>;
  /** Ends the call. */
  hangup(callSid: string): Promise<void>;
}

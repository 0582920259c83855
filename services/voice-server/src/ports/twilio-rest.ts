/** The parts of Twilio's Calls REST API voice-server uses. */
export interface TwilioRest {
  /** Replaces the live call's TwiML (transfer, apology). */
  updateCallTwiml(callSid: string, twiml: string): Promise<void>;
  /** Ends the call. */
  hangup(callSid: string): Promise<void>;
  /** Deletes a recording (one no conversation will ever hold); an unknown SID is already gone. */
  deleteRecording(recordingSid: string): Promise<void>;
}

/** An outbound call to create through the Calls API. */
export interface CreateCallParams {
  to: string;
  from: string;
  /** Where Twilio fetches the TwiML once the callee answers. */
  url: string;
  statusCallback: string;
  /** AMD: `Enable` (verdict at once) or `DetectMessageEnd` (a machine's verdict after its beep). */
  machineDetection: 'Enable' | 'DetectMessageEnd';
  /** Where the asynchronous AMD verdict goes. */
  asyncAmdStatusCallback: string;
  /** Ring time before no-answer, seconds. */
  timeoutSec: number;
}

export type CreateCallResult =
  | { ok: true; callSid: string; status: string }
  /** Twilio answered 4xx: it will not place this call (its error code says why). */
  | { ok: false; refused: true; twilioCode?: number; message: string }
  /** Twilio could not be reached or failed. */
  | { ok: false; refused: false; message: string };

/** Places outbound calls (`calls.create`). */
export interface TwilioCallCreator {
  createCall(params: CreateCallParams): Promise<CreateCallResult>;
}

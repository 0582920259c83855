import type { Logger } from '@switchboard/service-kit';
import type { CallAiServer, CallProfile } from './ai-server.ts';
import type { AppServerClient, TranscriptMessage } from './app-server.ts';

/** Who is calling and on which stream; from the Twilio `start` message and its custom parameters. */
export interface CallInfo {
  streamSid: string;
  callSid: string;
  accountSid: string;
  botProfileKey: string;
  isSip: boolean;
  callerNumber: string;
  freshcallerCallId?: string;
  /** A browser test call (`/web-call`): no phone line, no Twilio. Absent: a Twilio call. */
  channel?: 'web';
}

/**
 * What a tool sees of a call: its facts, the peers it may ask, and the few things it may do to the
 * call. Tools never see the session itself.
 */
export interface CallControl {
  readonly call: CallInfo;
  readonly profile: CallProfile;
  readonly log: Logger;
  /** Aborted when the tool times out or the call ends. */
  readonly signal: AbortSignal;
  readonly aiServer: CallAiServer;
  readonly appServer: AppServerClient;
  /** The conversation so far, in order. */
  transcript(): TranscriptMessage[];
  /** The conversation once the caller's last words are transcribed (waiting at most `timeoutMs`). */
  settledTranscript(timeoutMs: number): Promise<TranscriptMessage[]>;
  /** The language knowledge is searched in now (primary subtag), once the call has one. */
  knowledgeLanguage(): string | undefined;
  /** Knowledge chunks retrieved during this call (for the warm hand-off). */
  readonly knowledgeChunkIds: Set<string>;
  /** Replaces the live call's TwiML with a transfer (`<Dial>`); Twilio then ends the stream. */
  transfer(twiml: string): Promise<void>;
  /** Hangs the call up (after the goodbye has played). */
  hangUp(): Promise<void>;
}

/**
 * Starts a call's recording once its stream has started (the call is live, the consent notice said):
 * Twilio's Recordings API, both sides in their own channel, its status callback signed to
 * `/twilio-recording/status`. Never blocks or fails the call: a refusal is logged and counted.
 */
import type { TwilioRecordingStarter } from '../ports/twilio-rest.ts';

/** The path Twilio posts recording status callbacks to. */
export const RECORDING_STATUS_PATH = '/twilio-recording/status';

interface Log {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

/** Starts recordings, at most one per call SID. */
export class CallRecordings {
  private readonly started = new Set<string>();
  private readonly statusCallback: string;

  constructor(
    private readonly twilio: TwilioRecordingStarter,
    publicBaseUrl: string,
    private readonly onOutcome?: (outcome: 'started' | 'refused') => void,
  ) {
    this.statusCallback = publicBaseUrl.replace(/\/+$/, '') + RECORDING_STATUS_PATH;
  }

  /** Asks Twilio to record `callSid`; resolves when it answered (never rejects). */
  async start(callSid: string, log: Log): Promise<string | undefined> {
    if (this.started.has(callSid)) return undefined;
    this.started.add(callSid);
    // Forget the SID after a day: a replica holds no call that long.
    setTimeout(() => this.started.delete(callSid), 86_400_000).unref();
    try {
      const { recordingSid } = await this.twilio.startRecording(callSid, {
        statusCallback: this.statusCallback,
      });
      this.onOutcome?.('started');
      log.info({ recordingSid }, 'call recording started');
      return recordingSid;
    } catch (err) {
      const e = err as { status?: number; code?: number; message?: string };
      this.onOutcome?.('refused');
      log.warn(
        { twilioCode: e.code, status: e.status, err: { message: (e.message ?? '').slice(0, 200) } },
        'call recording not started',
      );
      return undefined;
    }
  }
}

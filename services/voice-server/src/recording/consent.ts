/**
 * Call recording and its consent notice: a profile that records answers with `<Start><Recording>`
 * (both sides in their own channel, the status callback signed to RECORDING_STATUS_PATH), then the
 * notice said by Twilio before the stream opens (so before the greeting or the outbound opening, never
 * interrupted by barge-in). Twilio records from `<Start>` on, so the notice is in the recording.
 */
import type { CallProfile } from '../ports/ai-server.ts';

/** Said when a profile records calls without a notice of its own. */
export const DEFAULT_CONSENT_NOTICE = 'This call may be recorded for quality and training purposes.';

/** The path Twilio posts recording status callbacks to. */
export const RECORDING_STATUS_PATH = '/twilio-recording/status';

/** The notice to say before the call, or null when the profile does not record. */
export function consentNoticeOf(profile: Pick<CallProfile, 'recording'> | undefined): string | null {
  if (!profile?.recording?.enabled) return null;
  const notice = profile.recording.consentNotice?.trim();
  return notice ? notice : DEFAULT_CONSENT_NOTICE;
}

/** The TwiML recording start and notice for a call of `profile`; empty when it is not recorded. */
export function recordingTwiml(
  profile: Pick<CallProfile, 'recording' | 'language'> | undefined,
  publicBaseUrl: string,
): {
  sayFirst?: { text: string; language?: string };
  startRecording?: { statusCallback: string; channels: 'dual' };
} {
  const text = consentNoticeOf(profile);
  if (!text) return {};
  return {
    startRecording: {
      statusCallback: publicBaseUrl.replace(/\/+$/, '') + RECORDING_STATUS_PATH,
      channels: 'dual',
    },
    sayFirst: { text, ...(profile?.language ? { language: profile.language } : {}) },
  };
}

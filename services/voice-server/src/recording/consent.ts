/**
 * Call recording's consent notice: a profile that records has its notice said by Twilio before the
 * stream opens (so before the greeting or the outbound opening, and never interrupted by barge-in);
 * the stream's signed parameters then carry RECORD_PARAM, and only such a stream starts a recording.
 */
import type { CallProfile } from '../ports/ai-server.ts';

/** Said when a profile records calls without a notice of its own. */
export const DEFAULT_CONSENT_NOTICE = 'This call may be recorded for quality and training purposes.';

/** The stream parameter (covered by the stream token) that asks for the call to be recorded. */
export const RECORD_PARAM = 'record_call';

/** The notice to say before the call, or null when the profile does not record. */
export function consentNoticeOf(profile: Pick<CallProfile, 'recording'> | undefined): string | null {
  if (!profile?.recording?.enabled) return null;
  const notice = profile.recording.consentNotice?.trim();
  return notice ? notice : DEFAULT_CONSENT_NOTICE;
}

/** The TwiML `sayFirst` and stream parameter for a call of `profile`; empty when it is not recorded. */
export function recordingTwiml(profile: Pick<CallProfile, 'recording' | 'language'> | undefined): {
  sayFirst?: { text: string; language?: string };
  parameters: Record<string, string>;
} {
  const text = consentNoticeOf(profile);
  if (!text) return { parameters: {} };
  return {
    sayFirst: { text, ...(profile?.language ? { language: profile.language } : {}) },
    parameters: { [RECORD_PARAM]: 'dual' },
  };
}

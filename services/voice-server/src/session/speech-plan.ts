import type { CallProfile } from '../ports/ai-server.ts';
import type { Transcriber, TranscriberProvider } from '../ports/transcriber.ts';
import type { TtsStreamFactory, TtsVoice } from '../ports/tts-stream.ts';

/** The external speech providers this process has keys for (none: every call uses the model's audio). */
export interface SpeechProviders {
  /** ElevenLabs text-to-speech (`ELEVENLABS_API_KEY`). */
  tts?: TtsStreamFactory;
  /** Caller transcription by provider (`CARTESIA_API_KEY`, `ELEVENLABS_API_KEY`). */
  transcribers?: Partial<Record<TranscriberProvider, Transcriber>>;
}

/** What one call uses, from its profile and the providers configured. */
export interface SpeechPlan {
  /** Speak with this external voice (the Realtime session then answers in text). */
  voice?: TtsVoice;
  /** Transcribe each caller turn with this provider too, in the background. */
  transcriber?: Transcriber;
  /** What the profile asked for that this call cannot have, said once at the call's start. */
  problems: string[];
}

/** ElevenLabs voice ids: letters and digits (ai-server checks the same). */
export const ELEVENLABS_VOICE_ID = /^[A-Za-z0-9]{1,128}$/;

/**
 * Which external voice and transcriber a call on `profile` uses. A provider the profile names but the
 * process has no key for is left out with a problem (the call goes on with the model's own audio, or
 * with the Realtime transcript alone), never a failed call.
 */
export function speechPlanFor(profile: CallProfile, providers: SpeechProviders = {}): SpeechPlan {
  const plan: SpeechPlan = { problems: [] };
  const v = profile.voice;
  if (v?.provider === 'elevenlabs') {
    if (!providers.tts)
      plan.problems.push(
        "The profile speaks with an ElevenLabs voice, but no ElevenLabs key is configured; the model's own voice was used.",
      );
    else if (!v.voiceId || !ELEVENLABS_VOICE_ID.test(v.voiceId))
      plan.problems.push("The profile's ElevenLabs voice id is not usable; the model's own voice was used.");
    else plan.voice = { voiceId: v.voiceId, ...(v.settings ? { settings: v.settings } : {}) };
  }
  const t = profile.transcriber?.provider;
  if (t === 'cartesia' || t === 'elevenlabs') {
    const transcriber = providers.transcribers?.[t];
    const language = callerLanguage(profile);
    if (transcriber && t === 'cartesia' && language && language !== 'en')
      // ink-whisper's manual-finalize socket takes `language: "en"` only (the SDK's type says so).
      plan.problems.push(
        `The profile's callers speak ${language}, which Cartesia's turn transcription does not take; only the Realtime transcript is kept.`,
      );
    else if (transcriber) plan.transcriber = transcriber;
    else
      plan.problems.push(
        `The profile asks for ${t === 'cartesia' ? 'Cartesia' : 'ElevenLabs Scribe'} transcripts, but no key for it is configured; only the Realtime transcript is kept.`,
      );
  }
  return plan;
}

/** The caller's language for an external transcriber: the profile's (its primary subtag, `es-MX` → `es`). */
export function callerLanguage(profile: CallProfile): string | undefined {
  const tag = profile.transcriber?.language ?? profile.language;
  const primary = tag?.split('-')[0]?.toLowerCase();
  return primary && /^[a-z]{2,3}$/.test(primary) ? primary : undefined;
}

import {
  isTranscriptionLanguage,
  phoneSessionConfig,
  REALTIME_SPEED,
  REALTIME_TRANSCRIPTION_MODELS,
  REALTIME_VOICES,
  type RealtimeFunctionTool,
  type RealtimeSessionCreateRequest,
} from '@switchboard/realtime';
import { type CallLanguageSpec, languageSpec, servedLanguages, withLanguage } from '../language/languages.ts';
import type { CallProfile } from '../ports/ai-server.ts';

/** The voice used when a profile's is not one the Realtime API has. */
export const DEFAULT_REALTIME_VOICE = 'marin';
/** The Realtime API's transcription model when the profile names none. */
export const DEFAULT_TRANSCRIPTION_MODEL = 'gpt-4o-mini-transcribe';

export interface CallSessionConfig {
  config: RealtimeSessionCreateRequest;
  /** What of the profile could not be sent as it is, and what was used instead (for the conversation). */
  problems: string[];
}

/**
 * The Realtime session configuration for a call on `profile`. Nothing the API would refuse is sent (a
 * refused session.update leaves the caller in silence): a voice or speed it does not have falls back
 * to the default, and says so. Caller transcription is always asked for, in the profile's language when
 * the API takes it as a hint (without one otherwise, and says so).
 */
export function sessionConfigFor(
  profile: CallProfile,
  instructions: string,
  tools: RealtimeFunctionTool[],
  /** The call speaks with an external voice: the session answers in text (its own voice kept for a fallback). */
  opts: { textOnly?: boolean; language?: CallLanguageSpec } = {},
): CallSessionConfig {
  const problems: string[] = [];
  // The language the call starts in: its rule ends the instructions, its hint goes to transcription.
  const first = opts.language ?? servedLanguages(profile)[0]!;
  const voice = profile.voice ?? {};
  let voiceId: string | undefined = voice.voiceId;
  if (voice.provider && voice.provider !== 'openai') {
    // An external voice (speech-plan.ts says when it cannot be used): this is its fallback voice.
    voiceId = DEFAULT_REALTIME_VOICE;
  } else if (voiceId !== undefined && !(REALTIME_VOICES as readonly string[]).includes(voiceId)) {
    problems.push(
      `The profile's voice "${voiceId.slice(0, 64)}" is not a Realtime voice; the default voice was used.`,
    );
    voiceId = DEFAULT_REALTIME_VOICE;
  }
  let speed = voice.provider === 'elevenlabs' ? undefined : voice.speed;
  if (speed !== undefined && !(speed >= REALTIME_SPEED.min && speed <= REALTIME_SPEED.max)) {
    problems.push(
      `The profile's speed ${speed} is outside ${REALTIME_SPEED.min}–${REALTIME_SPEED.max}; normal speed was used.`,
    );
    speed = undefined;
  }
  const t = profile.transcriber;
  const model =
    t?.provider === 'openai' &&
    t.model &&
    (REALTIME_TRANSCRIPTION_MODELS as readonly string[]).includes(t.model)
      ? t.model
      : DEFAULT_TRANSCRIPTION_MODEL;
  // The hint as the profile gave it (a problem names it), or the language's own hint when it has one.
  // A profile serving several languages sends no hint until the caller's language is known: a hint
  // of the first language makes the transcriber render other speech in it, and detection reads that.
  const several = (profile.languages?.length ?? 0) > 1;
  const hint =
    t?.language ??
    (several ? undefined : first.transcription === first.base ? first.tag : first.transcription);
  const language = transcriptionLanguage(hint, problems);
  const config = phoneSessionConfig({
    // A profile without a language (never from ai-server, which requires one) gets no rule.
    instructions:
      profile.language || profile.languages?.length ? withLanguage(instructions, first) : instructions,
    ...(voiceId ? { voice: voiceId } : {}),
    ...(speed !== undefined ? { speed } : {}),
    ...(profile.vadThreshold !== undefined ? { vadThreshold: profile.vadThreshold } : {}),
    inputTranscriptionModel: model,
    ...(language ? { inputTranscriptionLanguage: language } : {}),
    tools,
    ...(opts.textOnly ? { textOnly: true } : {}),
  });
  return { config, problems };
}

/**
 * The brand's prompt, with the language to speak stated once at its end: `Speak Spanish (es) with the
 * caller…` (a tag, or the call's language with its addendum).
 */
export function withLanguageRule(
  instructions: string,
  language: string | CallLanguageSpec | undefined,
): string {
  if (!language) return instructions;
  return withLanguage(
    instructions,
    typeof language === 'string' ? languageSpec({ tag: language }) : language,
  );
}

/**
 * The transcription hint for a profile's language (BCP 47, as ai-server accepts it): its primary
 * subtag when the API lists it, else none (the API would refuse the whole session.update), noted.
 */
function transcriptionLanguage(tag: string | undefined, problems: string[]): string | undefined {
  if (!tag?.trim()) return undefined;
  const base = tag.trim().toLowerCase().split(/[-_]/)[0] ?? '';
  if (isTranscriptionLanguage(base)) return base;
  problems.push(
    `The profile's language "${tag.slice(0, 35)}" is not one the Realtime API transcribes with a language hint; caller speech is transcribed without one.`,
  );
  return undefined;
}

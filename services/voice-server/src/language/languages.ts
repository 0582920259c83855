import type { LanguageLinesDto, ProfileLanguageDto } from '@switchboard/service-kit/clients/ai-server';
import type { CallProfile } from '../ports/ai-server.ts';

/** One language a call can be in: the profile's entry for it, with its defaults filled in. */
export interface CallLanguageSpec {
  /** BCP 47, as the profile has it ("es", "es-MX"). */
  tag: string;
  /** Its primary subtag ("es"). */
  base: string;
  /** Its English name ("Spanish"). */
  name: string;
  greeting?: string;
  lines?: LanguageLinesDto;
  /** Appended to the instructions while the call is in it. */
  instructions?: string;
  voice?: string;
  /** The transcription hint (ISO 639-1). */
  transcription: string;
  /** The language of the knowledge articles searched in it. */
  knowledge: string;
}

const englishNames = new Intl.DisplayNames(['en'], { type: 'language', fallback: 'none' });

/** The primary subtag of a BCP 47 tag, lower case ("es-MX" → "es"). */
export function baseOf(tag: string): string {
  return tag.trim().toLowerCase().split(/[-_]/)[0] ?? '';
}

/** The English name of a language ("es" → "Spanish"); the tag itself when unknown. */
export function englishName(tag: string): string {
  const base = baseOf(tag);
  try {
    return englishNames.of(base) ?? tag;
  } catch {
    return tag;
  }
}

/** One language as the call uses it. */
export function languageSpec(dto: Partial<ProfileLanguageDto> & { tag: string }): CallLanguageSpec {
  const base = baseOf(dto.tag) || 'en';
  return {
    tag: dto.tag.trim() || 'en',
    base,
    name: englishName(base),
    ...(dto.greeting ? { greeting: dto.greeting } : {}),
    ...(dto.lines ? { lines: dto.lines } : {}),
    ...(dto.instructions?.trim() ? { instructions: dto.instructions.trim() } : {}),
    ...(dto.voice ? { voice: dto.voice } : {}),
    transcription: baseOf(dto.transcriptionLanguage ?? '') || base,
    knowledge: baseOf(dto.knowledgeLanguage ?? '') || base,
  };
}

/**
 * The languages a call on `profile` may be in, its first language first: the profile's `languages`,
 * or its `language` alone (with its greeting) when it lists none.
 */
export function servedLanguages(profile: CallProfile): CallLanguageSpec[] {
  const listed = (profile.languages ?? []).filter((l) => typeof l?.tag === 'string' && l.tag.trim());
  if (listed.length > 0) return listed.map(languageSpec);
  return [
    languageSpec({
      tag: profile.language?.trim() || 'en',
      ...(profile.greeting ? { greeting: profile.greeting } : {}),
    }),
  ];
}

/** "English and Spanish", "English, Spanish and French". */
export function namesOf(languages: readonly CallLanguageSpec[]): string {
  const names = languages.map((l) => l.name);
  if (names.length <= 1) return names[0] ?? '';
  return `${names.slice(0, -1).join(', ')} and ${names.at(-1)}`;
}

/**
 * The language rule stated once at the end of the instructions: the language in force by English name
 * and tag (the Realtime simulator reads the last such directive), then the language's own addendum.
 */
export function languageRule(language: CallLanguageSpec): string {
  const rule = `# Language\nSpeak ${language.name} (${language.tag}) with the caller, unless they ask for another language.`;
  return language.instructions ? `${rule}\n${language.instructions}` : rule;
}

/** The brand's prompt with the language rule at its end. */
export function withLanguage(instructions: string, language: CallLanguageSpec): string {
  return `${instructions.trimEnd()}\n\n${languageRule(language)}`;
}

/**
 * The profile as the call starts in `first`: with the language's own voice when it has one (an OpenAI
 * voice, or an ElevenLabs voice id on a profile that speaks with ElevenLabs).
 */
export function withStartVoice(profile: CallProfile, first: CallLanguageSpec): CallProfile {
  if (!first.voice) return profile;
  return { ...profile, voice: { ...(profile.voice ?? {}), voiceId: first.voice } };
}

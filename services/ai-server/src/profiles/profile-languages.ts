/**
 * The languages a profile serves (`languages`): their JSON schema, and the checks JSON schema can't
 * make (a known language, no tag twice, a voice the profile's provider has), each naming the field.
 * The first language is the call's first one: a profile with `languages` answers `language` and
 * `greeting` from it, so readers that know one language stay right.
 */
import { REALTIME_VOICES } from '@switchboard/realtime';
import type { ProfileLanguageDto, VoiceConfig } from '@switchboard/service-kit/clients/ai-server';
import {
  isKnownLanguageTag,
  LANGUAGE_SUBTAG_PATTERN,
  LANGUAGE_TAG_PATTERN,
} from '../languages/language-tags.ts';
import { ELEVENLABS_VOICE_ID } from './voice-schema.ts';

/** Languages one profile may serve. */
export const MAX_PROFILE_LANGUAGES = 10;
/** A greeting, like the profile's own. */
export const MAX_LANGUAGE_GREETING_CHARS = 2000;
/** One of the product's own lines: a sentence or two. */
export const MAX_LANGUAGE_LINE_CHARS = 500;
/** The instructions addendum of one language. */
export const MAX_LANGUAGE_INSTRUCTIONS_CHARS = 10_000;

export const LANGUAGE_LINE_KEYS = [
  'stillThere',
  'goodbye',
  'apology',
  'wrapUp',
  'transfer',
  'callback',
] as const;

const line = { type: 'string', minLength: 1, maxLength: MAX_LANGUAGE_LINE_CHARS } as const;

/** One language: its tag and greeting, and optionally lines, addendum, voice and language hints. */
export const profileLanguageSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['tag', 'greeting'],
  properties: {
    tag: { type: 'string', maxLength: 35, pattern: LANGUAGE_TAG_PATTERN },
    greeting: { type: 'string', minLength: 1, maxLength: MAX_LANGUAGE_GREETING_CHARS, pattern: '\\S' },
    lines: {
      type: 'object',
      additionalProperties: false,
      properties: Object.fromEntries(LANGUAGE_LINE_KEYS.map((k) => [k, line])),
    },
    instructions: { type: 'string', maxLength: MAX_LANGUAGE_INSTRUCTIONS_CHARS },
    voice: { type: 'string', minLength: 1, maxLength: 128 },
    transcriptionLanguage: { type: 'string', pattern: LANGUAGE_SUBTAG_PATTERN },
    knowledgeLanguage: { type: 'string', pattern: LANGUAGE_SUBTAG_PATTERN },
  },
} as const;

/** The profile field: an empty list makes the profile serve `language` alone again. */
export const languagesSchema = {
  type: 'array',
  maxItems: MAX_PROFILE_LANGUAGES,
  items: profileLanguageSchema,
} as const;

/** What of (schema-valid) languages the profile can't serve, given its voice; messages name the field. */
export function languageProblems(
  languages: readonly ProfileLanguageDto[] | undefined,
  voice: VoiceConfig | undefined,
): string[] {
  if (!languages) return [];
  const problems: string[] = [];
  const seen = new Map<string, number>();
  languages.forEach((l, i) => {
    const at = `body.languages.${i}`;
    if (!isKnownLanguageTag(l.tag))
      problems.push(`${at}.tag is not a known language (ISO 639 primary subtag)`);
    // Tags are case-insensitive (RFC 5646 §2.1.1): "es-MX" and "es-mx" are the same language.
    const first = seen.get(l.tag.toLowerCase());
    if (first !== undefined) problems.push(`${at}.tag repeats body.languages.${first}.tag`);
    else seen.set(l.tag.toLowerCase(), i);
    for (const hint of ['transcriptionLanguage', 'knowledgeLanguage'] as const) {
      const v = l[hint];
      if (v !== undefined && !isKnownLanguageTag(v)) problems.push(`${at}.${hint} is not a known language`);
    }
    if (l.voice !== undefined && voice) {
      if (voice.provider === 'openai' && !(REALTIME_VOICES as readonly string[]).includes(l.voice))
        problems.push(`${at}.voice must be a Realtime voice (${REALTIME_VOICES.join(', ')})`);
      if (voice.provider === 'elevenlabs' && !ELEVENLABS_VOICE_ID.test(l.voice))
        problems.push(`${at}.voice must be letters and digits for an ElevenLabs voice`);
    }
  });
  return problems;
}

/** The stored list as the DTO carries it: absent for a profile serving `language` alone. */
export function languagesOf(stored: unknown): ProfileLanguageDto[] | undefined {
  return Array.isArray(stored) && stored.length ? (stored as ProfileLanguageDto[]) : undefined;
}

/** What a create or patch says about languages, and what the profile has now (absent on create). */
export interface LanguageChange {
  languages?: ProfileLanguageDto[];
  language?: string;
  greeting?: string | null;
}

/**
 * The `languages`, `language` and `greeting` a change leaves, or a problem naming the field. With
 * languages, `language` and `greeting` follow the first one: a `language` that disagrees is refused,
 * and a `greeting` alone becomes the first language's greeting. An empty list clears `languages`
 * (the profile serves `language` alone, with its greeting as it stood).
 */
export function languageColumns(
  change: LanguageChange,
  existing: ProfileLanguageDto[] | undefined,
): { languages?: ProfileLanguageDto[] | null; language?: string; greeting?: string | null } | string {
  const given = change.languages;
  if (given !== undefined && !given.length) return { languages: null };
  let languages = given ?? existing;
  if (!languages) return {};
  const first = languages[0]!;
  if (change.language !== undefined && change.language !== first.tag)
    return 'body.language must be body.languages.0.tag while the profile has languages';
  if (change.greeting !== undefined && change.greeting !== first.greeting) {
    if (given) return 'body.greeting must be body.languages.0.greeting while the profile has languages';
    if (change.greeting === null || !/\S/.test(change.greeting))
      return "body.greeting is the first language's greeting and is required while the profile has languages";
    languages = [{ ...first, greeting: change.greeting }, ...languages.slice(1)];
  }
  return { languages, language: languages[0]!.tag, greeting: languages[0]!.greeting };
}

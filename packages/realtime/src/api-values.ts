/**
 * Values the OpenAI Realtime API accepts, shared by the product (it sends nothing the API would refuse)
 * and the Realtime simulator (it refuses what the API refuses). No imports: the simulator takes this
 * file alone.
 */

/**
 * The built-in Realtime voices (`audio.output.voice`; GA schema `VoiceIdsShared`). The schema types
 * the field as any string, but the server refuses other names with `invalid_value` and this list.
 */
export const REALTIME_VOICES = [
  'alloy',
  'ash',
  'ballad',
  'coral',
  'echo',
  'sage',
  'shimmer',
  'verse',
  'marin',
  'cedar',
] as const;

/** The range of `audio.output.speed` the API accepts. */
export const REALTIME_SPEED = { min: 0.25, max: 1.5 } as const;

/**
 * Languages `audio.input.transcription.language` may name: ISO-639-1 codes, as the real API lists them
 * in its `invalid_value` error for any other value (quoted in Azure-Samples/aoai-realtime-audio-sdk#150).
 */
// biome-ignore format: a table reads better than one code per line
export const TRANSCRIPTION_LANGUAGES = [
  'af', 'ar', 'az', 'be', 'bg', 'bs', 'ca', 'cs', 'cy', 'da', 'de', 'el', 'en', 'es', 'et', 'fa',
  'fi', 'fr', 'gl', 'he', 'hi', 'hr', 'hu', 'hy', 'id', 'is', 'it', 'ja', 'kk', 'kn', 'ko', 'lt',
  'lv', 'mi', 'mk', 'mr', 'ms', 'ne', 'nl', 'no', 'pl', 'pt', 'ro', 'ru', 'sk', 'sl', 'sr', 'sv',
  'sw', 'ta', 'th', 'tl', 'tr', 'uk', 'ur', 'vi', 'zh',
] as const;

/** True when the API takes `code` as a transcription language. */
export function isTranscriptionLanguage(code: string): boolean {
  return (TRANSCRIPTION_LANGUAGES as readonly string[]).includes(code);
}

import { baseOf } from './languages.ts';

/**
 * Languages a caller may name, by ISO 639-1 code: the ones the detector knows and telephony commonly
 * serves. A name is matched against each one's English and native names.
 */
const KNOWN = [
  'ar',
  'bg',
  'bn',
  'ca',
  'cs',
  'cy',
  'da',
  'de',
  'el',
  'en',
  'es',
  'et',
  'eu',
  'fa',
  'fi',
  'fr',
  'ga',
  'gl',
  'gu',
  'he',
  'hi',
  'hr',
  'hu',
  'hy',
  'id',
  'is',
  'it',
  'ja',
  'ka',
  'kn',
  'ko',
  'lt',
  'lv',
  'mk',
  'ml',
  'mr',
  'ms',
  'nl',
  'no',
  'pa',
  'pl',
  'pt',
  'ro',
  'ru',
  'sk',
  'sl',
  'sq',
  'sr',
  'sv',
  'sw',
  'ta',
  'te',
  'th',
  'tl',
  'tr',
  'uk',
  'ur',
  'vi',
  'yo',
  'zh',
] as const;

/** Lower case, without accents or punctuation: "Español" → "espanol". */
function fold(text: string): string {
  return text
    .normalize('NFD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/[^\p{L}\s]/gu, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}

let names: Map<string, string> | undefined;

/** Every known language's English and native name, folded, to its code (built once). */
function nameIndex(): Map<string, string> {
  if (names) return names;
  names = new Map();
  const english = new Intl.DisplayNames(['en'], { type: 'language', fallback: 'none' });
  for (const code of KNOWN) {
    const native = new Intl.DisplayNames([code], { type: 'language', fallback: 'none' });
    for (const name of [english.of(code), native.of(code)]) if (name) names.set(fold(name), code);
  }
  return names;
}

const TAG = /^[a-z]{2,3}(?:[-_][a-z0-9]{2,8})*$/i;

/**
 * The language `input` names, as a primary subtag: a BCP 47 tag ("es", "es-MX", "fra" is not taken:
 * ISO 639-1 only, like the profile's tags) or an English or native name ("Spanish", "español",
 * "Deutsch"). Undefined when it names none.
 */
export function resolveLanguage(input: string): string | undefined {
  const text = input.trim();
  if (!text || text.length > 40) return undefined;
  if (TAG.test(text)) {
    const base = baseOf(text);
    if ((KNOWN as readonly string[]).includes(base)) return base;
  }
  return nameIndex().get(fold(text));
}

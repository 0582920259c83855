import type { LanguageSwitch } from './types.ts';

/**
 * The shape of a BCP 47 tag as calls carry them ("en", "es-MX", "zh-Hant-TW"): a 2 to 8 letter
 * language, then subtags of 1 to 8 letters or digits; at most 35 characters (RFC 5646 §4.4.1).
 */
export const LANGUAGE_TAG_PATTERN = '^[A-Za-z]{2,8}(-[A-Za-z0-9]{1,8})*$';
export const LANGUAGE_TAG_MAX = 35;
const TAG = new RegExp(LANGUAGE_TAG_PATTERN);

/** True when `tag` has the shape of a BCP 47 tag. */
export function isLanguageTag(tag: string): boolean {
  return tag.length <= LANGUAGE_TAG_MAX && TAG.test(tag);
}

const sameTag = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();

/**
 * A call's languages after a language message: an empty list first gains the language the call was
 * in (`from`); a served switch then adds its `to`. Distinct (tags compare case-insensitively), order kept.
 */
export function languagesAfter(languages: readonly string[], s: LanguageSwitch): string[] {
  const out = languages.length ? [...languages] : [s.from];
  if (s.served && !out.some((l) => sameTag(l, s.to))) out.push(s.to);
  return out;
}

/** True when a call in `languages` matches the filter `tag`: the same tag, or one it is a prefix of. */
export function speaksLanguage(languages: readonly string[], tag: string): boolean {
  const t = tag.toLowerCase();
  return languages.some((l) => {
    const x = l.toLowerCase();
    return x === t || x.startsWith(`${t}-`);
  });
}

const names = new Intl.DisplayNames(['en'], { type: 'language', fallback: 'code' });

/** A tag's English name ("es" → "Spanish"); the tag itself when it names no language known here. */
export function languageName(tag: string): string {
  try {
    return names.of(tag) ?? tag;
  } catch {
    return tag;
  }
}

/**
 * A language message in words: "Language: English → Spanish, detected 0.93", or "Caller asked for
 * French, not served: offered a transfer or a callback".
 */
export function describeLanguageSwitch(s: LanguageSwitch): string {
  if (!s.served)
    return `Caller asked for ${languageName(s.to)}, not served: offered a transfer or a callback`;
  const confidence = s.confidence !== undefined ? ` ${s.confidence.toFixed(2)}` : '';
  return `Language: ${languageName(s.from)} → ${languageName(s.to)}, ${s.how}${confidence}`;
}

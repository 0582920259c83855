/**
 * Language tags as profiles and knowledge articles name them: BCP 47 (RFC 5646) tags whose primary
 * subtag is an ISO 639-1 code, or one of the ISO 639-3 codes tags use where no two-letter code exists;
 * and the Postgres full-text configuration each language's text is indexed and searched with.
 */

/** ISO 639-1: every two-letter language code. */
const ISO_639_1 = `aa ab ae af ak am an ar as av ay az ba be bg bi bm bn bo br bs ca ce ch co cr cs cu cv cy
  da de dv dz ee el en eo es et eu fa ff fi fj fo fr fy ga gd gl gn gu gv ha he hi ho hr ht hu hy hz
  ia id ie ig ii ik io is it iu ja jv ka kg ki kj kk kl km kn ko kr ks ku kv kw ky la lb lg li ln lo lt
  lu lv mg mh mi mk ml mn mr ms mt my na nb nd ne ng nl nn no nr nv ny oc oj om or os pa pi pl ps pt qu
  rm rn ro ru rw sa sc sd se sg si sk sl sm sn so sq sr ss st su sv sw ta te tg th ti tk tl tn to tr ts
  tt tw ty ug uk ur uz ve vi vo wa wo xh yi yo za zh zu`;

/** ISO 639-3 codes used as primary subtags for languages without a two-letter code. */
const ISO_639_3 = `ast ceb ckb cmn fil gsw haw hmn kok mai mni nap nds nso scn tpi yua yue`;

const KNOWN = new Set([...ISO_639_1.split(/\s+/), ...ISO_639_3.split(/\s+/)].filter(Boolean));

/** The shape of a tag: a 2–3 letter primary subtag, then subtags of 1–8 letters or digits. */
export const LANGUAGE_TAG_PATTERN = '^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*$';
/** A primary subtag alone, lower case (what articles carry). */
export const LANGUAGE_SUBTAG_PATTERN = '^[a-z]{2,3}$';
const TAG = new RegExp(LANGUAGE_TAG_PATTERN);

/** The primary subtag of a tag, lower case: "es-MX" → "es". */
export function primarySubtag(tag: string): string {
  return tag.split('-')[0]!.toLowerCase();
}

/** True when the tag is well formed and its primary subtag names a known language. */
export function isKnownLanguageTag(tag: string): boolean {
  return TAG.test(tag) && KNOWN.has(primarySubtag(tag));
}

/** The full-text configurations Postgres ships (PGlite too), by primary subtag. */
const TEXT_SEARCH_CONFIGS: Readonly<Record<string, string>> = {
  ar: 'arabic',
  hy: 'armenian',
  eu: 'basque',
  ca: 'catalan',
  da: 'danish',
  nl: 'dutch',
  en: 'english',
  et: 'estonian',
  fi: 'finnish',
  fr: 'french',
  de: 'german',
  el: 'greek',
  hi: 'hindi',
  hu: 'hungarian',
  id: 'indonesian',
  ga: 'irish',
  it: 'italian',
  lt: 'lithuanian',
  ne: 'nepali',
  no: 'norwegian',
  nb: 'norwegian',
  nn: 'norwegian',
  pt: 'portuguese',
  ro: 'romanian',
  ru: 'russian',
  sr: 'serbian',
  es: 'spanish',
  sv: 'swedish',
  ta: 'tamil',
  tr: 'turkish',
  yi: 'yiddish',
};

/**
 * The text-search configuration for a language (tag or subtag): its own stemmer and stop words, or
 * `simple` (lower-cased words, no stemming) for a language Postgres has none for. Only names from
 * the table above come out, so the result can go into SQL text.
 */
export function textSearchConfig(language: string): string {
  return TEXT_SEARCH_CONFIGS[primarySubtag(language)] ?? 'simple';
}

/** The language articles carry when none is given. */
export const DEFAULT_ARTICLE_LANGUAGE = 'en';

import { APOLOGIES, DROP_CALLBACK, DROP_TRANSFER } from '../session/lines.ts';
import { baseOf, type CallLanguageSpec } from './languages.ts';

/** The lines Twilio itself says with `<Say>`: the outage transfer and callback, the apology at setup. */
export type PlatformLineKind = 'transfer' | 'callback' | 'apology';

/** A line for `<Say>`, with the `language` attribute for Twilio's voice. */
export interface SayLine {
  text: string;
  language?: string;
}

/** The built-in lines per primary subtag; a language with none gets the English line. */
const LINES: Record<string, Record<PlatformLineKind, string>> = {
  en: { transfer: DROP_TRANSFER, callback: DROP_CALLBACK, apology: APOLOGIES.default! },
  es: {
    transfer: 'Disculpe, tenemos un problema técnico. Le paso con un compañero.',
    callback:
      'Disculpe, tenemos un problema técnico. Un compañero le devolverá la llamada en breve a este número. Adiós.',
    apology:
      'Disculpe, tenemos problemas para conectar su llamada. Por favor, inténtelo de nuevo más tarde. Adiós.',
  },
  fr: {
    transfer: 'Désolé, nous rencontrons un problème technique. Je vous mets en relation avec un collègue.',
    callback:
      'Désolé, nous rencontrons un problème technique. Un collègue vous rappellera très vite à ce numéro. Au revoir.',
    apology: 'Désolé, nous avons du mal à établir votre appel. Merci de réessayer plus tard. Au revoir.',
  },
  de: {
    transfer: 'Entschuldigung, wir haben ein technisches Problem. Ich verbinde Sie mit einem Kollegen.',
    callback:
      'Entschuldigung, wir haben ein technisches Problem. Ein Kollege ruft Sie in Kürze unter dieser Nummer zurück. Auf Wiederhören.',
    apology:
      'Entschuldigung, wir können Ihren Anruf gerade nicht verbinden. Bitte versuchen Sie es später noch einmal. Auf Wiederhören.',
  },
  pt: {
    transfer: 'Desculpe, estamos com um problema técnico. Vou passar a sua chamada para um colega.',
    callback:
      'Desculpe, estamos com um problema técnico. Um colega vai ligar de volta para este número em breve. Adeus.',
    apology: 'Desculpe, estamos com dificuldade em ligar a sua chamada. Por favor, tente mais tarde. Adeus.',
  },
  it: {
    transfer: 'Ci scusi, abbiamo un problema tecnico. La metto in contatto con un collega.',
    callback:
      'Ci scusi, abbiamo un problema tecnico. Un collega la richiamerà a breve a questo numero. Arrivederci.',
    apology:
      'Ci scusi, abbiamo difficoltà a collegare la sua chiamata. La preghiamo di riprovare più tardi. Arrivederci.',
  },
};

/** Locales `<Say>` takes (its standard voices; Polly and Google voices take these too). */
const SAY_LOCALES = new Set(
  (
    'ca-ES da-DK de-DE en-AU en-CA en-GB en-IN en-US es-ES es-MX es-US fi-FI fr-CA fr-FR ' +
    'it-IT ja-JP ko-KR nb-NO nl-NL pl-PL pt-BR pt-PT ru-RU sv-SE zh-CN zh-HK zh-TW'
  ).split(' '),
);

/** The locale a bare primary subtag is said in. */
const DEFAULT_LOCALE: Record<string, string> = {
  ca: 'ca-ES',
  da: 'da-DK',
  de: 'de-DE',
  en: 'en-US',
  es: 'es-ES',
  fi: 'fi-FI',
  fr: 'fr-FR',
  it: 'it-IT',
  ja: 'ja-JP',
  ko: 'ko-KR',
  nb: 'nb-NO',
  no: 'nb-NO',
  nl: 'nl-NL',
  pl: 'pl-PL',
  pt: 'pt-BR',
  ru: 'ru-RU',
  sv: 'sv-SE',
  zh: 'zh-CN',
};

/**
 * The `<Say language>` for a BCP 47 tag: its own locale when Twilio takes it ("es-MX"), else its
 * language's usual one ("es" → "es-ES"); undefined for a language `<Say>` does not speak.
 */
export function sayLanguage(tag: string): string | undefined {
  const [lang = '', region] = tag.trim().split(/[-_]/);
  const locale = region ? `${lang.toLowerCase()}-${region.toUpperCase()}` : '';
  if (SAY_LOCALES.has(locale)) return locale;
  return DEFAULT_LOCALE[baseOf(tag)];
}

/**
 * A line Twilio says in the call's language: the language's own line when the profile gives one, else
 * the built-in one for its primary subtag, else `english` (said as en-US unless the call's English
 * has a locale of its own).
 */
export function platformLine(
  kind: PlatformLineKind,
  language?: CallLanguageSpec,
  english: string = LINES.en![kind],
): SayLine {
  const locale = language ? sayLanguage(language.tag) : undefined;
  const own = language?.lines?.[kind];
  if (own) return { text: own, ...(locale ? { language: locale } : {}) };
  const builtIn = language && locale && language.base !== 'en' ? LINES[language.base] : undefined;
  if (builtIn) return { text: builtIn[kind], language: locale! };
  return { text: english, language: language?.base === 'en' && locale ? locale : 'en-US' };
}

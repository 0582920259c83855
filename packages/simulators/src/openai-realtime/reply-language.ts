/**
 * The language a reply is spoken in. The platform states the language in force at the end of the
 * model's instructions (`# Language` / `Speak Spanish (es) with the caller…`); a model follows the
 * last such directive it reads. The simulator does the same with the effective instructions (the
 * session's, or the response's own, which replace them): the reply's variant for that language is
 * spoken, or, when the script has none, its default text (a model that fell back), which the reply
 * log shows as a `language` that differs from `languageInForce`.
 */
import type { PlannedReply, ScenarioText } from './scenario-types.ts';

/** The language of replies when the instructions name none, and of plain (single-language) text. */
export const DEFAULT_REPLY_LANGUAGE = 'en';

/** A BCP 47 tag as scenarios and directives write it (`es`, `es-MX`, `zh-Hant-TW`). */
const TAG = /^[A-Za-z]{2,3}(?:-[A-Za-z0-9]{1,8})*$/;

/**
 * `Speak <English name> (<tag>)`: the name may hold spaces or its own parentheses ("Chinese
 * (Taiwan)"), never a line break; the tag's primary subtag is 2–3 letters.
 */
const DIRECTIVE = /\bSpeak [A-Z][^\n]*?\(([A-Za-z]{2,3}(?:-[A-Za-z0-9]{1,8})*)\)/g;

/** The primary subtag of a BCP 47 tag, lower case (`es-MX` → `es`), or null when it is not a tag. */
export function primaryLanguage(tag: string): string | null {
  return TAG.test(tag) ? tag.split('-')[0]!.toLowerCase() : null;
}

/** The language the instructions tell the model to speak: the last directive's, else English. */
export function languageInForce(instructions: string): string {
  let found: string | null = null;
  for (const match of instructions.matchAll(DIRECTIVE)) found = primaryLanguage(match[1]!);
  return found ?? DEFAULT_REPLY_LANGUAGE;
}

/** A scripted text as planned: its default and its variants by primary subtag. */
export interface ReplyTexts {
  text: string;
  /** Primary subtag → text; null for plain text (English). */
  variants: Record<string, string> | null;
}

/** Splits a scripted text: plain text is English; of a map, the first language listed is the default. */
export function replyTexts(value: ScenarioText | undefined): ReplyTexts {
  if (value === undefined) return { text: '', variants: null };
  if (typeof value === 'string') return { text: value, variants: null };
  const variants: Record<string, string> = {};
  for (const [tag, text] of Object.entries(value)) variants[primaryLanguage(tag) ?? tag] = text;
  return { text: Object.values(variants)[0] ?? '', variants };
}

/** The reply as a model with these instructions speaks it: its variant for the language in force, or its default. */
export function inLanguage(reply: PlannedReply, instructions: string): PlannedReply {
  const wanted = languageInForce(instructions);
  const variants = reply.variants;
  if (variants && variants[wanted] !== undefined) {
    return { ...reply, text: variants[wanted], language: wanted, languageInForce: wanted };
  }
  const fallback = variants ? Object.keys(variants)[0]! : DEFAULT_REPLY_LANGUAGE;
  return { ...reply, language: fallback, languageInForce: wanted };
}

import { eld } from 'eld/extrasmall';

/**
 * The caller's language from one turn's words, with Nito-ELD (`eld`, Apache-2.0): n-gram scores per
 * language, its smallest database (about 1 MB on disk, but about 29 MB of heap once loaded: heapUsed
 * after importing it and one detection, Node 20; loaded once per process, 0.3 ms a detection of 200
 * characters). A detection counts only when all of these hold, so "OK", "yes", "sí", "no gracias" or
 * a name never switch the call:
 *
 * - at least {@link MIN_LETTERS} letters in at least {@link MIN_WORDS} words;
 * - the best language scores at least {@link MIN_CONFIDENCE} and leads the next one by at least
 *   {@link MIN_MARGIN}, or it scores at least {@link MIN_CLEAR_CONFIDENCE} with a clear lead of
 *   {@link CLEAR_LEAD};
 * - eld calls the result reliable.
 *
 * The figures were picked on the table of phrases in `detect.test.ts` (en, es, fr, de, plus short
 * replies and names; the test prints each one's scores): every full sentence there scores 0.75–0.86
 * for its language, while names ("Maria Gonzalez", "My name is Jose Garcia") score below 0.73 for a
 * wrong one (Tagalog) with a runner-up within 0.02, and the short replies fall under the length rule.
 * Spanish leads Portuguese by only 0.04–0.05 on some sentences, hence the margin of 0.03. A short
 * question can score under 0.75 with a wide lead ("Hola, ¿cuánto tarda el envío de mi pedido?": es
 * 0.74, pt 0.64): a lead of 0.08 or more is clear enough from 0.68, which no name reaches with it.
 */
export const MIN_LETTERS = 12;
export const MIN_WORDS = 2;
export const MIN_CONFIDENCE = 0.75;
export const MIN_MARGIN = 0.03;
export const MIN_CLEAR_CONFIDENCE = 0.68;
export const CLEAR_LEAD = 0.08;
/**
 * A served language this close behind an unserved best one is taken instead: close relatives (Spanish
 * and Portuguese, Spanish and Catalan) trade places by a few hundredths on short sentences, and a
 * caller told "we do not speak Portuguese" in the middle of a Spanish call is a lost caller.
 */
export const RELATIVE_MARGIN = 0.06;
/** Longer turns are cut: the detector needs a sentence, not a monologue. */
const MAX_CHARS = 400;

export interface Detection {
  /** ISO 639-1. */
  language: string;
  /** The best language's score, 0..1. */
  confidence: number;
  /** The languages within {@link RELATIVE_MARGIN} behind the best one, closest first. */
  close: string[];
}

/** The detector's view of `text` whatever the rules say (tests, tuning). */
export function scoresOf(text: string): Array<[string, number]> {
  const result = eld.detect(text.slice(0, MAX_CHARS));
  return Object.entries(result.getScores()).sort((a, b) => b[1] - a[1]);
}

/** The language of a caller turn when the detection is confident; undefined otherwise. Never throws. */
export function detectLanguage(text: unknown): Detection | undefined {
  if (typeof text !== 'string') return undefined;
  const sample = text.slice(0, MAX_CHARS);
  const words = sample.match(/\p{L}+/gu) ?? [];
  const letters = words.reduce((n, w) => n + w.length, 0);
  if (words.length < MIN_WORDS || letters < MIN_LETTERS) return undefined;
  try {
    const result = eld.detect(sample);
    if (!result.language || !result.isReliable()) return undefined;
    const ranked = Object.entries(result.getScores()).sort((a, b) => b[1] - a[1]);
    const [best, next] = ranked;
    if (!best || best[0] !== result.language) return undefined;
    const lead = next ? best[1] - next[1] : best[1];
    const confident =
      (best[1] >= MIN_CONFIDENCE && lead >= MIN_MARGIN) ||
      (best[1] >= MIN_CLEAR_CONFIDENCE && lead >= CLEAR_LEAD);
    if (!confident) return undefined;
    const close = ranked.slice(1).filter(([, score]) => best[1] - score < RELATIVE_MARGIN);
    return {
      language: best[0],
      confidence: Math.round(best[1] * 100) / 100,
      close: close.map(([language]) => language),
    };
  } catch {
    return undefined;
  }
}

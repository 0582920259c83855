/**
 * How the simulator cuts reply text: into words spread over the audio, into argument deltas, into
 * the part of a reply heard before a truncation, and into rough token counts.
 */

/** Words with their trailing whitespace, so joining them gives the text back. */
export function splitWords(text: string): string[] {
  const words = text.match(/\S+\s*/g) ?? [];
  const lead = text.match(/^\s+/)?.[0];
  if (lead && words.length > 0) words[0] = lead + words[0];
  return words;
}

/** Function-call arguments in three deltas (fewer for short arguments). */
export function splitArguments(args: string): string[] {
  if (args.length === 0) return [];
  const size = Math.max(1, Math.ceil(args.length / 3));
  const out: string[] = [];
  for (let at = 0; at < args.length; at += size) out.push(args.slice(at, at + size));
  return out;
}

/** The words of `text` spoken in the first `heardMs` of `totalMs` of audio. */
export function heardPortion(text: string, heardMs: number, totalMs: number): string {
  if (totalMs <= 0) return '';
  const words = splitWords(text);
  const count = Math.floor((words.length * Math.min(heardMs, totalMs)) / totalMs);
  return words.slice(0, count).join('').trimEnd();
}

/** About four characters per text token. */
export function tokensForText(text: string): number {
  return Math.ceil(text.length / 4);
}

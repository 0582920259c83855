// How well a conversation's words answer a search, for the in-memory store. The database ranks with
// Postgres full text search (conversation-search.ts); this follows the same rules in small.

const STOP_WORDS = new Set(
  'a an and are as at be by do for from how i in is it me my of on or our the to was what when where which who why will with you your'.split(
    ' ',
  ),
);

/** Lower-case word stems: "Shipping times?" → ["ship", "time"]. */
export function stems(text: string): string[] {
  return (text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [])
    .filter((w) => !STOP_WORDS.has(w))
    .map((w) => {
      let s = w.length > 4 ? w.replace(/(ing|ed)$/, '') : w;
      if (s.length > 3 && s.endsWith('s') && !s.endsWith('ss')) s = s.slice(0, -1);
      // "shipp" (from shipping) → "ship".
      if (s.length > 3 && s.at(-1) === s.at(-2)) s = s.slice(0, -1);
      return s;
    });
}

/**
 * A conversation's rank for a query, or undefined when it does not match: each query word found
 * counts (by how often, damped by the conversation's length), all words found adds 1, the words in
 * the query's order adds 1 more. A plain substring match ranks 0.
 */
export function relevance(texts: readonly string[], query: string): number | undefined {
  const wanted = stems(query);
  const words = stems(texts.join(' '));
  const substring = texts.some((t) => t.toLowerCase().includes(query.toLowerCase()));
  if (!wanted.length) return substring ? 0 : undefined;
  const counts = new Map<string, number>();
  for (const w of words) counts.set(w, (counts.get(w) ?? 0) + 1);
  const found = wanted.filter((w) => counts.has(w));
  if (!found.length) return substring ? 0 : undefined;
  const frequency = found.reduce((n, w) => n + counts.get(w)!, 0) / (1 + Math.log(1 + words.length));
  const all = found.length === wanted.length ? 1 : 0;
  const phrase = wanted.length > 1 && ` ${words.join(' ')} `.includes(` ${wanted.join(' ')} `) ? 1 : 0;
  return Math.min(frequency, 1) + all + phrase;
}

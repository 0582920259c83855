import { contentTerms } from './text-features.ts';

/**
 * A deterministic relevance score of `text` for `query` from term overlap: the share of the query's
 * content terms (by stem or synonym concept) found in the text, plus a little for matched adjacent
 * pairs, less a little for length. Returned raw (logit-like); `sigmoid` turns it into 0..1 like TEI.
 */
export function rerankScore(query: string, text: string): number {
  const q = contentTerms(query);
  if (q.length === 0) return -5;
  const t = contentTerms(text);
  const stems = new Set(t.map((x) => x.stem));
  const concepts = new Set(t.flatMap((x) => (x.concept ? [x.concept] : [])));
  const key = (x: { stem: string; concept?: string }) => x.concept ?? x.stem;
  const pairs = new Set(t.slice(1).map((x, i) => `${key(t[i]!)}_${key(x)}`));
  let matched = 0;
  for (const term of q) {
    if (stems.has(term.stem)) matched += 1;
    else if (term.concept && concepts.has(term.concept)) matched += 0.8;
  }
  let pairHits = 0;
  for (let i = 1; i < q.length; i++) if (pairs.has(`${key(q[i - 1]!)}_${key(q[i]!)}`)) pairHits++;
  const coverage = matched / q.length;
  const pairBonus = q.length > 1 ? pairHits / (q.length - 1) : 0;
  const lengthPenalty = Math.log10(1 + t.length) * 0.3;
  return 8 * coverage + 2 * pairBonus - lengthPenalty - 4;
}

export const sigmoid = (x: number): number => 1 / (1 + Math.exp(-x));

/**
 * Sentence vectors from word vectors: a frequency-weighted average (smooth inverse frequency,
 * weight a / (a + p(w)), so "the" counts for almost nothing and "refund" for a lot), normalised to
 * unit length. A word outside the vocabulary that is one edit away from a vocabulary word (a typo, a
 * misspelt product name) counts as the most frequent such word.
 */
import { tokens } from './tokens.ts';
import type { WordVectors } from './word-vectors.ts';

/** Words in the source vocabulary (the ranks' denominator in the Zipf estimate of p(w)). */
const SOURCE_VOCABULARY = 341_479;
const ZIPF_NORMALISER = Math.log(SOURCE_VOCABULARY) + 0.5772;
const LETTERS = 'abcdefghijklmnopqrstuvwxyz';
const TYPO_CACHE_LIMIT = 20_000;

export interface SentenceEncoderOptions {
  /** SIF's `a`: smaller discounts frequent words harder. Default 1e-4 (best on the Acme evaluation). */
  sifA?: number;
  /** Map out-of-vocabulary words one edit from a known word onto it. Default true. */
  correctTypos?: boolean;
}

export class SentenceEncoder {
  readonly dimensions: number;
  private readonly a: number;
  private readonly correctTypos: boolean;
  private readonly typos = new Map<string, number | undefined>();

  constructor(
    private readonly vectors: WordVectors,
    opts: SentenceEncoderOptions = {},
  ) {
    this.dimensions = vectors.dimensions;
    this.a = opts.sifA ?? 1e-4;
    this.correctTypos = opts.correctTypos ?? true;
  }

  /** Weight of the word of frequency rank `rank`. */
  weight(rank: number): number {
    const p = 1 / ((rank + 1) * ZIPF_NORMALISER);
    return this.a / (this.a + p);
  }

  /** The rank standing for `word`: its own, a one-edit neighbour's, or undefined. */
  rankFor(word: string): number | undefined {
    const own = this.vectors.rankOf(word);
    if (own !== undefined || !this.correctTypos || word.length < 4 || /\d/.test(word)) return own;
    if (this.typos.has(word)) return this.typos.get(word);
    let best: number | undefined;
    for (const candidate of oneEditAway(word)) {
      const r = this.vectors.rankOf(candidate);
      if (r !== undefined && (best === undefined || r < best)) best = r;
    }
    if (this.typos.size >= TYPO_CACHE_LIMIT) this.typos.clear();
    this.typos.set(word, best);
    return best;
  }

  /** The unit vector of `text`; all zeros when none of its words is known. */
  encode(text: string): Float32Array {
    const out = new Float32Array(this.dimensions);
    for (const word of tokens(text)) {
      const rank = this.rankFor(word);
      if (rank === undefined) continue;
      const w = this.weight(rank);
      const v = this.vectors.vectorAt(rank);
      for (let i = 0; i < out.length; i++) out[i]! += w * v[i]!;
    }
    let sum = 0;
    for (let i = 0; i < out.length; i++) sum += out[i]! * out[i]!;
    const n = Math.sqrt(sum);
    if (n > 0) for (let i = 0; i < out.length; i++) out[i]! /= n;
    return out;
  }
}

/** Deletions, transpositions, replacements and insertions of one letter. */
function* oneEditAway(word: string): Generator<string> {
  for (let i = 0; i <= word.length; i++) {
    const head = word.slice(0, i);
    const tail = word.slice(i);
    if (tail) yield head + tail.slice(1);
    if (tail.length > 1) yield head + tail[1] + tail[0] + tail.slice(2);
    for (const c of LETTERS) {
      if (tail && c !== tail[0]) yield head + c + tail.slice(1);
      yield head + c + tail;
    }
  }
}

/**
 * Retrieval metrics over labelled questions, at article level (a question is answered by articles;
 * the chunks a search returns are reduced to their articles in rank order).
 */
import type { LabelledQuery } from './labelled-set.ts';

export interface QueryOutcome {
  query: LabelledQuery;
  /** Article externalIds in rank order, each once. */
  ranked: string[];
  /** The search's relevance signal (best cosine similarity), null when it had none. */
  topSimilarity: number | null;
  /** What the search said: nothing relevant. */
  noAnswer: boolean;
  latencyMs: number;
}

export interface QualityFigures {
  questions: number;
  /** The right article first. */
  hit1: number;
  /** Share of the answering articles among the first 5 / 12. */
  recall5: number;
  recall12: number;
  /** Mean reciprocal rank of the first answering article (0 when not in the list). */
  mrr: number;
  /** Binary-gain nDCG over the first 12. */
  ndcg12: number;
}

export interface SeparationFigures {
  answerable: number;
  unanswerable: number;
  /**
   * Probability that an answerable question's top similarity beats an unanswerable one's (ROC AUC;
   * 0.5 is no separation, 1 perfect). Null without both kinds or without similarities.
   */
  auc: number | null;
  /** The floor that best separates them here (most balanced accuracy), and that accuracy. */
  bestFloor: number | null;
  balancedAccuracyAtBest: number | null;
  /** With the floor the searches used: unanswerable questions flagged noAnswer, answerable ones flagged. */
  unanswerableFlagged: number;
  answerableFlagged: number;
}

export interface EvaluationFigures extends QualityFigures {
  byKind: Record<string, QualityFigures>;
  separation: SeparationFigures;
  latencyMs: { p50: number; p95: number };
}

const round = (x: number, digits = 3) => Math.round(x * 10 ** digits) / 10 ** digits;

function quality(outcomes: readonly QueryOutcome[]): QualityFigures {
  const answerable = outcomes.filter((o) => o.query.answers.length);
  let hit1 = 0;
  let recall5 = 0;
  let recall12 = 0;
  let mrr = 0;
  let ndcg = 0;
  for (const o of answerable) {
    const relevant = new Set(o.query.answers);
    const rankOf = o.ranked.findIndex((id) => relevant.has(id));
    if (rankOf === 0) hit1++;
    if (rankOf >= 0) mrr += 1 / (rankOf + 1);
    recall5 += o.ranked.slice(0, 5).filter((id) => relevant.has(id)).length / relevant.size;
    recall12 += o.ranked.slice(0, 12).filter((id) => relevant.has(id)).length / relevant.size;
    let dcg = 0;
    o.ranked.slice(0, 12).forEach((id, i) => {
      if (relevant.has(id)) dcg += 1 / Math.log2(i + 2);
    });
    let ideal = 0;
    for (let i = 0; i < Math.min(relevant.size, 12); i++) ideal += 1 / Math.log2(i + 2);
    ndcg += dcg / ideal;
  }
  const n = answerable.length || 1;
  return {
    questions: answerable.length,
    hit1: round(hit1 / n),
    recall5: round(recall5 / n),
    recall12: round(recall12 / n),
    mrr: round(mrr / n),
    ndcg12: round(ndcg / n),
  };
}

/** How well the top similarity tells answerable questions from unanswerable ones. */
export function separation(outcomes: readonly QueryOutcome[]): SeparationFigures {
  const pos = outcomes.filter((o) => o.query.answers.length);
  const neg = outcomes.filter((o) => !o.query.answers.length);
  const flagged = (xs: readonly QueryOutcome[]) =>
    xs.length ? round(xs.filter((o) => o.noAnswer).length / xs.length) : 0;
  const base = {
    answerable: pos.length,
    unanswerable: neg.length,
    unanswerableFlagged: flagged(neg),
    answerableFlagged: flagged(pos),
  };
  const ps = pos.map((o) => o.topSimilarity).filter((x): x is number => x !== null);
  const ns = neg.map((o) => o.topSimilarity).filter((x): x is number => x !== null);
  if (!ps.length || !ns.length) return { ...base, auc: null, bestFloor: null, balancedAccuracyAtBest: null };
  let wins = 0;
  for (const p of ps) for (const q of ns) wins += p > q ? 1 : p === q ? 0.5 : 0;
  // Candidate floors: midpoints between neighbouring observed similarities.
  const all = [...new Set([...ps, ...ns])].sort((a, b) => a - b);
  let bestFloor = all[0]!;
  let best = -1;
  for (let i = 0; i + 1 < all.length; i++) {
    const floor = (all[i]! + all[i + 1]!) / 2;
    const acc =
      (ps.filter((x) => x >= floor).length / ps.length + ns.filter((x) => x < floor).length / ns.length) / 2;
    if (acc > best) {
      best = acc;
      bestFloor = floor;
    }
  }
  return {
    ...base,
    auc: round(wins / (ps.length * ns.length)),
    bestFloor: round(bestFloor, 4),
    balancedAccuracyAtBest: round(best),
  };
}

function percentile(sorted: readonly number[], p: number): number {
  return sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]! : 0;
}

/** Every figure of one configuration's run over the labelled set. */
export function evaluationFigures(outcomes: readonly QueryOutcome[]): EvaluationFigures {
  const kinds = [...new Set(outcomes.filter((o) => o.query.answers.length).map((o) => o.query.kind))].sort();
  const latencies = outcomes.map((o) => o.latencyMs).sort((a, b) => a - b);
  return {
    ...quality(outcomes),
    byKind: Object.fromEntries(kinds.map((k) => [k, quality(outcomes.filter((o) => o.query.kind === k))])),
    separation: separation(outcomes),
    latencyMs: { p50: round(percentile(latencies, 0.5), 2), p95: round(percentile(latencies, 0.95), 2) },
  };
}

import type { AnalysisPoint } from './analysis-store.ts';

/** Lead-score bands the page charts: 0-19, 20-39, 40-59, 60-79, 80-100. */
export const LEAD_BANDS = ['0–19', '20–39', '40–59', '60–79', '80–100'] as const;

export interface AnalysisAggregates {
  total: number;
  bySentiment: [string, number][];
  /** Most frequent first, at most 12 (the rest counted under "other"). */
  byIntent: [string, number][];
  /** One entry per day with analyses, oldest first. */
  days: { day: string; total: number; sentiment: Record<string, number>; intent: Record<string, number> }[];
  leadScore: { average: number | null; bands: number[] };
  /** Calls per language (primary subtag, "es" for es-MX; "unknown" when none was reported), most first: a call in two languages counts in both. */
  byLanguage: [string, number][];
}

const count = (m: Map<string, number>, k: string) => m.set(k, (m.get(k) ?? 0) + 1);
const sorted = (m: Map<string, number>) => [...m].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));

/** Counts by sentiment and intent, per day, and lead-score bands, from finished analyses. */
export function aggregate(points: readonly AnalysisPoint[], topIntents = 12): AnalysisAggregates {
  const sentiment = new Map<string, number>();
  const intent = new Map<string, number>();
  const days = new Map<string, AnalysisAggregates['days'][number]>();
  const language = new Map<string, number>();
  const bands = [0, 0, 0, 0, 0];
  let scoreSum = 0;
  let scored = 0;
  for (const p of points) {
    const s = p.sentiment ?? 'unknown';
    const i = p.intent ?? 'unknown';
    count(sentiment, s);
    count(intent, i);
    const primaries = new Set(p.languages.map((l) => l.split('-')[0]!.toLowerCase()));
    for (const l of primaries.size ? primaries : ['unknown']) count(language, l);
    let d = days.get(p.day);
    if (!d) {
      d = { day: p.day, total: 0, sentiment: {}, intent: {} };
      days.set(p.day, d);
    }
    d.total++;
    d.sentiment[s] = (d.sentiment[s] ?? 0) + 1;
    d.intent[i] = (d.intent[i] ?? 0) + 1;
    if (p.leadScore !== null) {
      scoreSum += p.leadScore;
      scored++;
      bands[Math.min(4, Math.floor(Math.max(0, p.leadScore) / 20))]!++;
    }
  }
  const intents = sorted(intent);
  const top = intents.slice(0, topIntents);
  const rest = intents.slice(topIntents).reduce((n, [, c]) => n + c, 0);
  return {
    total: points.length,
    bySentiment: sorted(sentiment),
    byIntent: rest ? [...top, ['other', rest]] : top,
    days: [...days.values()].sort((a, b) => (a.day < b.day ? -1 : 1)),
    leadScore: { average: scored ? Math.round((scoreSum / scored) * 10) / 10 : null, bands },
    byLanguage: sorted(language),
  };
}

/** The evaluation for people (a table) and the floors a brand can hold it to (for CI). */
import type { EvaluationReport } from './run-evaluation.ts';

const f3 = (x: number | null | undefined) => (x === null || x === undefined ? '–' : x.toFixed(3));

/** One row per configuration, then hit@1 per kind of question. */
export function formatReport(report: EvaluationReport): string {
  const lines = [
    `${report.articles} articles, ${report.queries} questions; embeddings: ${report.embedder ?? 'none'}; rerank: ${report.reranker ? 'yes' : 'no'}`,
    '',
    pad([
      'configuration',
      'hit@1',
      'recall@5',
      'recall@12',
      'MRR',
      'nDCG@12',
      'AUC',
      'floor',
      'unans. flagged',
      'ans. flagged',
      'p50 ms',
      'p95 ms',
    ]),
  ];
  for (const r of report.results) {
    const f = r.figures;
    if (!f) {
      lines.push(pad([r.configuration.name, `skipped: ${r.skipped}`]));
      continue;
    }
    const s = f.separation;
    lines.push(
      pad([
        r.configuration.name,
        f3(f.hit1),
        f3(f.recall5),
        f3(f.recall12),
        f3(f.mrr),
        f3(f.ndcg12),
        f3(s.auc),
        f3(s.bestFloor),
        f3(s.unanswerableFlagged),
        f3(s.answerableFlagged),
        f.latencyMs.p50.toFixed(1),
        f.latencyMs.p95.toFixed(1),
      ]),
    );
  }
  const kinds = [...new Set(report.results.flatMap((r) => Object.keys(r.figures?.byKind ?? {})))];
  if (kinds.length) {
    lines.push('', pad(['hit@1 by kind', ...kinds.map((k) => `${k} (${countOf(report, k)})`)]));
    for (const r of report.results)
      if (r.figures)
        lines.push(pad([r.configuration.name, ...kinds.map((k) => f3(r.figures!.byKind[k]?.hit1))]));
  }
  lines.push(
    '',
    'AUC: how well the best similarity tells answerable from unanswerable questions; floor: the similarity that separates them best here;',
    'unans./ans. flagged: share of unanswerable / answerable questions the search marked noAnswer with the floor in force.',
  );
  return lines.join('\n');
}

function countOf(report: EvaluationReport, kind: string): number {
  return report.results.find((r) => r.figures?.byKind[kind])?.figures?.byKind[kind]?.questions ?? 0;
}

function pad(cells: string[]): string {
  return cells.map((c, i) => (i === 0 ? c.padEnd(16) : c.padStart(Math.max(8, c.length)))).join('  ');
}

/** A floor: `<configuration>.<metric>=<minimum>`, e.g. `hybrid.recall12=0.9`, `hybrid.auc=0.8`. */
export interface Floor {
  configuration: string;
  metric: FloorMetric;
  minimum: number;
}

export const FLOOR_METRICS = [
  'hit1',
  'recall5',
  'recall12',
  'mrr',
  'ndcg12',
  'auc',
  'unanswerableFlagged',
] as const;
export type FloorMetric = (typeof FLOOR_METRICS)[number];

export function parseFloor(text: string): Floor {
  const m = /^(.+)\.([a-zA-Z0-9]+)=([0-9]*\.?[0-9]+)$/.exec(text.trim());
  if (!m || !(FLOOR_METRICS as readonly string[]).includes(m[2]!))
    throw new Error(`--floor ${text}: expected <configuration>.<${FLOOR_METRICS.join('|')}>=<minimum>`);
  return { configuration: m[1]!, metric: m[2] as FloorMetric, minimum: Number(m[3]) };
}

/** The floors the report misses, as sentences (empty when all are met). */
export function missedFloors(report: EvaluationReport, floors: readonly Floor[]): string[] {
  return floors.flatMap((fl) => {
    const r = report.results.find((x) => x.configuration.name === fl.configuration);
    if (!r?.figures) return [`${fl.configuration}: did not run${r?.skipped ? ` (${r.skipped})` : ''}`];
    const value =
      fl.metric === 'auc'
        ? r.figures.separation.auc
        : fl.metric === 'unanswerableFlagged'
          ? r.figures.separation.unanswerableFlagged
          : r.figures[fl.metric];
    return value !== null && value >= fl.minimum
      ? []
      : [`${fl.configuration}.${fl.metric} is ${f3(value)}, under the floor ${fl.minimum}`];
  });
}

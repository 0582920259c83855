// `eval:retrieval --lanes --queries <labelled.yaml>`: the same labelled set through each of a brand's
// retrieval lanes on the running server (`POST /admin/knowledge/lanes/evaluate`), on its live corpus;
// the table as for configurations, and the figures kept for `GET /admin/knowledge/lanes`.

import type { LabelledQuery } from '../knowledge/evaluation/labelled-set.ts';
import type { EvaluationFigures } from '../knowledge/evaluation/metrics.ts';
import { type Floor, formatReport, missedFloors } from '../knowledge/evaluation/report.ts';
import type { EvaluationReport } from '../knowledge/evaluation/run-evaluation.ts';

/** The route's limit per request. */
const MAX_QUERIES = 200;

export interface LaneEvalOptions {
  url: string;
  apiKey: string;
  queries: readonly LabelledQuery[];
  floors: readonly Floor[];
  print: (line: string) => void;
  fetch?: typeof fetch;
}

/** Runs the set through the brand's lanes and prints the table; the exit code (1 when a floor is missed). */
export async function evaluateLanesRemotely(opts: LaneEvalOptions): Promise<number> {
  if (opts.queries.length > MAX_QUERIES) {
    opts.print(`at most ${MAX_QUERIES} questions per lane evaluation; this set has ${opts.queries.length}`);
    return 2;
  }
  const res = await (opts.fetch ?? fetch)(`${opts.url.replace(/\/$/, '')}/admin/knowledge/lanes/evaluate`, {
    method: 'POST',
    headers: { authorization: `Bearer ${opts.apiKey}`, 'content-type': 'application/json' },
    body: JSON.stringify({
      queries: opts.queries.map((q) => ({ query: q.query, answers: q.answers, kind: q.kind })),
    }),
  });
  const body = (await res.json()) as {
    evaluations?: Array<{ lane: string; role: string; figures: EvaluationFigures }>;
    error?: { message: string };
  };
  if (!res.ok || !body.evaluations) {
    opts.print(`ai-server answered ${res.status}: ${body.error?.message ?? 'no evaluation'}`);
    return 1;
  }
  const report: EvaluationReport = {
    embedder: 'the server’s',
    reranker: false,
    articles: 0,
    queries: opts.queries.length,
    results: body.evaluations.map((e) => ({
      configuration: { name: e.lane, retrieval: 'hybrid' },
      figures: e.figures,
    })),
  };
  opts.print(formatReport(report).replace(/^0 articles, /, 'live corpus, '));
  const missed = missedFloors(report, opts.floors);
  for (const m of missed) opts.print(`floor missed: ${m}`);
  return missed.length ? 1 : 0;
}

import type { SqlRunner } from '@switchboard/db';
import type { LabelledQuery } from '../evaluation/labelled-set.ts';
import { type EvaluationFigures, evaluationFigures, type QueryOutcome } from '../evaluation/metrics.ts';
import { type LaneSearchDeps, searchLanes } from './lane-search.ts';
import { type LaneRole, type LaneSetting, laneOf } from './lane-spec.ts';

export interface LaneEvaluation {
  lane: string;
  role: LaneRole;
  queries: number;
  figures: EvaluationFigures;
  at: string;
}

/**
 * Runs a labelled set through each of the brand's lanes on its live corpus (the searches are not
 * recorded as traffic) and keeps the figures per lane, for the admin API to show beside the live ones.
 */
export async function evaluateLanes(
  deps: LaneSearchDeps,
  sql: SqlRunner,
  brandId: string,
  setting: LaneSetting,
  queries: readonly LabelledQuery[],
  externalIdOf: ReadonlyMap<string, string>,
): Promise<LaneEvaluation[]> {
  const out: LaneEvaluation[] = [];
  for (const role of ['primary', 'secondary'] as const) {
    const spec = laneOf(setting, role);
    if (!spec) continue;
    const outcomes: QueryOutcome[] = [];
    for (const q of queries) {
      const started = performance.now();
      const res = await searchLanes(deps, brandId, q.query, {
        role,
        source: 'brand',
        record: false,
        limit: 12,
      });
      const ranked: string[] = [];
      for (const hit of res.results) {
        const id = externalIdOf.get(hit.articleId) ?? hit.articleId;
        if (!ranked.includes(id)) ranked.push(id);
      }
      outcomes.push({
        query: q,
        ranked,
        topSimilarity: res.topSimilarity,
        noAnswer: res.noAnswer,
        latencyMs: performance.now() - started,
      });
    }
    const figures = evaluationFigures(outcomes);
    await sql.query(
      `INSERT INTO "KnowledgeLaneEvaluation" ("brandId", lane, queries, figures, "createdAt")
       VALUES ($1, $2, $3, $4::jsonb, now())
       ON CONFLICT ("brandId", lane) DO UPDATE SET queries = EXCLUDED.queries, figures = EXCLUDED.figures,
         "createdAt" = now()`,
      [brandId, spec.name, queries.length, JSON.stringify(figures)],
    );
    out.push({ lane: spec.name, role, queries: queries.length, figures, at: new Date().toISOString() });
  }
  return out;
}

/** The latest evaluation of each of the brand's lanes, by lane name. */
export async function latestEvaluations(
  sql: SqlRunner,
  brandId: string,
): Promise<Map<string, { queries: number; figures: EvaluationFigures; at: string }>> {
  const rows = await sql.query<{
    lane: string;
    queries: number;
    figures: EvaluationFigures | string;
    createdAt: Date | string;
  }>('SELECT lane, queries, figures, "createdAt" FROM "KnowledgeLaneEvaluation" WHERE "brandId" = $1', [
    brandId,
  ]);
  return new Map(
    rows.map((r) => [
      r.lane,
      {
        queries: Number(r.queries),
        figures: typeof r.figures === 'string' ? (JSON.parse(r.figures) as EvaluationFigures) : r.figures,
        at: new Date(r.createdAt).toISOString(),
      },
    ]),
  );
}

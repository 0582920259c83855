import type { SqlRunner } from '@switchboard/db';
import type { LaneRole, LaneStore } from './lane-spec.ts';

/** Search events are kept this long (the live figures look at the last day by default). */
const RETENTION_DAYS = 30;
const PRUNE_EVERY = 500;

export interface SearchEvent {
  brandId: string;
  lane: string;
  role: LaneRole;
  store: LaneStore;
  source: 'call' | 'brand';
  callSid?: string;
  latencyMs: number;
  results: number;
  noAnswer: boolean;
  fallbackFrom: string | null;
  chunkIds: string[];
}

export interface LiveLaneFigures {
  lane: string;
  searches: number;
  calls: number;
  latencyMs: { p50: number | null; p95: number | null };
  emptyResults: number;
  noAnswer: number;
  /** Searches this lane served for the other one, which had failed or missed its budget. */
  servedAsFallback: number;
}

/**
 * Every search's record: lane, latency and the chunk ids it returned (never the question). Written
 * after the answer, off the search's own time; a failed write is logged, never the search's failure.
 */
export class SearchEvents {
  private writes = 0;

  constructor(
    private readonly sql: SqlRunner,
    private readonly onError: (err: Error) => void,
  ) {}

  record(e: SearchEvent): void {
    this.sql
      .query(
        `INSERT INTO "KnowledgeSearchEvent" ("brandId", lane, role, store, source, "callSid", "latencyMs",
           results, "noAnswer", "fallbackFrom", "chunkIds") VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11::text[])`,
        [
          e.brandId,
          e.lane,
          e.role,
          e.store,
          e.source,
          e.callSid ?? null,
          e.latencyMs,
          e.results,
          e.noAnswer,
          e.fallbackFrom,
          e.chunkIds,
        ],
      )
      .then(() => (++this.writes % PRUNE_EVERY === 0 ? this.prune() : undefined))
      .catch((err: Error) => this.onError(err));
  }

  private async prune(): Promise<void> {
    await this.sql.query(
      `DELETE FROM "KnowledgeSearchEvent" WHERE "createdAt" < now() - make_interval(days => $1)`,
      [RETENTION_DAYS],
    );
  }

  /** Per lane over the last `hours`: searches, distinct calls, latency percentiles, empty and fallback counts. */
  async live(brandId: string, hours = 24): Promise<LiveLaneFigures[]> {
    const rows = await this.sql.query<{
      lane: string;
      searches: number;
      calls: number;
      p50: number | null;
      p95: number | null;
      empty: number;
      no_answer: number;
      fallback: number;
    }>(
      `SELECT lane, count(*)::int AS searches, count(DISTINCT "callSid")::int AS calls,
         percentile_cont(0.5) WITHIN GROUP (ORDER BY "latencyMs") AS p50,
         percentile_cont(0.95) WITHIN GROUP (ORDER BY "latencyMs") AS p95,
         count(*) FILTER (WHERE results = 0)::int AS empty,
         count(*) FILTER (WHERE "noAnswer")::int AS no_answer,
         count(*) FILTER (WHERE "fallbackFrom" IS NOT NULL)::int AS fallback
       FROM "KnowledgeSearchEvent"
       WHERE "brandId" = $1 AND "createdAt" > now() - make_interval(hours => $2)
       GROUP BY lane ORDER BY lane`,
      [brandId, hours],
    );
    const ms = (x: number | null) => (x === null ? null : Math.round(Number(x) * 10) / 10);
    return rows.map((r) => ({
      lane: r.lane,
      searches: Number(r.searches),
      calls: Number(r.calls),
      latencyMs: { p50: ms(r.p50), p95: ms(r.p95) },
      emptyResults: Number(r.empty),
      noAnswer: Number(r.no_answer),
      servedAsFallback: Number(r.fallback),
    }));
  }
}

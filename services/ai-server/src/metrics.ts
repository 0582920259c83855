import { createMetricsRegistry, registerSpanDropsMetric } from '@switchboard/service-kit';
import { Counter, Histogram, type Registry } from 'prom-client';

const SECONDS_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/**
 * ai-server's metrics on its own registry (never prom-client's global one). Labels are bounded: where a
 * request came from, a mode, an outcome or an error code from the catalog; never a brand, profile or call.
 */
export class AiMetrics {
  readonly registry: Registry;
  /** Knowledge searches, by caller (`call`: a live call, `brand`: the admin API) and mode. */
  readonly searchLatency: Histogram<'source' | 'mode'>;
  /** Profile lookups on the call path, by kind (`lookup`, `get`) and outcome (`found`, `not_found`). */
  readonly profileLookups: Counter<'kind' | 'outcome'>;
  /** Searches per retrieval lane: its role (primary, secondary) and store (postgres, pinecone). */
  readonly laneLatency: Histogram<'lane' | 'store'>;
  /** Lane searches that returned no chunk at all. */
  readonly laneEmpty: Counter<'lane' | 'store'>;
  /** Searches whose lane failed (`error`) or missed its budget (`timeout`) and that the other lane served. */
  readonly laneFallbacks: Counter<'from' | 'reason'>;
  /** Writes to the second store (a mirror lane) that failed, by operation (`write`, `delete`). */
  readonly mirrorErrors: Counter<'op'>;
  /** Dynamic tool runs, by outcome (`ok`, `error`). */
  readonly toolLatency: Histogram<'outcome'>;
  /** Dynamic tool runs that failed, by error code. */
  readonly toolErrors: Counter<'code'>;

  constructor(opts: { processMetrics?: boolean } = {}) {
    this.registry = createMetricsRegistry(opts);
    const registers = [this.registry];
    this.searchLatency = new Histogram({
      name: 'ai_search_latency_seconds',
      help: 'Knowledge searches, by source (call, brand) and mode.',
      labelNames: ['source', 'mode'],
      buckets: SECONDS_BUCKETS,
      registers,
    });
    this.laneLatency = new Histogram({
      name: 'ai_knowledge_lane_latency_seconds',
      help: 'Knowledge searches per retrieval lane (primary, secondary) and store (postgres, pinecone).',
      labelNames: ['lane', 'store'],
      buckets: SECONDS_BUCKETS,
      registers,
    });
    this.laneEmpty = new Counter({
      name: 'ai_knowledge_lane_empty_results_total',
      help: 'Lane searches that returned no chunk, per lane and store.',
      labelNames: ['lane', 'store'],
      registers,
    });
    this.laneFallbacks = new Counter({
      name: 'ai_knowledge_lane_fallbacks_total',
      help: 'Searches served by the other lane because this one failed (error) or missed its budget (timeout).',
      labelNames: ['from', 'reason'],
      registers,
    });
    this.mirrorErrors = new Counter({
      name: 'ai_knowledge_mirror_errors_total',
      help: 'Failed writes to the second retrieval store, by operation (write, delete).',
      labelNames: ['op'],
      registers,
    });
    this.profileLookups = new Counter({
      name: 'ai_profile_lookups_total',
      help: 'Profile lookups on the call path, by kind (lookup, get) and outcome (found, not_found).',
      labelNames: ['kind', 'outcome'],
      registers,
    });
    this.toolLatency = new Histogram({
      name: 'ai_tool_execution_seconds',
      help: 'Dynamic tool runs, by outcome (ok, error).',
      labelNames: ['outcome'],
      buckets: SECONDS_BUCKETS,
      registers,
    });
    this.toolErrors = new Counter({
      name: 'ai_tool_errors_total',
      help: 'Dynamic tool runs that failed, by error code.',
      labelNames: ['code'],
      registers,
    });
    registerSpanDropsMetric(this.registry, 'ai');
  }

  toolRan(outcome: { ok: boolean; durationMs: number; error?: { code: string } }): void {
    this.toolLatency.observe({ outcome: outcome.ok ? 'ok' : 'error' }, outcome.durationMs / 1000);
    if (!outcome.ok) this.toolErrors.inc({ code: outcome.error?.code ?? 'unknown' });
  }
}

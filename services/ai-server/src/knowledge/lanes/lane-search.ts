import type { Logger } from '@switchboard/service-kit';
import type { AiMetrics } from '../../metrics.ts';
import type { Embedder } from '../embedder.ts';
import type { KnowledgeStore } from '../knowledge-store.ts';
import type { Reranker } from '../reranker.ts';
import { type SearchResponse, searchKnowledge } from '../search.ts';
import { type Embedders, laneIndexConfig } from './lane-config.ts';
import type { LaneSettings } from './lane-settings.ts';
import { type LaneRole, type LaneSpec, laneFor, laneOf } from './lane-spec.ts';
import type { PineconeLane } from './pinecone-lane.ts';
import { searchPinecone } from './pinecone-search.ts';
import type { SearchEvents } from './search-events.ts';

/** A lane's time budget on the call path, when another lane can take over (ms). */
export const DEFAULT_LANE_BUDGET_MS = 1_500;

export interface LaneSearchDeps {
  store: KnowledgeStore;
  settings: LaneSettings;
  embedder?: Embedder;
  /** The models lanes with their own configuration embed their questions with. */
  embedders?: Embedders;
  reranker?: Reranker;
  relevanceFloor?: number;
  pinecone?: PineconeLane;
  metrics: AiMetrics;
  events: SearchEvents;
  budgetMs: number;
  log: Pick<Logger, 'warn'>;
}

export interface LaneSearchOptions {
  limit?: number;
  /** The stable key a call is split by (its call SID); none: the primary lane. */
  key?: string;
  /** Ask for one lane by role (the admin API and the evaluation); no fallback then. */
  role?: LaneRole;
  source: 'call' | 'brand';
  /** False for an evaluation's searches, which are not live traffic. Default true. */
  record?: boolean;
  /** Only articles in this language (ISO 639 primary subtag); see SearchOptions.language. */
  language?: string;
}

export interface LaneSearchResponse extends SearchResponse {
  /** The lane that served the answer. */
  lane: { name: string; role: LaneRole; store: LaneSpec['store'] };
  /** Set when the lane the key was assigned to failed or missed its budget and the other one answered. */
  fallback: { from: string; reason: 'error' | 'timeout' } | null;
}

class LaneTimeout extends Error {}

/**
 * One search through the brand's lanes: the lane the key is assigned to answers within its budget,
 * or the other lane answers instead (counted). Every search is recorded: lane, latency, chunk ids.
 */
export async function searchLanes(
  deps: LaneSearchDeps,
  brandId: string,
  query: string,
  opts: LaneSearchOptions,
): Promise<LaneSearchResponse> {
  const started = performance.now();
  const setting = await deps.settings.get(brandId);
  const role: LaneRole =
    opts.role && laneOf(setting, opts.role) ? opts.role : laneFor(setting, brandId, opts.key);
  const first = laneOf(setting, role)!;
  const otherRole: LaneRole = role === 'primary' ? 'secondary' : 'primary';
  const other = opts.role ? null : laneOf(setting, otherRole);

  let res: SearchResponse;
  let served = { spec: first, role };
  let fallback: LaneSearchResponse['fallback'] = null;
  try {
    res = await timedLane(deps, first, role, brandId, query, opts, other ? deps.budgetMs : undefined);
  } catch (err) {
    if (!other) throw err;
    const reason = err instanceof LaneTimeout ? 'timeout' : 'error';
    deps.metrics.laneFallbacks.inc({ from: role, reason });
    deps.log.warn(
      { lane: first.name, reason, err: { message: (err as Error).message } },
      'knowledge lane fell back',
    );
    fallback = { from: first.name, reason };
    served = { spec: other, role: otherRole };
    res = await timedLane(deps, other, otherRole, brandId, query, opts, undefined);
  }
  const latencyMs = performance.now() - started;
  if (opts.record !== false)
    deps.events.record({
      brandId,
      lane: served.spec.name,
      role: served.role,
      store: served.spec.store,
      source: opts.source,
      callSid: opts.key,
      latencyMs,
      results: res.results.length,
      noAnswer: res.noAnswer,
      fallbackFrom: fallback?.from ?? null,
      chunkIds: res.results.map((r) => r.chunkId),
    });
  res.timingsMs.total = latencyMs;
  return { ...res, lane: { name: served.spec.name, role: served.role, store: served.spec.store }, fallback };
}

async function timedLane(
  deps: LaneSearchDeps,
  spec: LaneSpec,
  role: LaneRole,
  brandId: string,
  query: string,
  opts: LaneSearchOptions,
  budgetMs: number | undefined,
): Promise<SearchResponse> {
  const started = performance.now();
  const run = runLane(deps, spec, brandId, query, opts.limit, opts.language);
  let timer: NodeJS.Timeout | undefined;
  try {
    const res = await (budgetMs === undefined
      ? run
      : Promise.race([
          run,
          new Promise<never>((_, reject) => {
            timer = setTimeout(
              () => reject(new LaneTimeout(`lane ${spec.name} missed its ${budgetMs} ms budget`)),
              budgetMs,
            );
          }),
        ]));
    const labels = { lane: role, store: spec.store };
    deps.metrics.laneLatency.observe(labels, (performance.now() - started) / 1000);
    if (!res.results.length) deps.metrics.laneEmpty.inc(labels);
    return res;
  } finally {
    clearTimeout(timer);
    // A lane that lost the race still finishes; its answer (or error) is dropped.
    run.catch(() => undefined);
  }
}

function runLane(
  deps: LaneSearchDeps,
  spec: LaneSpec,
  brandId: string,
  query: string,
  limit: number | undefined,
  language: string | undefined,
): Promise<SearchResponse> {
  const reranker = spec.rerank ? deps.reranker : undefined;
  let config: ReturnType<typeof laneIndexConfig> = null;
  try {
    config = deps.embedders ? laneIndexConfig(spec, deps.embedders) : null;
  } catch (err) {
    return Promise.reject(err);
  }
  if (spec.store === 'pinecone') {
    if (!deps.pinecone || !deps.embedder)
      return Promise.reject(new Error('the pinecone store is not configured on this server'));
    return searchPinecone(
      { pinecone: deps.pinecone, embedder: deps.embedder, reranker, relevanceFloor: deps.relevanceFloor },
      brandId,
      query,
      { limit, language },
    );
  }
  return searchKnowledge(
    {
      store: deps.store,
      // A lane with its own configuration asks with its own model, against its own rows.
      embedder: config ? config.embedder : deps.embedder,
      reranker,
      relevanceFloor: deps.relevanceFloor,
      log: deps.log,
    },
    brandId,
    query,
    { limit, retrieval: spec.retrieval, config: config?.key ?? '', language },
  );
}

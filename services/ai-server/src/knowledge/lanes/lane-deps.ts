import type { Logger } from '@switchboard/service-kit';
import type { AppContext } from '../../context.ts';
import type { LaneSearchDeps } from './lane-search.ts';

/** What a lane search needs, from the app's context. */
export function laneDepsOf(ctx: AppContext, log: Pick<Logger, 'warn'>): LaneSearchDeps {
  return {
    store: ctx.knowledge,
    settings: ctx.laneSettings,
    embedder: ctx.embedder,
    embedders: ctx.embedders,
    reranker: ctx.reranker,
    relevanceFloor: ctx.relevanceFloor,
    pinecone: ctx.pinecone,
    metrics: ctx.metrics,
    events: ctx.searchEvents,
    budgetMs: ctx.laneBudgetMs,
    log,
  };
}

import { buildBaseApp, type Logger, registerMetricsRoute } from '@switchboard/service-kit';
import type { FastifyInstance } from 'fastify';
import { adminPlugin } from './admin/admin-routes.ts';
import type { AiDatabase, AppContext } from './context.ts';
import { creditsPlugin } from './credits/credit-routes.ts';
import { ArticlePreparer } from './knowledge/article-preparer.ts';
import type { Embedder } from './knowledge/embedder.ts';
import { knowledgePlugin } from './knowledge/knowledge-routes.ts';
import { KnowledgeStore } from './knowledge/knowledge-store.ts';
import { Embedders } from './knowledge/lanes/lane-config.ts';
import { LaneIndexer } from './knowledge/lanes/lane-index.ts';
import { laneRoutes } from './knowledge/lanes/lane-routes.ts';
import { DEFAULT_LANE_BUDGET_MS } from './knowledge/lanes/lane-search.ts';
import { LaneSettings } from './knowledge/lanes/lane-settings.ts';
import type { PineconeLane } from './knowledge/lanes/pinecone-lane.ts';
import { SearchEvents } from './knowledge/lanes/search-events.ts';
import type { Reranker } from './knowledge/reranker.ts';
import { AiMetrics } from './metrics.ts';
import { AI_SERVER_OPENAPI } from './openapi-answers.ts';
import { outboundPlugin } from './outbound/outbound-routes.ts';
import { outboundView } from './outbound/outbound-service.ts';
import { startOutboundRetrier } from './outbound/retrier.ts';
import type { OutboundSettings } from './outbound/settings.ts';
import { DEFAULT_WEBHOOK_DELIVERY, OutcomeWebhooks } from './outbound/webhook-deliveries.ts';
import { profilesPlugin } from './profiles/profile-routes.ts';
import { ProfileStore } from './profiles/profile-store.ts';
import { promptsPlugin } from './prompts/prompt-routes.ts';
import type { ClientSecretMinter } from './realtime/client-secret-minter.ts';
import { clientSecretsPlugin } from './realtime/client-secret-routes.ts';
import { clientTokenPlugin } from './realtime/client-token-routes.ts';
import { PerBrandRateLimit } from './realtime/rate-limit.ts';
import type { ToolEndpointPolicy } from './tools/endpoint-policy.ts';
import { ToolExecutor } from './tools/tool-executor.ts';
import { toolsPlugin } from './tools/tool-routes.ts';

/** Everything the app needs, injected (tests pass fakes, main.ts passes the real ones). */
export interface AiServerDeps {
  logger: Logger;
  db: AiDatabase;
  serviceToken: string;
  /** Enables POST /operator/brands. */
  operatorToken?: string;
  /** Unset: knowledge search and ingestion run lexical-only. */
  embedder?: Embedder;
  /** Other models a retrieval lane may embed with (the offline word vectors, an external provider). */
  otherEmbedders?: Embedder[];
  /** Overrides the embedder's calibrated relevance floor (`noAnswer`). */
  relevanceFloor?: number;
  reranker?: Reranker;
  /** A second retrieval store fed by the same ingest (needs an embedder). */
  pinecone?: PineconeLane;
  /** A lane's budget before the other lane takes over; default 1,500 ms. */
  laneBudgetMs?: number;
  toolPolicy: ToolEndpointPolicy;
  /** Clock for business hours (tests fix it). */
  now?: () => Date;
  /** fetch used by dynamic tools (tests may inject); default global fetch. */
  toolFetch?: typeof fetch;
  /** fetch used by outcome webhooks (tests may inject); default the guarded fetch of the tool policy. */
  webhookFetch?: typeof fetch;
  /** DNS resolver for tool endpoint checks (tests may inject). */
  resolveHost?: (host: string) => Promise<string[]>;
  /** Readiness: false answers 503 on /health-check/ready. */
  ready?: () => boolean;
  /** The app's metrics (a fresh registry with process metrics when absent). */
  metrics?: AiMetrics;
  /** Outbound calling: the dialer and its limits (no dialer: the outbound API answers 503). */
  outbound?: Partial<OutboundSettings>;
  /** Realtime client secrets for apps; no minter: the route answers 503. */
  realtime?: { minter?: ClientSecretMinter; model?: string; perMinute?: number };
}

/** Builds the Fastify app (no listen): base app, OpenAPI, then the feature plugins. */
export async function buildApp(deps: AiServerDeps): Promise<FastifyInstance> {
  const app = buildBaseApp({
    logger: deps.logger,
    serviceName: 'ai-server',
    ready: deps.ready,
    bodyLimit: 2 * 1024 * 1024,
    openapi: AI_SERVER_OPENAPI,
  });
  const outbound: OutboundSettings = {
    maxConcurrentPerBrand: 5,
    maxCallsPerMinute: 30,
    callingWindow: { openMin: 8 * 60, closeMin: 21 * 60 },
    ringTimeoutSec: 30,
    ...deps.outbound,
  };
  const preparer = new ArticlePreparer();
  const embedders = new Embedders(deps.embedder, deps.otherEmbedders);
  const laneSettings = new LaneSettings(deps.db.sql);
  const laneIndexer = new LaneIndexer(deps.db.sql, embedders, preparer, laneSettings, deps.logger);
  const perMinute = deps.realtime?.perMinute ?? 60;
  const ctx: AppContext = {
    prisma: deps.db.prisma,
    sql: deps.db.sql,
    profiles: new ProfileStore(deps.db.prisma),
    knowledge: new KnowledgeStore(
      deps.db.sql,
      deps.embedder,
      preparer,
      deps.embedder ? deps.pinecone : undefined,
      laneIndexer,
    ),
    embedder: deps.embedder,
    embedders,
    laneIndexer,
    relevanceFloor: deps.relevanceFloor,
    reranker: deps.reranker,
    pinecone: deps.embedder ? deps.pinecone : undefined,
    laneSettings,
    searchEvents: new SearchEvents(deps.db.sql, (err) =>
      deps.logger.warn({ err: { message: err.message } }, 'search event not recorded'),
    ),
    laneBudgetMs: deps.laneBudgetMs ?? DEFAULT_LANE_BUDGET_MS,
    tools: new ToolExecutor(deps.toolPolicy, {
      fetch: deps.toolFetch,
      resolve: deps.resolveHost,
      log: deps.logger.child({ feature: 'tools' }),
    }),
    now: deps.now ?? (() => new Date()),
    serviceToken: deps.serviceToken,
    operatorToken: deps.operatorToken,
    maxToolTimeoutMs: deps.toolPolicy.maxTimeoutMs,
    metrics: deps.metrics ?? new AiMetrics(),
    outbound,
    realtime: {
      ...(deps.realtime?.minter ? { minter: deps.realtime.minter } : {}),
      model: deps.realtime?.model ?? 'gpt-realtime',
      perMinute,
      rateLimit: new PerBrandRateLimit(perMinute),
    },
    webhooks: new OutcomeWebhooks(
      deps.db.prisma,
      deps.toolPolicy,
      { ...DEFAULT_WEBHOOK_DELIVERY, ...outbound.webhookDelivery },
      (call) => outboundView(call, outbound),
      {
        log: deps.logger.child({ feature: 'outbound-webhooks' }),
        ...(deps.webhookFetch ? { fetch: deps.webhookFetch } : {}),
        ...(deps.resolveHost ? { resolve: deps.resolveHost } : {}),
      },
    ),
  };
  registerMetricsRoute(app, ctx.metrics.registry);
  if (deps.db.kind === 'pglite') await ctx.knowledge.warmUp();
  await app.register(adminPlugin, { ctx });
  await app.register(profilesPlugin, { ctx });
  await app.register(promptsPlugin, { ctx });
  await app.register(creditsPlugin, { ctx });
  await app.register(toolsPlugin, { ctx });
  await app.register(knowledgePlugin, { ctx });
  await app.register(laneRoutes, { ctx });
  await app.register(outboundPlugin, { ctx });
  await app.register(clientSecretsPlugin, { ctx });
  await app.register(clientTokenPlugin, { ctx });
  if (ctx.outbound.dialer) {
    const retrier = startOutboundRetrier(ctx, {
      intervalMs: ctx.outbound.retryPollMs ?? 5_000,
      log: deps.logger.child({ feature: 'outbound' }),
    });
    app.addHook('onClose', async () => retrier.stop());
    ctx.webhooks.start();
    app.addHook('onClose', async () => ctx.webhooks.stop());
  }
  app.addHook('onClose', async () => ctx.knowledge.close());
  return app;
}

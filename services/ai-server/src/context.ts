import type { Database, SqlRunner } from '@switchboard/db';
import type { PrismaClient } from '../generated/prisma/client.ts';
import type { Embedder } from './knowledge/embedder.ts';
import type { KnowledgeStore } from './knowledge/knowledge-store.ts';
import type { Embedders } from './knowledge/lanes/lane-config.ts';
import type { LaneIndexer } from './knowledge/lanes/lane-index.ts';
import type { LaneSettings } from './knowledge/lanes/lane-settings.ts';
import type { PineconeLane } from './knowledge/lanes/pinecone-lane.ts';
import type { SearchEvents } from './knowledge/lanes/search-events.ts';
import type { Reranker } from './knowledge/reranker.ts';
import type { AiMetrics } from './metrics.ts';
import type { OutboundSettings } from './outbound/settings.ts';
import type { OutcomeWebhooks } from './outbound/webhook-deliveries.ts';
import type { ProfileStore } from './profiles/profile-store.ts';
import type { ClientSecretMinter } from './realtime/client-secret-minter.ts';
import type { PerBrandRateLimit } from './realtime/rate-limit.ts';
import type { ToolExecutor } from './tools/tool-executor.ts';

/** ai-server's database: its generated Prisma client plus raw SQL. */
export type AiDatabase = Database<PrismaClient>;

/** What the feature plugins share; built once in app.ts and handed to each as an option. */
export interface AppContext {
  prisma: PrismaClient;
  sql: SqlRunner;
  profiles: ProfileStore;
  knowledge: KnowledgeStore;
  embedder?: Embedder;
  /** Every model the server embeds with, by name (the default one and those a lane may ask for). */
  embedders: Embedders;
  /** The chunk rows of lanes with their own model or chunking. */
  laneIndexer: LaneIndexer;
  /** Overrides the embedder's calibrated relevance floor. */
  relevanceFloor?: number;
  reranker?: Reranker;
  /** The second retrieval store, when the server has one configured (it mirrors every ingest). */
  pinecone?: PineconeLane;
  laneSettings: LaneSettings;
  searchEvents: SearchEvents;
  /** A lane's time budget before the other lane takes over. */
  laneBudgetMs: number;
  tools: ToolExecutor;
  /** The clock business hours are evaluated with. */
  now: () => Date;
  serviceToken: string;
  operatorToken?: string;
  maxToolTimeoutMs: number;
  metrics: AiMetrics;
  outbound: OutboundSettings;
  /** Outcome webhooks of outbound calls: the brand's URL, signed events, their tries. */
  webhooks: OutcomeWebhooks;
  /** Realtime client secrets for apps: the minter (none without OPENAI_API_KEY), model and limit. */
  realtime: { minter?: ClientSecretMinter; model: string; perMinute: number; rateLimit: PerBrandRateLimit };
}

/** Options every feature plugin receives. */
export interface FeatureOptions {
  ctx: AppContext;
}

// ai-server entry point: read config, open the database, build the app, listen; close cleanly on signals.
import { ConfigError, createLogger, startTelemetry } from '@switchboard/service-kit';
import { buildApp } from './app.ts';
import { type AiServerConfig, loadAiServerConfig } from './config.ts';
import { openAiDatabase } from './db.ts';
import { configuredEmbedder, laneEmbedders } from './knowledge/configured-embedder.ts';
import { PineconeLane } from './knowledge/lanes/pinecone-lane.ts';
import { createHttpReranker } from './knowledge/reranker.ts';
import { httpOutboundDialer } from './outbound/dialer.ts';
import { openAiClientSecretMinter } from './realtime/client-secret-minter.ts';

let config: AiServerConfig;
try {
  config = loadAiServerConfig();
} catch (err) {
  if (err instanceof ConfigError) {
    console.error(err.message);
    process.exit(2);
  }
  throw err;
}

startTelemetry({
  serviceName: 'ai-server',
  ...(config.OTEL_EXPORTER_OTLP_ENDPOINT ? { otlpEndpoint: config.OTEL_EXPORTER_OTLP_ENDPOINT } : {}),
});
const logger = createLogger({ name: 'ai-server', level: config.LOG_LEVEL });
let embedder: ReturnType<typeof configuredEmbedder>;
try {
  embedder = configuredEmbedder(config);
} catch (err) {
  // A configuration that names no usable provider, or word vectors that were never built.
  console.error((err as Error).message);
  process.exit(2);
}
if (config.PINECONE_API_KEY && (!config.PINECONE_INDEX || !embedder)) {
  console.error(
    config.PINECONE_INDEX
      ? 'PINECONE_API_KEY: the pinecone lane needs embeddings (EMBEDDINGS is none)'
      : 'PINECONE_INDEX: is required with PINECONE_API_KEY',
  );
  process.exit(2);
}
const pinecone =
  config.PINECONE_API_KEY && config.PINECONE_INDEX
    ? new PineconeLane({
        apiKey: config.PINECONE_API_KEY,
        indexName: config.PINECONE_INDEX,
        indexHost: config.PINECONE_INDEX_HOST,
        controllerHostUrl: config.PINECONE_CONTROLLER_URL,
      })
    : undefined;
const db = await openAiDatabase({ databaseUrl: config.DATABASE_URL, dataDir: config.DATA_DIR });
logger.info(
  {
    database: db.kind,
    migrationsApplied: db.migrations.applied.length,
    embeddings: embedder?.id ?? 'none (lexical only)',
    rerank: !!config.RERANK_URL,
    secondStore: pinecone?.id ?? 'none',
  },
  'database ready',
);

let shuttingDown = false;
const app = await buildApp({
  logger,
  db,
  serviceToken: config.SERVICE_TOKEN,
  operatorToken: config.OPERATOR_TOKEN,
  embedder,
  otherEmbedders: laneEmbedders(config, embedder),
  relevanceFloor: config.KNOWLEDGE_RELEVANCE_FLOOR,
  pinecone,
  laneBudgetMs: config.KNOWLEDGE_LANE_BUDGET_MS,
  reranker: config.RERANK_URL
    ? createHttpReranker({
        url: config.RERANK_URL,
        apiKey: config.RERANK_API_KEY,
        timeoutMs: config.RERANK_TIMEOUT_MS,
      })
    : undefined,
  toolPolicy: {
    allowInsecureLoopback: config.TOOL_ALLOW_INSECURE_LOOPBACK,
    allowPrivateNetworks: config.TOOL_ALLOW_PRIVATE_NETWORKS,
    maxResponseBytes: config.TOOL_MAX_RESPONSE_BYTES,
    maxTimeoutMs: config.TOOL_MAX_TIMEOUT_MS,
  },
  ready: () => !shuttingDown,
  realtime: {
    ...(config.OPENAI_API_KEY
      ? {
          minter: openAiClientSecretMinter({
            apiKey: config.OPENAI_API_KEY,
            baseURL: config.OPENAI_BASE_URL,
          }),
        }
      : {}),
    model: config.OPENAI_REALTIME_MODEL,
    perMinute: config.CLIENT_SECRETS_PER_MINUTE,
  },
  outbound: {
    ...(config.VOICE_SERVER_URL
      ? {
          dialer: httpOutboundDialer({
            baseUrl: config.VOICE_SERVER_URL,
            serviceToken: config.SERVICE_TOKEN,
          }),
        }
      : {}),
    maxConcurrentPerBrand: config.OUTBOUND_MAX_CONCURRENT,
    maxCallsPerMinute: config.OUTBOUND_MAX_CALLS_PER_MINUTE,
    webhookDelivery: {
      maxAttempts: config.OUTCOME_WEBHOOK_MAX_ATTEMPTS,
      backoffMs: config.OUTCOME_WEBHOOK_BACKOFF_SEC * 1000,
      timeoutMs: config.OUTCOME_WEBHOOK_TIMEOUT_MS,
    },
    callingWindow: config.OUTBOUND_CALLING_HOURS,
    ringTimeoutSec: config.OUTBOUND_RING_TIMEOUT_SEC,
    ...(config.CONVERSATIONS_UI_URL ? { conversationsUrl: config.CONVERSATIONS_UI_URL } : {}),
  },
});
app.addHook('onClose', async () => {
  await db.close();
});

await app.listen({ port: config.PORT, host: config.HOST });

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    shuttingDown = true;
    logger.info({ signal }, 'shutting down');
    app.close().then(
      () => process.exit(0),
      (err: Error) => {
        logger.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  });
}

import { resolve } from 'node:path';
import { ConfigError, createLogger, startTelemetry, WebCallTokens } from '@switchboard/service-kit';
import { HttpAiServerClient } from '@switchboard/service-kit/clients/ai-server';
import { profileSchemaSource } from './analysis/profile-schemas.ts';
import { startAnalysis } from './analysis/runtime.ts';
import { buildAppServer } from './app.ts';
import { httpAiOutbound } from './callbacks/ai-outbound.ts';
import { CallbackPlacer } from './callbacks/callback-placer.ts';
import { readConfig } from './config.ts';
import { httpTwilioRecordings } from './recordings/twilio-recordings.ts';
import { openPrismaStore } from './store/prisma-store.ts';

async function main(): Promise<void> {
  let config: ReturnType<typeof readConfig>;
  try {
    config = readConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(`app-server: ${err.message}`);
      process.exit(2);
    }
    throw err;
  }
  startTelemetry({
    serviceName: 'app-server',
    ...(config.OTEL_EXPORTER_OTLP_ENDPOINT ? { otlpEndpoint: config.OTEL_EXPORTER_OTLP_ENDPOINT } : {}),
  });
  const logger = createLogger({ name: 'app-server', level: config.LOG_LEVEL });
  const store = await openPrismaStore({
    ...(config.DATABASE_URL
      ? { databaseUrl: config.DATABASE_URL }
      : { dataDir: config.DATA_DIR === 'memory' ? 'memory' : resolve(config.DATA_DIR) }),
    onChecksumMismatch: (name) => logger.warn({ migration: name }, 'applied migration changed since it ran'),
    logger,
  });
  logger.info({ database: config.DATABASE_URL ? 'postgres' : 'pglite' }, 'database ready');
  let countOutcome: ((outcome: string) => void) | undefined;
  const analysis = await startAnalysis({
    config,
    store,
    jobDatabase: store.jobDatabase!,
    logger,
    work: config.ANALYSIS_WORKER === 'inline',
    // Each profile's own analysis schema, from ai-server (else the built-in one).
    ...(config.AI_SERVER_URL
      ? {
          schemaFor: profileSchemaSource({
            client: new HttpAiServerClient({
              baseUrl: config.AI_SERVER_URL,
              serviceToken: config.SERVICE_TOKEN,
            }),
          }),
        }
      : {}),
    onOutcome: (o) => countOutcome?.(o),
  });
  const server = await buildAppServer({
    config,
    logger,
    store,
    ...(analysis ? { analysisQueue: analysis.jobs } : {}),
    ...(config.TWILIO_ACCOUNT_SID && config.TWILIO_AUTH_TOKEN
      ? {
          twilioRecordings: httpTwilioRecordings({
            accountSid: config.TWILIO_ACCOUNT_SID,
            authToken: config.TWILIO_AUTH_TOKEN,
            ...(config.TWILIO_API_BASE_URL ? { apiBaseUrl: config.TWILIO_API_BASE_URL } : {}),
          }),
        }
      : {}),
    recordingSweepMs: config.RECORDING_SWEEP_MINUTES * 60_000,
    ...(config.WEB_CALL_URL && config.WEB_CALL_SECRET
      ? { webCalls: { url: config.WEB_CALL_URL, tokens: new WebCallTokens(config.WEB_CALL_SECRET) } }
      : {}),
    ...(config.AI_SERVER_URL
      ? {
          callbackPlacer: new CallbackPlacer({
            store: store.callbackPlacements(),
            ai: httpAiOutbound({ baseUrl: config.AI_SERVER_URL, serviceToken: config.SERVICE_TOKEN }),
            logger: logger.child({ feature: 'callbacks' }),
            retryDelayMs: config.CALLBACK_RETRY_MINUTES * 60_000,
          }),
          callbackSweepMs: config.CALLBACK_SWEEP_SECONDS * 1000,
        }
      : {}),
  });
  countOutcome = (outcome) => server.metrics.analyses.inc({ outcome });
  await server.app.listen({ host: config.HOST, port: config.PORT });

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    void server.app
      .close()
      .then(() => analysis?.close())
      .then(() => store.close())
      .then(
        () => process.exit(0),
        (err: unknown) => {
          logger.error({ err }, 'shutdown failed');
          process.exit(1);
        },
      );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

void main().catch((err) => {
  console.error('app-server failed to start:', err instanceof Error ? err.message : err);
  process.exit(1);
});

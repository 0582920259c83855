// The post-call analysis worker as its own process: takes analysis jobs from the Postgres queue that
// app-server replicas fill, until SIGTERM. Run it beside app-servers started with ANALYSIS_WORKER=off.
import { resolve } from 'node:path';
import { ConfigError, createLogger, env, loadConfig } from '@switchboard/service-kit';
import { HttpAiServerClient } from '@switchboard/service-kit/clients/ai-server';
import { profileSchemaSource } from './analysis/profile-schemas.ts';
import { analysisEnabled, startAnalysis } from './analysis/runtime.ts';
import { appServerConfigSpec } from './config.ts';
import { openPrismaStore } from './store/prisma-store.ts';

const workerConfigSpec = {
  LOG_LEVEL: appServerConfigSpec.LOG_LEVEL,
  DATABASE_URL: appServerConfigSpec.DATABASE_URL,
  DATA_DIR: appServerConfigSpec.DATA_DIR,
  OPENAI_API_KEY: appServerConfigSpec.OPENAI_API_KEY,
  OPENAI_BASE_URL: appServerConfigSpec.OPENAI_BASE_URL,
  ANALYSIS_MODEL: appServerConfigSpec.ANALYSIS_MODEL,
  ANALYSIS_TIMEOUT_MS: appServerConfigSpec.ANALYSIS_TIMEOUT_MS,
  ANALYSIS_RETRY_LIMIT: appServerConfigSpec.ANALYSIS_RETRY_LIMIT,
  ANALYSIS_RETRY_DELAY_SECONDS: appServerConfigSpec.ANALYSIS_RETRY_DELAY_SECONDS,
  AI_SERVER_URL: appServerConfigSpec.AI_SERVER_URL,
  SERVICE_TOKEN: env.optionalString({ secret: true, doc: "With AI_SERVER_URL: profiles' analysis schemas." }),
};

async function main(): Promise<void> {
  let config: ReturnType<typeof loadConfig<typeof workerConfigSpec>>;
  try {
    config = loadConfig(workerConfigSpec, process.env);
    if (!analysisEnabled(config)) throw new ConfigError(['OPENAI_API_KEY: required (or OPENAI_BASE_URL)']);
    // An embedded PGlite folder opens in one process only: with it, run app-server with ANALYSIS_WORKER=inline.
    if (!config.DATABASE_URL)
      throw new ConfigError([
        'DATABASE_URL: required (embedded PGlite: use ANALYSIS_WORKER=inline on app-server)',
      ]);
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(`analysis-worker: ${err.message}`);
      process.exit(2);
    }
    throw err;
  }
  const logger = createLogger({ name: 'analysis-worker', level: config.LOG_LEVEL });
  const store = await openPrismaStore({
    ...(config.DATABASE_URL ? { databaseUrl: config.DATABASE_URL } : { dataDir: resolve(config.DATA_DIR) }),
    logger,
  });
  const analysis = await startAnalysis({
    config,
    store,
    jobDatabase: store.jobDatabase!,
    logger,
    work: true,
    ...(config.AI_SERVER_URL && config.SERVICE_TOKEN
      ? {
          schemaFor: profileSchemaSource({
            client: new HttpAiServerClient({
              baseUrl: config.AI_SERVER_URL,
              serviceToken: config.SERVICE_TOKEN,
            }),
          }),
        }
      : {}),
  });
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'stopping: the running analysis finishes first');
    void (async () => {
      await analysis?.close(30_000);
      await store.close();
      process.exit(0);
    })();
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

void main().catch((err) => {
  console.error('analysis-worker failed to start:', err instanceof Error ? err.message : err);
  process.exit(1);
});

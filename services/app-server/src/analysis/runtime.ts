import type { Logger } from '@switchboard/service-kit';
import type { AppServerConfig } from '../config.ts';
import type { JobDatabase } from '../store/pglite-handle.ts';
import type { AppStore } from '../store/store.ts';
import { Analyzer, openAiClient } from './analyzer.ts';
import { PgBossJobs } from './job-queue.ts';
import { AnalysisWorker, type SchemaSource } from './worker.ts';

export type AnalysisConfig = Pick<
  AppServerConfig,
  | 'OPENAI_API_KEY'
  | 'OPENAI_BASE_URL'
  | 'ANALYSIS_MODEL'
  | 'ANALYSIS_TIMEOUT_MS'
  | 'ANALYSIS_RETRY_LIMIT'
  | 'ANALYSIS_RETRY_DELAY_SECONDS'
>;

/** Analysis is on with an OpenAI key, or with a base URL alone (a simulator or a keyless gateway). */
export function analysisEnabled(c: Pick<AnalysisConfig, 'OPENAI_API_KEY' | 'OPENAI_BASE_URL'>): boolean {
  return !!(c.OPENAI_API_KEY || c.OPENAI_BASE_URL);
}

/** The queue, and the worker when this process runs one. */
export interface AnalysisRuntime {
  jobs: PgBossJobs;
  worker: AnalysisWorker | undefined;
  close(timeoutMs?: number): Promise<void>;
}

/**
 * Opens the job queue on the store's database and, when `work` is set, starts taking analysis jobs.
 * Undefined when analysis is off (no key and no base URL).
 */
export async function startAnalysis(o: {
  config: AnalysisConfig;
  store: AppStore;
  jobDatabase: JobDatabase;
  logger: Logger;
  work: boolean;
  schemaFor?: SchemaSource;
  pollingIntervalSeconds?: number;
  onOutcome?: (outcome: 'done' | 'skipped' | 'retry' | 'failed') => void;
}): Promise<AnalysisRuntime | undefined> {
  if (!analysisEnabled(o.config)) return undefined;
  const log = o.logger.child({ component: 'analysis' });
  const jobs = await PgBossJobs.open(o.jobDatabase, {
    retryLimit: o.config.ANALYSIS_RETRY_LIMIT,
    retryDelaySeconds: o.config.ANALYSIS_RETRY_DELAY_SECONDS,
    onError: (err) => log.warn({ err: err instanceof Error ? err.message : String(err) }, 'job queue error'),
  });
  let worker: AnalysisWorker | undefined;
  if (o.work) {
    const client = openAiClient({
      apiKey: o.config.OPENAI_API_KEY ?? 'unused',
      ...(o.config.OPENAI_BASE_URL ? { baseURL: o.config.OPENAI_BASE_URL } : {}),
      timeoutMs: o.config.ANALYSIS_TIMEOUT_MS,
    });
    const w = new AnalysisWorker({
      store: o.store,
      analyzer: new Analyzer({ client, model: o.config.ANALYSIS_MODEL }),
      logger: log,
      ...(o.schemaFor ? { schemaFor: o.schemaFor } : {}),
      ...(o.onOutcome ? { onOutcome: o.onOutcome } : {}),
    });
    worker = w;
    await jobs.work((job, attempt) => w.run(job, attempt), {
      ...(o.pollingIntervalSeconds ? { pollingIntervalSeconds: o.pollingIntervalSeconds } : {}),
    });
  }
  log.info({ worker: o.work ? 'inline' : 'off', model: o.config.ANALYSIS_MODEL }, 'post-call analysis on');
  return { jobs, worker, close: (timeoutMs?: number) => jobs.close(timeoutMs) };
}

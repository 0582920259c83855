import PgBoss from 'pg-boss';
import type { JobDatabase, PgliteSql } from '../store/pglite-handle.ts';

/** The pg-boss queue analyses wait in. */
export const ANALYSIS_QUEUE = 'conversation-analysis';

export interface AnalysisJob {
  conversationId: string;
  /** A staff re-run: analyse again even when an analysis is stored. */
  rerun?: boolean;
}

/** Where a finished call's analysis is asked for. */
export interface AnalysisQueue {
  /** `already-queued`: a job for this conversation is waiting (one per conversation). */
  enqueue(job: AnalysisJob): Promise<'queued' | 'already-queued'>;
  /** Jobs waiting, for the backlog gauge. */
  backlog?(): Promise<number>;
}

/** Which attempt a job is on. */
export interface Attempt {
  /** Retries so far (0 on the first attempt). */
  retryCount: number;
  retryLimit: number;
}

export interface JobQueueOptions {
  /** Retries after the first attempt (default 4). */
  retryLimit?: number;
  /** First retry delay; doubled each retry with back-off (default 30 s). */
  retryDelaySeconds?: number;
  /** A job running longer is failed and retried (default 10 min). */
  expireInSeconds?: number;
  /** Told of queue errors (pg-boss emits them; unheard, an EventEmitter error would end the process). */
  onError: (err: unknown) => void;
}

/**
 * pg-boss as a port: on Postgres by URL (its own small pool) or on the embedded PGlite (its SQL run
 * through PGlite itself, which serialises it with Prisma's). pg-boss keeps its tables in the `pgboss`
 * schema and migrates them itself at start.
 */
export class PgBossJobs implements AnalysisQueue {
  private working = false;

  private constructor(
    private readonly boss: PgBoss,
    private readonly opts: JobQueueOptions,
  ) {}

  static async open(db: JobDatabase, opts: JobQueueOptions): Promise<PgBossJobs> {
    const common = { schedule: false, supervise: true, migrate: true };
    const boss =
      db.kind === 'postgres'
        ? new PgBoss({
            ...common,
            connectionString: db.connectionString,
            max: 3,
            application_name: 'app-server-jobs',
          })
        : new PgBoss({ ...common, db: pgliteExecutor(db.pglite) });
    boss.on('error', opts.onError);
    await boss.start();
    await boss.createQueue(ANALYSIS_QUEUE, {
      name: ANALYSIS_QUEUE,
      // One waiting and one running job per singletonKey (the conversation): a repeated end or a
      // double-clicked re-run does not queue twice.
      policy: 'stately',
      retryLimit: opts.retryLimit ?? 4,
      retryDelay: opts.retryDelaySeconds ?? 30,
      retryBackoff: true,
      expireInSeconds: opts.expireInSeconds ?? 600,
    });
    return new PgBossJobs(boss, opts);
  }

  async enqueue(job: AnalysisJob): Promise<'queued' | 'already-queued'> {
    const id = await this.boss.send(ANALYSIS_QUEUE, { ...job }, { singletonKey: job.conversationId });
    return id ? 'queued' : 'already-queued';
  }

  /** Starts taking jobs; a handler that throws has its job retried with back-off until the limit. */
  async work(
    handler: (job: AnalysisJob, attempt: Attempt) => Promise<void>,
    opts: { pollingIntervalSeconds?: number } = {},
  ): Promise<void> {
    if (this.working) return;
    this.working = true;
    await this.boss.work<AnalysisJob>(
      ANALYSIS_QUEUE,
      { includeMetadata: true, batchSize: 1, pollingIntervalSeconds: opts.pollingIntervalSeconds ?? 2 },
      async ([job]) => {
        if (job) await handler(job.data, { retryCount: job.retryCount, retryLimit: job.retryLimit });
      },
    );
  }

  /** Stops taking jobs; the running one finishes. */
  async stopWorking(): Promise<void> {
    if (!this.working) return;
    this.working = false;
    await this.boss.offWork(ANALYSIS_QUEUE);
  }

  /** Jobs waiting (created or waiting to retry). */
  backlog(): Promise<number> {
    return this.boss.getQueueSize(ANALYSIS_QUEUE);
  }

  /** Stops workers and maintenance; waits for a running job up to `timeoutMs`. */
  async close(timeoutMs = 10_000): Promise<void> {
    this.working = false;
    await this.boss
      .stop({ graceful: true, wait: true, timeout: timeoutMs, close: true })
      .catch(this.opts.onError);
  }
}

/**
 * pg-boss's `db` option over PGlite: parameterised statements through `query`, scripts (pg-boss's
 * migrations and locked maintenance, several statements in one string) through `exec`.
 */
function pgliteExecutor(db: PgliteSql): PgBoss.Db {
  return {
    async executeSql(text: string, values?: unknown[]) {
      if (values?.length) return db.query(text, values);
      const results = await db.exec(text);
      return results.at(-1) ?? { rows: [] };
    },
  };
}

import type { Logger } from '@switchboard/service-kit';
import type { Conversation } from '../domain/types.ts';
import type { AppStore } from '../store/store.ts';
import { type AnalysisSchema, DEFAULT_ANALYSIS_SCHEMA } from './analysis-schema.ts';
import { errorNote } from './analysis-store.ts';
import { type Analyzer, hasSpeech, isRetryable } from './analyzer.ts';
import type { AnalysisJob, Attempt } from './job-queue.ts';

/**
 * The JSON Schema a profile's calls are analysed against: the profile's own from ai-server
 * (profile-schemas.ts) when AI_SERVER_URL is set, else the built-in one.
 */
export type SchemaSource = (botProfileKey: string, brandId?: string) => Promise<AnalysisSchema>;
export const defaultSchemaSource: SchemaSource = async () => DEFAULT_ANALYSIS_SCHEMA;

export interface AnalysisWorkerDeps {
  store: AppStore;
  analyzer: Analyzer;
  logger: Logger;
  schemaFor?: SchemaSource;
  /** Told of each outcome (metrics). */
  onOutcome?: (outcome: 'done' | 'skipped' | 'retry' | 'failed') => void;
}

/**
 * Runs one analysis job: idempotent by conversation (a stored analysis is kept unless staff asked for
 * a re-run), retried by the queue when the failure is one another attempt may fix, recorded as failed
 * when it is not or when the attempts run out.
 */
export class AnalysisWorker {
  constructor(private readonly deps: AnalysisWorkerDeps) {}

  async run(job: AnalysisJob, attempt: Attempt): Promise<void> {
    const { store, logger } = this.deps;
    // Job data comes back from the database: anything but a conversation id is dropped, not retried.
    if (typeof job?.conversationId !== 'string' || !/^[0-9a-f-]{36}$/.test(job.conversationId))
      return this.outcome('skipped', logger, 'malformed analysis job');
    const analyses = store.analyses();
    const log = logger.child({ conversationId: job.conversationId, attempt: attempt.retryCount + 1 });
    const conversation = await store.getConversationById(job.conversationId);
    if (!conversation) return this.outcome('skipped', log, 'conversation gone');
    const existing = await analyses.get(conversation.id);
    if (existing?.status === 'done' && !job.rerun) return this.outcome('skipped', log, 'already analysed');
    const messages = await store.listMessages(conversation.id);
    if (!hasSpeech(messages)) {
      await analyses.saveFailure(conversation.id, 'nothing was said in the call', true);
      return this.outcome('failed', log, 'no transcript');
    }
    await analyses.recordAttempt(conversation.id);
    try {
      const schema = await (this.deps.schemaFor ?? defaultSchemaSource)(
        conversation.botProfileKey,
        conversation.brandId ?? undefined,
      );
      const result = await this.deps.analyzer.analyze({ conversation, messages, schema });
      await analyses.saveResult(conversation.id, result);
      await this.announce(conversation);
      this.outcome('done', log, 'analysed');
    } catch (err) {
      const last = attempt.retryCount >= attempt.retryLimit;
      const retry = isRetryable(err) && !last;
      await analyses.saveFailure(conversation.id, errorNote(err), !retry);
      await this.announce(conversation);
      log.warn({ err: errorNote(err), retry }, 'analysis attempt failed');
      this.deps.onOutcome?.(retry ? 'retry' : 'failed');
      // Thrown, the queue retries it with back-off; swallowed, the job ends here.
      if (retry) throw err;
    }
  }

  /** Open conversation pages (on any replica) re-render their analysis panel. */
  private async announce(c: Conversation): Promise<void> {
    await this.deps.store
      .liveFeed()
      .append([{ brandId: c.brandId, conversationId: c.id, kind: 'conversation', ref: null }])
      .catch((err: unknown) => this.deps.logger.warn({ err: errorNote(err) }, 'analysis live update failed'));
  }

  private outcome(o: 'done' | 'skipped' | 'failed', log: Logger, msg: string): void {
    log.info({ outcome: o }, msg);
    this.deps.onOutcome?.(o);
  }
}

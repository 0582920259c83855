import { Errors, type Logger } from '@switchboard/service-kit';
import type { Conversation } from '../domain/types.ts';
import type { AppStore } from '../store/store.ts';
import type { AnalysisQueue } from './job-queue.ts';

/** What asks for analyses: a call's end, and staff re-runs. */
export class AnalysisService {
  constructor(
    private readonly store: AppStore,
    private readonly queue: AnalysisQueue | undefined,
    private readonly logger: Logger,
  ) {}

  get enabled(): boolean {
    return !!this.queue;
  }

  /**
   * After a call's end is stored: marks the analysis pending and queues it, unless one is stored. A
   * failure here is logged, never the end's: the call is recorded either way and staff can re-run.
   */
  async afterEnd(c: Conversation): Promise<void> {
    if (!this.queue) return;
    try {
      const analyses = this.store.analyses();
      if ((await analyses.get(c.id))?.status === 'done') return;
      await analyses.markPending(c.id);
      await this.queue.enqueue({ conversationId: c.id });
    } catch (err) {
      this.logger.warn(
        { conversationId: c.id, err: err instanceof Error ? err.message : String(err) },
        'analysis not queued',
      );
    }
  }

  /** A staff re-run of one of their brand's ended conversations. */
  async rerun(brandId: string, conversationId: string): Promise<'queued' | 'already-queued'> {
    const c = await this.store.getConversation(brandId, conversationId);
    if (!c) throw Errors.notFound('no such conversation');
    if (!this.queue)
      throw Errors.conflict('post-call analysis is off (no OPENAI_API_KEY or OPENAI_BASE_URL)');
    if (c.status !== 'ended') throw Errors.conflict('the call has not ended yet');
    await this.store.analyses().markPending(c.id);
    return this.queue.enqueue({ conversationId: c.id, rerun: true });
  }
}

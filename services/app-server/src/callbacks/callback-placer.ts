/**
 * Places booked callbacks for brands that opted in (`autoPlaceCallbacks`): each sweep claims the
 * callbacks whose window has opened and asks ai-server to call, with the same rules as any outbound
 * call. A temporary refusal (calling hours, concurrency, the per-minute limit, ai-server away) waits
 * and is tried again; a lasting one (do-not-call, no caller ID, an unknown profile) is recorded and
 * left to staff. A callback whose window closes before it could be placed is marked `missed`, the
 * reason on its placement, so staff see it rather than a callback `scheduled` forever.
 */
import type { Logger } from '@switchboard/service-kit';
import type { AiOutbound, OutboundCallAnswer } from './ai-outbound.ts';
import type { CallbackPlacementStore, DueCallback, PlacementResult } from './placement-store.ts';

/** Error codes that pass with time; any 429 or 5xx too. */
const TEMPORARY_CODES = new Set(['OUTSIDE_CALLING_HOURS', 'OUTBOUND_UNAVAILABLE']);

export interface CallbackPlacerOptions {
  store: CallbackPlacementStore;
  ai: AiOutbound;
  logger: Logger;
  now?: () => Date;
  /** How long a waiting callback waits when ai-server names no retry-after. */
  retryDelayMs?: number;
  /** A claim older than this whose sweep never recorded an answer is taken again. */
  staleClaimMs?: number;
  batchSize?: number;
}

export interface SweepSummary {
  placed: number;
  waiting: number;
  refused: number;
  /** Callbacks whose window closed before they could be placed, now `missed`. */
  expired: number;
}

export class CallbackPlacer {
  private readonly now: () => Date;

  constructor(private readonly opts: CallbackPlacerOptions) {
    this.now = opts.now ?? (() => new Date());
  }

  /** One pass over the due callbacks; safe to run on several replicas at once. */
  async sweep(): Promise<SweepSummary> {
    const summary: SweepSummary = { placed: 0, waiting: 0, refused: 0, expired: 0 };
    const now = this.now();
    const staleBefore = new Date(now.getTime() - (this.opts.staleClaimMs ?? 5 * 60_000));
    const expired = await this.opts.store.expire(now, staleBefore, this.opts.batchSize ?? 20);
    summary.expired = expired.length;
    for (const callbackId of expired)
      this.opts.logger.info({ callbackId, state: 'expired' }, 'booked callback missed: its window closed');
    const due = await this.opts.store.due(now, staleBefore, this.opts.batchSize ?? 20);
    for (const cb of due) {
      if (!(await this.opts.store.claim(cb.callbackId, now, staleBefore))) continue;
      const result = await this.place(cb);
      await this.opts.store.record(cb.callbackId, result, this.now());
      summary[result.state] += 1;
      this.opts.logger.info(
        {
          callbackId: cb.callbackId,
          state: result.state,
          ...('refusalCode' in result ? { code: result.refusalCode } : {}),
        },
        'booked callback placement',
      );
    }
    return summary;
  }

  private async place(cb: DueCallback): Promise<PlacementResult> {
    let answer: OutboundCallAnswer;
    try {
      answer = await this.opts.ai.place({
        brandId: cb.brandId,
        profileKey: cb.profileKey,
        to: cb.phone,
        task: `Call back about: ${cb.reason}`.slice(0, 4000),
        context: {
          reason: cb.reason.slice(0, 2000),
          callbackId: cb.callbackId,
          bookedOnConversation: cb.conversationId,
          windowStart: cb.windowStart?.toISOString() ?? null,
          windowEnd: cb.windowEnd?.toISOString() ?? null,
        },
        idempotencyKey: `callback:${cb.callbackId}`,
        calleeTimezone: cb.timezone,
      });
    } catch (err) {
      answer = {
        ok: false,
        httpStatus: 503,
        code: 'AI_SERVER_ERROR',
        message: String(err),
        retryAfterSec: null,
      };
    }
    if (answer.ok)
      return {
        state: 'placed',
        outboundCallId: answer.id,
        callSid: answer.callSid,
        outboundStatus: answer.status,
      };
    const temporary =
      answer.httpStatus === 429 || answer.httpStatus >= 500 || TEMPORARY_CODES.has(answer.code);
    if (!temporary) return { state: 'refused', refusalCode: answer.code, refusalMessage: answer.message };
    const delayMs =
      answer.retryAfterSec !== null ? answer.retryAfterSec * 1000 : (this.opts.retryDelayMs ?? 15 * 60_000);
    return {
      state: 'waiting',
      refusalCode: answer.code,
      refusalMessage: answer.message,
      retryAt: new Date(this.now().getTime() + delayMs),
    };
  }
}

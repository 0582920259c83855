/**
 * Outcome webhooks: when an outbound call reaches its final state, an event is stored for the brand's
 * webhook (its body fixed then, its id the receiver's dedupe key) and POSTed, signed, until the
 * receiver answers 2xx. Tries back off exponentially (`backoffMs`, doubled each time) up to
 * `maxAttempts`, or wait what a 429 or 503 asks in `Retry-After` (capped); a 3xx (redirects are not
 * followed) or a 4xx other than 408 and 429 stops it, recorded (see webhook-retry.ts). The state lives in the database:
 * every replica polls, and a replica claims a due event by pushing its `nextAttemptAt` out by a lease
 * (where it still has the value read), so one try goes out at a time and a crashed replica's claim
 * lapses. The URL passes the dynamic tools' endpoint policy when saved and again at every connect.
 */
import type { Logger } from '@switchboard/service-kit';
import type { OutboundCall, Prisma, PrismaClient } from '../../generated/prisma/client.ts';
import {
  endpointProblem,
  resolvedAddressProblem,
  type ToolEndpointPolicy,
} from '../tools/endpoint-policy.ts';
import { CONNECT_REFUSED, guardedFetch } from '../tools/guarded-fetch.ts';
import type { WebhookDeliverySettings } from './settings.ts';
import { afterTry } from './webhook-retry.ts';
import { EVENT_ID_HEADER, SIGNATURE_HEADER, signWebhook } from './webhook-signature.ts';

export const DEFAULT_WEBHOOK_DELIVERY: WebhookDeliverySettings = {
  maxAttempts: 8,
  backoffMs: 600_000,
  timeoutMs: 10_000,
  pollMs: 5_000,
  settleMs: 2_000,
};

const BATCH = 20;

/** The event a receiver gets. */
export interface OutcomeEvent {
  id: string;
  type: 'outbound_call.ended';
  createdAt: string;
  /** The call as `GET /admin/outbound-calls/:id` shows it (without `nextAttemptAt`, `updatedAt`). */
  call: Record<string, unknown>;
}

/** A delivery's state, as GET /admin/outbound-calls/:id shows it. */
export interface DeliveryView {
  eventId: string;
  state: string;
  attempts: number;
  lastStatus: number | null;
  lastError: string | null;
  nextAttemptAt: string | null;
  deliveredAt: string | null;
}

export class OutcomeWebhooks {
  private readonly fetchImpl: typeof fetch;
  private running: Promise<number> | undefined;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly prisma: PrismaClient,
    private readonly policy: ToolEndpointPolicy,
    readonly settings: WebhookDeliverySettings,
    /** The brand's view of a call (the event's `call`). */
    private readonly viewOf: (call: OutboundCall & { profile: { key: string } }) => Record<string, unknown>,
    private readonly opts: {
      log: Pick<Logger, 'info' | 'warn'>;
      fetch?: typeof fetch;
      resolve?: (host: string) => Promise<string[]>;
    },
  ) {
    this.fetchImpl = opts.fetch ?? guardedFetch(policy, opts.resolve);
  }

  /** Why `url` can't receive webhooks (the dynamic tools' endpoint policy), or undefined. */
  async urlProblem(url: string): Promise<string | undefined> {
    const problem = endpointProblem(url, this.policy);
    if (problem) return problem;
    const resolved = await resolvedAddressProblem(new URL(url), this.policy, this.opts.resolve);
    return resolved?.startsWith('host did not resolve') ? undefined : resolved;
  }

  /**
   * Records the event of a call that reached its final state, when its brand has a webhook, and tries
   * it `settleMs` later (the reports that trail the final status, such as what the agent did on a
   * machine, are in by then). Once per call: a second report changes nothing.
   */
  async callEnded(outboundCallId: string): Promise<void> {
    const call = await this.prisma.outboundCall.findUnique({
      where: { id: outboundCallId },
      select: {
        id: true,
        brandId: true,
        brand: { select: { outboundWebhook: { select: { brandId: true } } } },
      },
    });
    if (!call?.brand.outboundWebhook) return;
    const created = await this.prisma.outboundWebhookDelivery
      .create({
        data: {
          brandId: call.brandId,
          outboundCallId: call.id,
          nextAttemptAt: new Date(Date.now() + this.settings.settleMs),
        },
      })
      .catch((err: { code?: string }) => {
        if (err.code === 'P2002') return undefined;
        throw err;
      });
    if (!created) return;
    setTimeout(() => {
      this.runOnce().catch((err: Error) =>
        this.opts.log.warn({ err: { message: err.message } }, 'outcome webhooks failed'),
      );
    }, this.settings.settleMs).unref();
  }

  /** The event of a delivery, made from the call as it is now (its first try). */
  private async eventOf(id: string, outboundCallId: string, createdAt: Date): Promise<OutcomeEvent> {
    const call = await this.prisma.outboundCall.findUniqueOrThrow({
      where: { id: outboundCallId },
      include: { profile: { select: { key: true } } },
    });
    const { nextAttemptAt: _n, updatedAt: _u, ...view } = this.viewOf(call);
    return { id, type: 'outbound_call.ended', createdAt: createdAt.toISOString(), call: view };
  }

  /** The delivery state of a call's event, or null when none was made. */
  async deliveryOf(outboundCallId: string): Promise<DeliveryView | null> {
    const d = await this.prisma.outboundWebhookDelivery.findUnique({ where: { outboundCallId } });
    if (!d) return null;
    return {
      eventId: d.id,
      state: d.state,
      attempts: d.attempts,
      lastStatus: d.lastStatus,
      lastError: d.lastError,
      nextAttemptAt: d.state === 'pending' ? (d.nextAttemptAt?.toISOString() ?? null) : null,
      deliveredAt: d.deliveredAt?.toISOString() ?? null,
    };
  }

  /** Tries what is due now (one pass at a time in this process); resolves with how many were tried. */
  runOnce(): Promise<number> {
    this.running ??= this.tryDue().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  start(): void {
    this.timer ??= setInterval(() => {
      this.runOnce().catch((err: Error) =>
        this.opts.log.warn({ err: { message: err.message } }, 'outcome webhooks failed'),
      );
    }, this.settings.pollMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  private async tryDue(): Promise<number> {
    const due = await this.prisma.outboundWebhookDelivery.findMany({
      where: { state: 'pending', nextAttemptAt: { lte: new Date() } },
      orderBy: { nextAttemptAt: 'asc' },
      take: BATCH,
    });
    let tried = 0;
    for (const d of due) {
      const lease = new Date(Date.now() + this.settings.timeoutMs + 30_000);
      const claimed = await this.prisma.outboundWebhookDelivery.updateMany({
        where: { id: d.id, state: 'pending', nextAttemptAt: d.nextAttemptAt },
        data: { nextAttemptAt: lease },
      });
      if (claimed.count !== 1) continue;
      tried++;
      let body = d.body;
      if (body === null) {
        body = JSON.stringify(await this.eventOf(d.id, d.outboundCallId, d.createdAt));
        await this.prisma.outboundWebhookDelivery.update({ where: { id: d.id }, data: { body } });
      }
      await this.tryOne(d.id, d.brandId, body, d.attempts);
    }
    return tried;
  }

  private async tryOne(id: string, brandId: string, body: string, attemptsBefore: number) {
    const attempts = attemptsBefore + 1;
    const hook = await this.prisma.outboundWebhook.findUnique({ where: { brandId } });
    const finish = (data: Prisma.OutboundWebhookDeliveryUpdateInput) =>
      this.prisma.outboundWebhookDelivery.update({ where: { id }, data: { attempts, ...data } });
    if (!hook) return finish({ state: 'stopped', lastError: 'the webhook was removed', nextAttemptAt: null });
    const staticProblem = endpointProblem(hook.url, this.policy);
    if (staticProblem)
      return finish({ state: 'stopped', lastError: `url ${staticProblem}`, nextAttemptAt: null });

    const result = await this.post(hook.url, hook.secret, id, body);
    this.opts.log.info(
      { eventId: id, attempt: attempts, status: result.status, error: result.error },
      'outcome webhook tried',
    );
    const next = afterTry(result.status, attempts, this.settings, result.retryAfter, Date.now());
    if (next.kind === 'delivered')
      return finish({
        state: 'delivered',
        lastStatus: result.status,
        lastError: null,
        deliveredAt: new Date(),
        nextAttemptAt: null,
      });
    const lastError = result.error ?? `the receiver answered ${result.status}`;
    const lastStatus = result.status ?? null;
    if (next.kind !== 'again')
      return finish({ state: next.kind, lastStatus, lastError, nextAttemptAt: null });
    return finish({ lastStatus, lastError, nextAttemptAt: new Date(Date.now() + next.waitMs) });
  }

  /** One signed POST: the status, or what kept it from answering. Redirects are not followed. */
  private async post(
    url: string,
    secret: string,
    eventId: string,
    body: string,
  ): Promise<{ status?: number; retryAfter?: string | null; error?: string }> {
    const resolved = await resolvedAddressProblem(new URL(url), this.policy, this.opts.resolve);
    if (resolved) return { error: `url ${resolved}` };
    const signal = AbortSignal.timeout(this.settings.timeoutMs);
    try {
      const res = await this.fetchImpl(url, {
        method: 'POST',
        redirect: 'manual',
        signal,
        headers: {
          'content-type': 'application/json',
          'user-agent': 'switchboard-ai-server',
          [EVENT_ID_HEADER]: eventId,
          [SIGNATURE_HEADER]: signWebhook(secret, Math.floor(Date.now() / 1000), body),
        },
        body,
      });
      await res.body?.cancel().catch(() => undefined);
      return { status: res.status, retryAfter: res.headers.get('retry-after') };
    } catch (err) {
      const name = (err as Error).name;
      if (name === 'TimeoutError' || name === 'AbortError' || signal.aborted)
        return { error: `the receiver did not answer within ${this.settings.timeoutMs} ms` };
      const cause = (err as { cause?: { code?: string } }).cause?.code;
      if (cause === CONNECT_REFUSED) return { error: 'url resolves to a non-public address' };
      return { error: `the receiver is unreachable${cause ? ` (${cause})` : ''}` };
    }
  }
}

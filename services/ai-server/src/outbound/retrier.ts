/**
 * Places the retries of busy and no-answer outbound calls once they are due. Every replica polls; a
 * retry is claimed by clearing its `nextAttemptAt` where it still has the value read, so only one
 * replica places it. Outside the callee's calling hours a retry waits a quarter of an hour and looks
 * again (its attempt count unchanged).
 */
import type { Logger } from '@switchboard/service-kit';
import type { AppContext } from '../context.ts';
import { calleeTimezone, withinCallingHours } from './calling-hours.ts';

const BATCH = 20;
const LATER_MS = 15 * 60_000;

export interface OutboundRetrier {
  /** Places what is due now; resolves with how many were placed. */
  runOnce(): Promise<number>;
  stop(): void;
}

export function startOutboundRetrier(
  ctx: AppContext,
  opts: { intervalMs: number; log: Logger },
): OutboundRetrier {
  const dialer = ctx.outbound.dialer;
  let running: Promise<number> | undefined;

  const placeDue = async (): Promise<number> => {
    if (!dialer) return 0;
    const now = new Date();
    const due = await ctx.prisma.outboundCall.findMany({
      where: { status: 'queued', callSid: null, nextAttemptAt: { lte: now } },
      include: { profile: { select: { timezone: true, voicemailMessage: true } } },
      orderBy: { nextAttemptAt: 'asc' },
      take: BATCH,
    });
    let placed = 0;
    for (const row of due) {
      const zone = calleeTimezone(row.toNumber, undefined, row.profile.timezone).timezone;
      if (!withinCallingHours(ctx.now(), zone, ctx.outbound.callingWindow)) {
        await ctx.prisma.outboundCall.updateMany({
          where: { id: row.id, nextAttemptAt: row.nextAttemptAt },
          data: { nextAttemptAt: new Date(Date.now() + LATER_MS) },
        });
        continue;
      }
      const claimed = await ctx.prisma.outboundCall.updateMany({
        where: { id: row.id, nextAttemptAt: row.nextAttemptAt, callSid: null },
        data: { nextAttemptAt: null },
      });
      if (claimed.count !== 1) continue;
      const result = await dialer.place({
        outboundCallId: row.id,
        to: row.toNumber,
        from: row.fromNumber,
        machineDetection: row.profile.voicemailMessage ? 'DetectMessageEnd' : 'Enable',
        timeoutSec: ctx.outbound.ringTimeoutSec,
      });
      if (result.ok) {
        placed++;
        await ctx.prisma.outboundCall.update({ where: { id: row.id }, data: { callSid: result.callSid } });
      } else {
        opts.log.warn({ outboundCallId: row.id, attempt: row.attempt }, 'outbound retry not placed');
        await ctx.prisma.outboundCall.update({
          where: { id: row.id },
          data: {
            status: 'failed',
            endedAt: new Date(),
            error:
              result.refused && result.twilioCode
                ? { message: result.message, twilioCode: result.twilioCode }
                : { message: result.message },
          },
        });
        await ctx.webhooks.callEnded(row.id);
      }
    }
    return placed;
  };

  const runOnce = (): Promise<number> => {
    // One pass at a time in this process.
    running ??= placeDue().finally(() => {
      running = undefined;
    });
    return running;
  };
  const timer = setInterval(() => {
    runOnce().catch((err: Error) =>
      opts.log.warn({ err: { message: err.message } }, 'outbound retries failed'),
    );
  }, opts.intervalMs);
  timer.unref();
  return {
    runOnce,
    stop() {
      clearInterval(timer);
    },
  };
}

/**
 * The per-brand calls-per-minute limit: the calls the brand placed in the last 60 seconds, counted in
 * the database (so every replica sees the same count), inside the transaction that holds the brand's
 * advisory lock (so two requests at once cannot both take the last place). A refusal says when the
 * oldest call in the window leaves it (`retryAfterSec`, sent as Retry-After).
 */
import type { Prisma } from '../../generated/prisma/client.ts';
import { AiErrors } from '../errors.ts';

const WINDOW_MS = 60_000;

export async function checkCallsPerMinute(
  tx: Prisma.TransactionClient,
  brandId: string,
  maxPerMinute: number,
): Promise<void> {
  const since = new Date(Date.now() - WINDOW_MS);
  const recent = await tx.outboundCall.findMany({
    where: { brandId, createdAt: { gt: since } },
    select: { createdAt: true },
    orderBy: { createdAt: 'desc' },
    take: maxPerMinute,
  });
  if (recent.length < maxPerMinute) return;
  // The call that must leave the window before another fits: the limit-th newest.
  const oldest = recent[recent.length - 1]!.createdAt.getTime();
  const retryAfterSec = Math.max(1, Math.ceil((oldest + WINDOW_MS - Date.now()) / 1000));
  throw AiErrors.rateLimit(
    `rate limit: this brand placed ${recent.length} outbound calls in the last minute (at most ${maxPerMinute} a minute); try again in ${retryAfterSec} s`,
    { retryAfterSec },
  );
}

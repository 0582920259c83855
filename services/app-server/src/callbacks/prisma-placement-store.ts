import type { PrismaClient, CallbackPlacement as Row } from '../../generated/prisma/client.ts';
import {
  type CallbackPlacement,
  type CallbackPlacementStore,
  type DueCallback,
  expiredFields,
  type PlacementResult,
  type PlacementState,
  placementFields,
} from './placement-store.ts';

const toPlacement = (r: Row): CallbackPlacement => ({ ...r, state: r.state as PlacementState });

/** The CallbackPlacementStore on the service's database (`callback_placement`, `brand`). */
export class PrismaCallbackPlacementStore implements CallbackPlacementStore {
  constructor(private readonly prisma: PrismaClient) {}

  async setAutoPlace(brandId: string, on: boolean): Promise<void> {
    await this.prisma.brand.upsert({
      where: { id: brandId },
      create: { id: brandId, autoPlaceCallbacks: on },
      update: { autoPlaceCallbacks: on },
    });
  }

  async autoPlaceOf(brandId: string): Promise<boolean> {
    const b = await this.prisma.brand.findUnique({
      where: { id: brandId },
      select: { autoPlaceCallbacks: true },
    });
    return b?.autoPlaceCallbacks ?? false;
  }

  private reclaimableWhere(now: Date, staleBefore: Date) {
    return [
      { state: 'waiting', OR: [{ retryAt: null }, { retryAt: { lte: now } }] },
      { state: 'placing', claimedAt: { lt: staleBefore } },
    ];
  }

  /** The brands whose booked callbacks the product places itself. */
  private async optedInBrandIds(): Promise<string[]> {
    const brands = await this.prisma.brand.findMany({
      where: { autoPlaceCallbacks: true },
      select: { id: true },
    });
    return brands.map((b) => b.id);
  }

  async due(now: Date, staleBefore: Date, limit: number): Promise<DueCallback[]> {
    const brandIds = await this.optedInBrandIds();
    if (brandIds.length === 0) return [];
    const rows = await this.prisma.callback.findMany({
      where: {
        status: 'scheduled',
        conversation: { brandId: { in: brandIds } },
        AND: [
          { OR: [{ windowStart: null }, { windowStart: { lte: now } }] },
          { OR: [{ windowEnd: null }, { windowEnd: { gt: now } }] },
          { OR: [{ placement: null }, { placement: { OR: this.reclaimableWhere(now, staleBefore) } }] },
        ],
      },
      include: { conversation: { select: { brandId: true, botProfileKey: true } } },
      orderBy: [{ windowStart: 'asc' }, { createdAt: 'asc' }],
      take: limit,
    });
    return rows.map((c) => ({
      callbackId: c.id,
      brandId: c.conversation.brandId!,
      profileKey: c.conversation.botProfileKey,
      conversationId: c.conversationId,
      phone: c.phone,
      reason: c.reason,
      timezone: c.timezone,
      windowStart: c.windowStart,
      windowEnd: c.windowEnd,
    }));
  }

  async claim(callbackId: string, now: Date, staleBefore: Date): Promise<boolean> {
    // First placement: the primary key lets one insert through.
    const created = await this.prisma.callbackPlacement.createMany({
      data: [{ callbackId, state: 'placing', claimedAt: now }],
      skipDuplicates: true,
    });
    if (created.count === 1) return true;
    // Again: a conditional update, so only one sweep moves it back to placing.
    const taken = await this.prisma.callbackPlacement.updateMany({
      where: { callbackId, OR: this.reclaimableWhere(now, staleBefore) },
      data: { state: 'placing', claimedAt: now, retryAt: null, attempts: { increment: 1 } },
    });
    return taken.count === 1;
  }

  async record(callbackId: string, result: PlacementResult, _now: Date): Promise<CallbackPlacement> {
    const row = await this.prisma.callbackPlacement.update({
      where: { callbackId },
      data: placementFields(result),
    });
    return toPlacement(row);
  }

  async expire(now: Date, staleBefore: Date, limit: number): Promise<string[]> {
    const brandIds = await this.optedInBrandIds();
    if (brandIds.length === 0) return [];
    const rows = await this.prisma.callback.findMany({
      where: {
        status: 'scheduled',
        windowEnd: { lte: now },
        conversation: { brandId: { in: brandIds } },
        OR: [{ placement: null }, { placement: { OR: this.reclaimableWhere(now, staleBefore) } }],
      },
      select: { id: true, windowEnd: true, placement: true },
      orderBy: { windowEnd: 'asc' },
      take: limit,
    });
    const expired: string[] = [];
    for (const row of rows) {
      const fields = expiredFields(row.windowEnd!, row.placement && toPlacement(row.placement));
      const done = await this.prisma
        .$transaction(async (tx) => {
          // Conditional: a callback staff changed meanwhile, or another replica expired, stays as it is.
          const moved = await tx.callback.updateMany({
            where: { id: row.id, status: 'scheduled' },
            data: { status: 'missed' },
          });
          if (moved.count !== 1) return false;
          // So is one another replica has just claimed (its call is being placed): roll back.
          const kept = row.placement
            ? await tx.callbackPlacement.updateMany({
                where: { callbackId: row.id, OR: this.reclaimableWhere(now, staleBefore) },
                data: fields,
              })
            : await tx.callbackPlacement.createMany({
                data: [{ callbackId: row.id, attempts: 0, claimedAt: now, ...fields }],
                skipDuplicates: true,
              });
          if (kept.count !== 1) throw new ClaimedMeanwhile();
          return true;
        })
        .catch((err: unknown) => {
          if (err instanceof ClaimedMeanwhile) return false;
          throw err;
        });
      if (done) expired.push(row.id);
    }
    return expired;
  }

  async forCallback(callbackId: string): Promise<CallbackPlacement | null> {
    const row = await this.prisma.callbackPlacement.findUnique({ where: { callbackId } });
    return row ? toPlacement(row) : null;
  }

  async forCallbacks(callbackIds: readonly string[]): Promise<Map<string, CallbackPlacement>> {
    if (callbackIds.length === 0) return new Map();
    const rows = await this.prisma.callbackPlacement.findMany({
      where: { callbackId: { in: [...callbackIds] } },
    });
    return new Map(rows.map((r) => [r.callbackId, toPlacement(r)]));
  }
}

/** Rolls an expiry back: another replica claimed the callback between the read and the write. */
class ClaimedMeanwhile extends Error {}

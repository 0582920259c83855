// Two app-server replicas sweep the same callbacks. One expires a callback whose window has closed
// while the other, its clock a little behind, has just claimed it and is placing the call: the
// expiry must step aside (the callback stays scheduled, the claim stays), not mark it missed under a
// call being placed. The claim is made between the expiring replica's read and its write.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PrismaClient } from '../../generated/prisma/client.ts';
import { openPrismaStore } from '../store/prisma-store.ts';
import type { AppStore } from '../store/store.ts';
import { PrismaCallbackPlacementStore } from './prisma-placement-store.ts';

const NOW = new Date('2026-12-07T15:00:00Z');
const STALE_BEFORE = new Date(NOW.getTime() - 5 * 60_000);

let store: AppStore;
let prisma: PrismaClient;
beforeAll(async () => {
  store = await openPrismaStore({ dataDir: 'memory' });
  prisma = (store as unknown as { prisma: PrismaClient }).prisma;
}, 60_000);
afterAll(async () => {
  await store?.close();
});

/** An opted-in brand's callback whose window closed at 14:59:30. */
async function closedWindow(): Promise<{ brandId: string; callbackId: string }> {
  const brandId = randomUUID();
  await store.callbackPlacements().setAutoPlace(brandId, true);
  const { conversation } = await store.startConversation({
    callSid: `CA${randomUUID().replaceAll('-', '')}`,
    botProfileKey: 'front-desk',
    brandId,
    callerNumber: '+14155550123',
    isSip: false,
    startedAt: new Date('2026-12-07T09:00:00Z'),
    freshcallerCallId: null,
    timezone: null,
  });
  const { ticket } = await store.createTicket(conversation.id, {
    kind: 'callback',
    priority: 'normal',
    summary: 'Wants a call back',
    transcriptExcerpt: '',
    knowledgeChunkIds: [],
    transferTarget: null,
    idempotencyKey: null,
    opikTraceId: null,
    callback: {
      phone: '+14155550123',
      windowStart: new Date('2026-12-07T14:00:00Z'),
      windowEnd: new Date('2026-12-07T14:59:30Z'),
      timezone: 'America/New_York',
      reason: 'the boiler',
    },
  });
  return { brandId, callbackId: ticket.callback!.id };
}

/** The expiring replica's store, with the other replica claiming `callbackId` right after its read. */
function expiringReplica(callbackId: string): PrismaCallbackPlacementStore {
  const other = new PrismaCallbackPlacementStore(prisma);
  const racing = prisma.$extends({
    query: {
      callback: {
        async findMany({ args, query }) {
          const rows = await query(args);
          // Its clock is behind: for it the window is still open, and the callback is due.
          expect(await other.claim(callbackId, new Date('2026-12-07T14:59:20Z'), STALE_BEFORE)).toBe(true);
          return rows;
        },
      },
    },
  });
  return new PrismaCallbackPlacementStore(racing as unknown as PrismaClient);
}

describe('expiring a callback another replica has just claimed', () => {
  it('steps aside when the claim is the first placement', async () => {
    const { brandId, callbackId } = await closedWindow();
    expect(await expiringReplica(callbackId).expire(NOW, STALE_BEFORE, 20)).toEqual([]);
    expect((await store.getCallback(brandId, callbackId))?.status).toBe('scheduled');
    expect(await store.callbackPlacements().forCallback(callbackId)).toMatchObject({ state: 'placing' });
  });

  it('steps aside when the claim retakes one that was waiting', async () => {
    const { brandId, callbackId } = await closedWindow();
    const placements = store.callbackPlacements();
    expect(await placements.claim(callbackId, new Date('2026-12-07T14:00:00Z'), STALE_BEFORE)).toBe(true);
    await placements.record(
      callbackId,
      {
        state: 'waiting',
        refusalCode: 'OUTSIDE_CALLING_HOURS',
        refusalMessage: 'calling hours',
        retryAt: new Date('2026-12-07T14:20:00Z'),
      },
      new Date('2026-12-07T14:00:00Z'),
    );
    expect(await expiringReplica(callbackId).expire(NOW, STALE_BEFORE, 20)).toEqual([]);
    expect((await store.getCallback(brandId, callbackId))?.status).toBe('scheduled');
    expect(await placements.forCallback(callbackId)).toMatchObject({ state: 'placing', attempts: 2 });
  });

  it('still expires one nobody claims', async () => {
    const { brandId, callbackId } = await closedWindow();
    expect(await new PrismaCallbackPlacementStore(prisma).expire(NOW, STALE_BEFORE, 20)).toContain(
      callbackId,
    );
    expect((await store.getCallback(brandId, callbackId))?.status).toBe('missed');
  });
});

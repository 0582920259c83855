import { randomUUID } from 'node:crypto';
import { createLogger } from '@switchboard/service-kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryStore } from '../store/memory-store.ts';
import { openPrismaStore } from '../store/prisma-store.ts';
import type { AppStore } from '../store/store.ts';
import type { AiOutbound, OutboundCallAnswer, OutboundCallRequest } from './ai-outbound.ts';
import { CallbackPlacer } from './callback-placer.ts';

const NOW = new Date('2026-12-07T15:00:00Z');
const logger = createLogger({ name: 'test', level: 'silent' });

/** A stand-in for ai-server's `POST /internal/outbound-calls` that answers after a tick. */
function fakeAi(answer: (req: OutboundCallRequest) => OutboundCallAnswer) {
  const requests: OutboundCallRequest[] = [];
  const ai: AiOutbound = {
    async place(req) {
      requests.push(req);
      await new Promise((r) => setTimeout(r, 5));
      return answer(req);
    },
  };
  return { ai, requests };
}
const placedAnswer = (): OutboundCallAnswer => ({
  ok: true,
  id: randomUUID(),
  callSid: `CA${randomUUID().replaceAll('-', '')}`,
  status: 'queued',
});

const stores: [string, () => Promise<AppStore>][] = [
  ['MemoryStore', async () => new MemoryStore()],
  ['PrismaStore (PGlite)', () => openPrismaStore({ dataDir: 'memory' })],
];

describe.each(stores)('booked callbacks on %s', (_name, open) => {
  let store: AppStore;
  beforeAll(async () => {
    store = await open();
  }, 60_000);
  afterAll(async () => {
    await store?.close();
  });

  /** A brand (opted in or not) with one callback booked on a call, its window as given. */
  async function booked(opts: { optIn: boolean; windowStart?: Date | null; windowEnd?: Date | null }) {
    const brandId = randomUUID();
    if (opts.optIn) await store.callbackPlacements().setAutoPlace(brandId, true);
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
      summary: 'Wants a call back about the boiler',
      transcriptExcerpt: '',
      knowledgeChunkIds: [],
      transferTarget: null,
      idempotencyKey: null,
      opikTraceId: null,
      callback: {
        phone: '+14155550123',
        windowStart: opts.windowStart === undefined ? new Date('2026-12-07T14:00:00Z') : opts.windowStart,
        windowEnd: opts.windowEnd === undefined ? new Date('2026-12-07T16:00:00Z') : opts.windowEnd,
        timezone: 'America/New_York',
        reason: 'the boiler repair quote',
      },
    });
    return { brandId, conversation, callbackId: ticket.callback!.id };
  }

  const placer = (ai: AiOutbound, now = () => NOW) =>
    new CallbackPlacer({ store: store.callbackPlacements(), ai, logger, now, retryDelayMs: 60_000 });

  it('places a due callback once even when two sweeps (two replicas) race for it', async () => {
    const { brandId, callbackId, conversation } = await booked({ optIn: true });
    const { ai, requests } = fakeAi(placedAnswer);
    const [a, b] = await Promise.all([placer(ai).sweep(), placer(ai).sweep()]);
    const mine = requests.filter((r) => r.idempotencyKey === `callback:${callbackId}`);
    expect(mine).toHaveLength(1);
    expect(mine[0]).toMatchObject({
      brandId,
      profileKey: 'front-desk',
      to: '+14155550123',
      task: 'Call back about: the boiler repair quote',
      calleeTimezone: 'America/New_York',
      context: { reason: 'the boiler repair quote', bookedOnConversation: conversation.id },
    });
    expect(a.placed + b.placed).toBeGreaterThanOrEqual(1);
    const placement = await store.callbackPlacements().forCallback(callbackId);
    expect(placement).toMatchObject({
      state: 'placed',
      attempts: 1,
      outboundStatus: 'queued',
      refusalCode: null,
    });
    expect(placement!.outboundCallId).toMatch(/^[0-9a-f-]{36}$/);
    // A later sweep leaves a placed callback alone.
    await placer(ai).sweep();
    expect(requests.filter((r) => r.idempotencyKey === `callback:${callbackId}`)).toHaveLength(1);
  });

  it('does not place callbacks of a brand that has not opted in, nor before the window opens', async () => {
    const notOpted = await booked({ optIn: false });
    const early = await booked({ optIn: true, windowStart: new Date('2026-12-07T18:00:00Z') });
    const missed = await booked({ optIn: true, windowEnd: new Date('2026-12-07T14:30:00Z') });
    const { ai, requests } = fakeAi(placedAnswer);
    await placer(ai).sweep();
    const keys = requests.map((r) => r.idempotencyKey);
    for (const c of [notOpted, early, missed]) expect(keys).not.toContain(`callback:${c.callbackId}`);
    for (const c of [notOpted, early])
      expect(await store.callbackPlacements().forCallback(c.callbackId)).toBeNull();
    // Once the brand opts in, its callback is placed on the next sweep.
    await store.callbackPlacements().setAutoPlace(notOpted.brandId, true);
    await placer(ai).sweep();
    expect(requests.map((r) => r.idempotencyKey)).toContain(`callback:${notOpted.callbackId}`);
  });

  it('records a lasting refusal (do-not-call) and does not try again', async () => {
    const { callbackId } = await booked({ optIn: true });
    const { ai, requests } = fakeAi(() => ({
      ok: false,
      httpStatus: 422,
      code: 'DO_NOT_CALL',
      message: "do-not-call list: this number is on the brand's do-not-call list",
      retryAfterSec: null,
    }));
    await placer(ai).sweep();
    expect(await store.callbackPlacements().forCallback(callbackId)).toMatchObject({
      state: 'refused',
      refusalCode: 'DO_NOT_CALL',
      refusalMessage: expect.stringMatching(/do-not-call/),
      outboundCallId: null,
    });
    await placer(ai, () => new Date(NOW.getTime() + 30 * 60_000)).sweep();
    expect(requests.filter((r) => r.idempotencyKey === `callback:${callbackId}`)).toHaveLength(1);
  });

  it('waits out a temporary refusal (the per-minute limit) and places the call on a later sweep', async () => {
    const { callbackId } = await booked({ optIn: true });
    let refuse = true;
    const { ai, requests } = fakeAi(() =>
      refuse
        ? {
            ok: false,
            httpStatus: 429,
            code: 'OUTBOUND_RATE_LIMIT',
            message: 'calls per minute',
            retryAfterSec: 20,
          }
        : placedAnswer(),
    );
    await placer(ai).sweep();
    expect(await store.callbackPlacements().forCallback(callbackId)).toMatchObject({
      state: 'waiting',
      refusalCode: 'OUTBOUND_RATE_LIMIT',
      retryAt: new Date(NOW.getTime() + 20_000),
    });
    refuse = false;
    // Before its retry time it stays waiting.
    await placer(ai, () => new Date(NOW.getTime() + 10_000)).sweep();
    expect(requests.filter((r) => r.idempotencyKey === `callback:${callbackId}`)).toHaveLength(1);
    await placer(ai, () => new Date(NOW.getTime() + 21_000)).sweep();
    expect(await store.callbackPlacements().forCallback(callbackId)).toMatchObject({
      state: 'placed',
      attempts: 2,
      refusalCode: null,
    });
  });

  it('does not place a callback staff already marked done', async () => {
    const { brandId, callbackId } = await booked({ optIn: true });
    await store.updateCallbackStatus(callbackId, 'done');
    const { ai, requests } = fakeAi(placedAnswer);
    await placer(ai).sweep();
    expect(requests.map((r) => r.brandId)).not.toContain(brandId);
  });

  describe('a window that closes before the call is placed', () => {
    const at = (iso: string) => () => new Date(iso);

    it('marks a callback never placed missed, with the reason, once', async () => {
      const { brandId, callbackId } = await booked({
        optIn: true,
        windowEnd: new Date('2026-12-07T14:30:00Z'),
      });
      const statusOf = async () => (await store.getCallback(brandId, callbackId))?.status;
      const { ai, requests } = fakeAi(placedAnswer);
      const first = await placer(ai).sweep();
      expect(first.expired).toBeGreaterThanOrEqual(1);
      expect(await statusOf()).toBe('missed');
      expect(await store.callbackPlacements().forCallback(callbackId)).toMatchObject({
        state: 'expired',
        attempts: 0,
        refusalCode: 'WINDOW_CLOSED',
        refusalMessage:
          'the calling window closed at 2026-12-07T14:30:00.000Z before the call could be placed',
      });
      await placer(ai, at('2026-12-07T18:00:00Z')).sweep();
      expect(requests.map((r) => r.idempotencyKey)).not.toContain(`callback:${callbackId}`);
      expect((await store.callbackPlacements().forCallback(callbackId))?.state).toBe('expired');
    });

    it('marks one still waiting out a temporary refusal missed when the window closes, keeping the refusal', async () => {
      const { brandId, callbackId } = await booked({ optIn: true });
      const statusOf = async () => (await store.getCallback(brandId, callbackId))?.status;
      const { ai, requests } = fakeAi(() => ({
        ok: false,
        httpStatus: 422,
        code: 'OUTSIDE_CALLING_HOURS',
        message: 'calling hours: it is 10:00 for the callee',
        retryAfterSec: 3600,
      }));
      await placer(ai).sweep();
      expect(await statusOf()).toBe('scheduled');
      // 16:00 is the window's end: the retry at 16:00 never comes.
      await placer(ai, at('2026-12-07T16:00:00Z')).sweep();
      expect(await statusOf()).toBe('missed');
      expect(await store.callbackPlacements().forCallback(callbackId)).toMatchObject({
        state: 'expired',
        attempts: 1,
        refusalCode: 'WINDOW_CLOSED',
        refusalMessage: expect.stringMatching(
          /closed at 2026-12-07T16:00:00.000Z .*last refusal: calling hours/,
        ),
      });
      expect(requests.filter((r) => r.idempotencyKey === `callback:${callbackId}`)).toHaveLength(1);
    });

    it('leaves placed callbacks, staff-placed brands and open-ended windows scheduled', async () => {
      const placed = await booked({ optIn: true });
      const { ai } = fakeAi(placedAnswer);
      await placer(ai).sweep();
      const staffs = await booked({ optIn: false, windowEnd: new Date('2026-12-07T14:30:00Z') });
      const open = await booked({ optIn: true, windowStart: null, windowEnd: null });
      await placer(ai, at('2026-12-08T12:00:00Z')).sweep();
      for (const c of [placed, staffs, open])
        expect((await store.getCallback(c.brandId, c.callbackId))?.status).toBe('scheduled');
      expect((await store.callbackPlacements().forCallback(placed.callbackId))?.state).toBe('placed');
    });
  });
});

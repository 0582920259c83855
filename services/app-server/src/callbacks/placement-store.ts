/**
 * Where app-server keeps what became of each booked callback it places itself (the brand opted in
 * with `autoPlaceCallbacks`): claimed, placed (with ai-server's outbound call), waiting for a
 * temporary refusal to pass, refused for good, or expired: its window closed before it could be
 * placed (the callback is then `missed`, not left `scheduled`). A claim is a conditional write, so two
 * replicas sweeping at once place a callback once.
 */
import type { Callback, Conversation } from '../domain/types.ts';

export const PLACEMENT_STATES = ['placing', 'placed', 'waiting', 'refused', 'expired'] as const;
/** The refusal code of an expired placement. */
export const WINDOW_CLOSED = 'WINDOW_CLOSED';
export type PlacementState = (typeof PLACEMENT_STATES)[number];

export interface CallbackPlacement {
  callbackId: string;
  state: PlacementState;
  attempts: number;
  outboundCallId: string | null;
  callSid: string | null;
  /** The outbound call's status when ai-server answered (queued, or a retried call's last one). */
  outboundStatus: string | null;
  /** The rule that refused the last attempt (ai-server's error code), and its message. */
  refusalCode: string | null;
  refusalMessage: string | null;
  /** When a waiting callback is tried again. */
  retryAt: Date | null;
  claimedAt: Date;
  updatedAt: Date;
}

/** A scheduled callback whose window has opened, with what placing it needs. */
export interface DueCallback {
  callbackId: string;
  brandId: string;
  profileKey: string;
  conversationId: string;
  phone: string;
  reason: string;
  timezone: string;
  windowStart: Date | null;
  windowEnd: Date | null;
}

export type PlacementResult =
  | { state: 'placed'; outboundCallId: string; callSid: string | null; outboundStatus: string }
  | { state: 'waiting'; refusalCode: string; refusalMessage: string; retryAt: Date }
  | { state: 'refused'; refusalCode: string; refusalMessage: string };

export interface CallbackPlacementStore {
  setAutoPlace(brandId: string, on: boolean): Promise<void>;
  autoPlaceOf(brandId: string): Promise<boolean>;
  /**
   * Scheduled callbacks of opted-in brands whose window is open at `now` (a callback without a
   * window is due from its booking until its window would end, i.e. at once), never placed, waiting
   * past their retry time, or claimed before `staleBefore` by a sweep that did not finish.
   */
  due(now: Date, staleBefore: Date, limit: number): Promise<DueCallback[]>;
  /** Takes the callback for this sweep; false when another sweep has it or it is no longer due. */
  claim(callbackId: string, now: Date, staleBefore: Date): Promise<boolean>;
  record(callbackId: string, result: PlacementResult, now: Date): Promise<CallbackPlacement>;
  /**
   * Marks `missed` the scheduled callbacks of opted-in brands whose window ended at or before `now`
   * and that were never placed (no placement, waiting, or a claim older than `staleBefore`), their
   * placement `expired` with the reason; resolves with their ids. Once per callback.
   */
  expire(now: Date, staleBefore: Date, limit: number): Promise<string[]>;
  forCallback(callbackId: string): Promise<CallbackPlacement | null>;
  /** The placements of those of `callbackIds` that have one (a list page's). */
  forCallbacks(callbackIds: readonly string[]): Promise<Map<string, CallbackPlacement>>;
}

/** Whether the window is open at `now`: started (or none given) and not yet ended. */
export function windowOpen(c: { windowStart: Date | null; windowEnd: Date | null }, now: Date): boolean {
  return (!c.windowStart || c.windowStart <= now) && (!c.windowEnd || c.windowEnd > now);
}

/** Whether a callback's window has closed at `now` (a callback without an end never closes). */
export function windowClosed(c: { windowEnd: Date | null }, now: Date): boolean {
  return c.windowEnd !== null && c.windowEnd <= now;
}

/** The placement of a callback whose window closed first, keeping what earlier attempts left. */
export function expiredFields(windowEnd: Date, before: CallbackPlacement | null | undefined) {
  const last = before?.refusalMessage ? ` (last refusal: ${before.refusalMessage})` : '';
  return {
    state: 'expired' as const,
    refusalCode: WINDOW_CLOSED,
    refusalMessage:
      `the calling window closed at ${windowEnd.toISOString()} before the call could be placed${last}`.slice(
        0,
        2000,
      ),
    retryAt: null,
  };
}

/** Whether an existing placement may be claimed again at `now`. */
export function reclaimable(p: CallbackPlacement, now: Date, staleBefore: Date): boolean {
  if (p.state === 'waiting') return !p.retryAt || p.retryAt <= now;
  return p.state === 'placing' && p.claimedAt < staleBefore;
}

/** The in-memory double; `callbacks` lists the memory store's callbacks with their conversations. */
export class MemoryCallbackPlacementStore implements CallbackPlacementStore {
  private readonly optedIn = new Set<string>();
  private readonly placements = new Map<string, CallbackPlacement>();

  constructor(private readonly callbacks: () => Array<{ callback: Callback; conversation: Conversation }>) {}

  async setAutoPlace(brandId: string, on: boolean): Promise<void> {
    if (on) this.optedIn.add(brandId);
    else this.optedIn.delete(brandId);
  }

  async autoPlaceOf(brandId: string): Promise<boolean> {
    return this.optedIn.has(brandId);
  }

  async due(now: Date, staleBefore: Date, limit: number): Promise<DueCallback[]> {
    return this.callbacks()
      .filter(({ callback: c, conversation: conv }) => {
        if (c.status !== 'scheduled' || !conv.brandId || !this.optedIn.has(conv.brandId)) return false;
        if (!windowOpen(c, now)) return false;
        const p = this.placements.get(c.id);
        return !p || reclaimable(p, now, staleBefore);
      })
      .sort(
        (a, b) =>
          (a.callback.windowStart ?? a.callback.createdAt).getTime() -
          (b.callback.windowStart ?? b.callback.createdAt).getTime(),
      )
      .slice(0, limit)
      .map(({ callback: c, conversation: conv }) => ({
        callbackId: c.id,
        brandId: conv.brandId!,
        profileKey: conv.botProfileKey,
        conversationId: conv.id,
        phone: c.phone,
        reason: c.reason,
        timezone: c.timezone,
        windowStart: c.windowStart,
        windowEnd: c.windowEnd,
      }));
  }

  async claim(callbackId: string, now: Date, staleBefore: Date): Promise<boolean> {
    const p = this.placements.get(callbackId);
    if (p && !reclaimable(p, now, staleBefore)) return false;
    this.placements.set(callbackId, {
      callbackId,
      state: 'placing',
      attempts: (p?.attempts ?? 0) + 1,
      outboundCallId: p?.outboundCallId ?? null,
      callSid: p?.callSid ?? null,
      outboundStatus: p?.outboundStatus ?? null,
      refusalCode: p?.refusalCode ?? null,
      refusalMessage: p?.refusalMessage ?? null,
      retryAt: null,
      claimedAt: now,
      updatedAt: now,
    });
    return true;
  }

  async record(callbackId: string, result: PlacementResult, now: Date): Promise<CallbackPlacement> {
    const p = this.placements.get(callbackId);
    if (!p) throw new Error(`callback ${callbackId} was never claimed`);
    const next = { ...p, ...placementFields(result), updatedAt: now };
    this.placements.set(callbackId, next);
    return { ...next };
  }

  async expire(now: Date, staleBefore: Date, limit: number): Promise<string[]> {
    const expired: string[] = [];
    for (const { callback: c, conversation: conv } of this.callbacks()) {
      if (expired.length >= limit) break;
      if (c.status !== 'scheduled' || !conv.brandId || !this.optedIn.has(conv.brandId)) continue;
      if (!c.windowEnd || !windowClosed(c, now)) continue;
      const p = this.placements.get(c.id);
      if (p && !reclaimable(p, now, staleBefore)) continue;
      c.status = 'missed';
      c.updatedAt = now;
      this.placements.set(c.id, {
        callbackId: c.id,
        attempts: p?.attempts ?? 0,
        outboundCallId: p?.outboundCallId ?? null,
        callSid: p?.callSid ?? null,
        outboundStatus: p?.outboundStatus ?? null,
        claimedAt: p?.claimedAt ?? now,
        ...expiredFields(c.windowEnd, p),
        updatedAt: now,
      });
      expired.push(c.id);
    }
    return expired;
  }

  async forCallback(callbackId: string): Promise<CallbackPlacement | null> {
    const p = this.placements.get(callbackId);
    return p ? { ...p } : null;
  }

  async forCallbacks(callbackIds: readonly string[]): Promise<Map<string, CallbackPlacement>> {
    const found = new Map<string, CallbackPlacement>();
    for (const id of callbackIds) {
      const p = this.placements.get(id);
      if (p) found.set(id, { ...p });
    }
    return found;
  }
}

/** The columns a result sets (the others keep what the claim left). */
export function placementFields(result: PlacementResult) {
  return result.state === 'placed'
    ? {
        state: result.state,
        outboundCallId: result.outboundCallId,
        callSid: result.callSid,
        outboundStatus: result.outboundStatus,
        refusalCode: null,
        refusalMessage: null,
        retryAt: null,
      }
    : {
        state: result.state,
        refusalCode: result.refusalCode,
        refusalMessage: result.refusalMessage,
        retryAt: result.state === 'waiting' ? result.retryAt : null,
      };
}

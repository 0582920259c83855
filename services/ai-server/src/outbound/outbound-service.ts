/**
 * Outbound calls: the brand's request (checked against the rules: a caller ID, calling hours, the
 * per-brand concurrency limit, an idempotency key), placing it through the dialer, and what voice-server
 * reports back (Twilio's statuses, the AMD verdict, the outcome the model recorded).
 */
import { createHash } from 'node:crypto';
import { Errors } from '@switchboard/service-kit';
import type { OutboundCall } from '../../generated/prisma/client.ts';
import { Prisma } from '../../generated/prisma/client.ts';
import type { AppContext } from '../context.ts';
import { AiErrors } from '../errors.ts';
import type { OutboundRetry } from '../profiles/profile-store.ts';
import { calleeTimezone, localTime, withinCallingHours } from './calling-hours.ts';
import { checkCallsPerMinute } from './rate-limit.ts';
import type { OutboundSettings } from './settings.ts';

/** The create request, as validated by the route's schema. */
export interface CreateOutboundCall {
  to: string;
  profileKey: string;
  task: string;
  idempotencyKey: string;
  context?: Record<string, string | number | boolean | null>;
  outcomeSchema?: Record<string, unknown>;
  calleeTimezone?: string;
}

const ACTIVE = ['queued', 'initiated', 'ringing', 'in-progress'];
const TERMINAL = ['completed', 'busy', 'no-answer', 'failed', 'canceled'];
const RANK: Record<string, number> = { queued: 0, initiated: 1, ringing: 2, 'in-progress': 3 };
/** A call not heard of for this long no longer counts against the limit (the longest call is 4 h). */
const STALE_AFTER_MS = 4.5 * 3600_000;

function requestHash(body: CreateOutboundCall): string {
  const { idempotencyKey: _, ...rest } = body;
  return createHash('sha256').update(stableJson(rest)).digest('hex');
}

function stableJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(stableJson).join(',')}]`;
  if (v && typeof v === 'object')
    return `{${Object.keys(v)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${stableJson((v as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  return JSON.stringify(v);
}

/** The brand's view of a call. */
export function outboundView(c: OutboundCall & { profile: { key: string } }, settings: OutboundSettings) {
  return {
    id: c.id,
    status: c.status,
    to: c.toNumber,
    from: c.fromNumber,
    profileKey: c.profile.key,
    task: c.task,
    context: c.context,
    outcomeSchema: c.outcomeSchema,
    idempotencyKey: c.idempotencyKey,
    callSid: c.callSid,
    answeredBy: c.answeredBy,
    voicemail: c.voicemail,
    outcome: c.outcome,
    outcomeAt: c.outcomeAt?.toISOString() ?? null,
    error: c.error,
    durationSec: c.durationSec,
    attempt: c.attempt,
    nextAttemptAt: c.nextAttemptAt?.toISOString() ?? null,
    previousAttempts: c.previousAttempts,
    conversation: c.callSid
      ? {
          callSid: c.callSid,
          url: settings.conversationsUrl
            ? `${settings.conversationsUrl.replace(/\/+$/, '')}/conversations/by-call/${c.callSid}`
            : null,
        }
      : null,
    createdAt: c.createdAt.toISOString(),
    updatedAt: c.updatedAt.toISOString(),
    endedAt: c.endedAt?.toISOString() ?? null,
  };
}
export type OutboundView = ReturnType<typeof outboundView>;

const withProfile = { profile: { select: { key: true } } } as const;

/**
 * Places a call, or returns the one this idempotency key already placed (`created: false`). Refusals
 * are 4xx errors naming the rule.
 */
export async function createOutboundCall(
  ctx: AppContext,
  brandId: string,
  body: CreateOutboundCall,
): Promise<{ created: boolean; call: OutboundView }> {
  const settings = ctx.outbound;
  const hash = requestHash(body);
  const existing = await ctx.prisma.outboundCall.findUnique({
    where: { brandId_idempotencyKey: { brandId, idempotencyKey: body.idempotencyKey } },
    include: withProfile,
  });
  if (existing) return { created: false, call: sameRequest(existing, hash, settings) };
  const listed = await ctx.prisma.doNotCallNumber.findUnique({
    where: { brandId_number: { brandId, number: body.to } },
  });
  if (listed) throw AiErrors.doNotCall("do-not-call list: this number is on the brand's do-not-call list");
  const profile = await ctx.profiles.getForBrand(brandId, body.profileKey);
  if (!settings.dialer)
    throw AiErrors.outboundUnavailable('outbound calling is not configured (VOICE_SERVER_URL)');
  if (!profile.outboundCallerId)
    throw AiErrors.noCallerId(`profile ${profile.key} has no outboundCallerId to call from`);
  const now = ctx.now();
  const zone = calleeTimezone(body.to, body.calleeTimezone, profile.timezone);
  if (!withinCallingHours(now, zone.timezone, settings.callingWindow))
    throw AiErrors.outsideCallingHours(
      `calling hours: it is ${localTime(now, zone.timezone)} for the callee (${zone.timezone}, from the ${zone.source}); calls are placed between ${hhmm(settings.callingWindow.openMin)} and ${hhmm(settings.callingWindow.closeMin)} local time`,
      { timezone: zone.timezone, localTime: localTime(now, zone.timezone) },
    );

  let row: OutboundCall & { profile: { key: string } };
  try {
    row = await ctx.prisma.$transaction(async (tx) => {
      // One brand's creates queue here, so two at once cannot both take the last free place.
      await tx.$queryRaw`SELECT 1 AS locked FROM pg_advisory_xact_lock(hashtext(${brandId}))`;
      // A call waiting for its retry holds no place until it is placed again.
      const active = await tx.outboundCall.count({
        where: {
          brandId,
          status: { in: ACTIVE },
          nextAttemptAt: null,
          updatedAt: { gt: new Date(Date.now() - STALE_AFTER_MS) },
        },
      });
      if (active >= settings.maxConcurrentPerBrand)
        throw AiErrors.concurrencyLimit(
          `concurrency limit: ${active} outbound calls of this brand are under way (at most ${settings.maxConcurrentPerBrand})`,
        );
      await checkCallsPerMinute(tx, brandId, settings.maxCallsPerMinute);
      return tx.outboundCall.create({
        data: {
          brandId,
          profileId: profile.id,
          idempotencyKey: body.idempotencyKey,
          requestHash: hash,
          toNumber: body.to,
          fromNumber: profile.outboundCallerId!,
          task: body.task,
          context: (body.context ?? {}) as Prisma.InputJsonValue,
          ...(body.outcomeSchema ? { outcomeSchema: body.outcomeSchema as Prisma.InputJsonValue } : {}),
        },
        include: withProfile,
      });
    });
  } catch (err) {
    // The same key raced in from another request: answer with the call it placed.
    if (err instanceof Prisma.PrismaClientKnownRequestError && err.code === 'P2002') {
      const winner = await ctx.prisma.outboundCall.findUniqueOrThrow({
        where: { brandId_idempotencyKey: { brandId, idempotencyKey: body.idempotencyKey } },
        include: withProfile,
      });
      return { created: false, call: sameRequest(winner, hash, settings) };
    }
    throw err;
  }

  const placed = await settings.dialer.place({
    outboundCallId: row.id,
    to: row.toNumber,
    from: row.fromNumber,
    machineDetection: profile.voicemailMessage ? 'DetectMessageEnd' : 'Enable',
    timeoutSec: settings.ringTimeoutSec,
  });
  if (!placed.ok) {
    const error = placed.refused
      ? { message: placed.message, ...(placed.twilioCode ? { twilioCode: placed.twilioCode } : {}) }
      : { message: placed.message };
    await ctx.prisma.outboundCall.update({
      where: { id: row.id },
      data: { status: 'failed', error, endedAt: new Date() },
    });
    await ctx.webhooks.callEnded(row.id);
    if (placed.refused)
      throw AiErrors.twilioRefused(`Twilio refused the call: ${placed.message}`, {
        outboundCallId: row.id,
        ...error,
      });
    throw Errors.upstream(`the call could not be placed: ${placed.message}`, { outboundCallId: row.id });
  }
  // A status callback may have linked the SID already; then only the SID is confirmed.
  const updated = await ctx.prisma.outboundCall.update({
    where: { id: row.id },
    data: { callSid: placed.callSid },
    include: withProfile,
  });
  return { created: true, call: outboundView(updated, settings) };
}

function sameRequest(
  existing: OutboundCall & { profile: { key: string } },
  hash: string,
  settings: OutboundSettings,
): OutboundView {
  if (existing.requestHash !== hash)
    throw AiErrors.idempotencyKeyReused('this idempotency key was used for a different request');
  return outboundView(existing, settings);
}

function hhmm(min: number): string {
  return `${String(Math.floor(min / 60)).padStart(2, '0')}:${String(min % 60).padStart(2, '0')}`;
}

/** A status or AMD report from voice-server. */
export interface OutboundEvent {
  callSid: string;
  status?: string;
  answeredBy?: string;
  durationSec?: number;
  voicemail?: 'left_message' | 'hung_up';
}

/** Applies a report (statuses only move forward; a final one is kept) and answers what voice-server needs. */
export async function recordOutboundEvent(ctx: AppContext, id: string, ev: OutboundEvent) {
  const call = await ctx.prisma.outboundCall.findUnique({
    where: { id },
    include: {
      profile: { select: { key: true, brandId: true, voicemailMessage: true, outboundRetry: true } },
    },
  });
  if (!call) throw AiErrors.outboundCallNotFound(`no outbound call ${id}`);
  const previous = (call.previousAttempts as Array<{ callSid: string }> | null) ?? [];
  const answer = {
    id,
    profileRef: await ctx.profiles.callRef(call.profile),
    status: call.status,
    voicemailMessage: call.profile.voicemailMessage,
    /** The AMD verdict so far (voice-server holds the opening until it says human). */
    answeredBy: ev.answeredBy ?? call.answeredBy,
  };
  // A late callback of a try that is over (the call was retried since): nothing to change.
  if (previous.some((p) => p.callSid === ev.callSid)) return { ...answer, status: 'completed' };
  const retry = call.profile.outboundRetry as OutboundRetry | null;
  if (
    (ev.status === 'busy' || ev.status === 'no-answer') &&
    !TERMINAL.includes(call.status) &&
    retry &&
    call.attempt < retry.attempts
  ) {
    const waitMs = retry.backoffSec * 1000 * 2 ** (call.attempt - 1);
    await ctx.prisma.outboundCall.update({
      where: { id },
      data: {
        status: 'queued',
        callSid: null,
        answeredBy: null,
        attempt: call.attempt + 1,
        nextAttemptAt: new Date(Date.now() + waitMs),
        previousAttempts: [
          ...previous,
          { callSid: ev.callSid, status: ev.status, endedAt: new Date().toISOString() },
        ] as Prisma.InputJsonValue,
      },
    });
    return { ...answer, status: ev.status };
  }
  if (call.callSid && call.callSid !== ev.callSid)
    throw Errors.conflict('this outbound call belongs to another CallSid');
  const data: Prisma.OutboundCallUpdateInput = {};
  if (!call.callSid) data.callSid = ev.callSid;
  if (ev.status && !TERMINAL.includes(call.status)) {
    if (TERMINAL.includes(ev.status)) {
      data.status = ev.status;
      data.endedAt = new Date();
    } else if ((RANK[ev.status] ?? -1) > (RANK[call.status] ?? -1)) data.status = ev.status;
  }
  if (ev.answeredBy) data.answeredBy = ev.answeredBy;
  if (ev.durationSec !== undefined) data.durationSec = ev.durationSec;
  if (ev.voicemail) data.voicemail = ev.voicemail;
  if (Object.keys(data).length) await ctx.prisma.outboundCall.update({ where: { id }, data });
  // The brand's webhook hears of the final state (once: a repeated report makes no second event).
  if (data.status && TERMINAL.includes(data.status as string)) await ctx.webhooks.callEnded(id);
  return { ...answer, status: (data.status as string | undefined) ?? call.status };
}

import { randomUUID } from 'node:crypto';
import { answer, arr, bool, dateTime, int, obj, str } from '@switchboard/service-kit';
import type { CreditStatus, DebitRequest, DebitResult } from '@switchboard/service-kit/clients/ai-server';
import type { FastifyPluginAsync } from 'fastify';
import type { FeatureOptions } from '../context.ts';
import { AiErrors } from '../errors.ts';
import { profileKeyParams, profileRefParams } from '../profiles/profile-schema.ts';
import { adminDoc, adminScope, internalDoc, internalScope } from '../route-helpers.ts';

const creditStatusResponse = answer(
  'Whether a call may start, and the seconds left',
  obj({ available: bool, remainingSeconds: int }),
);
const debitResponse = answer(
  'The debit (`duplicate` when this call SID was debited before; nothing changed)',
  obj({ callSid: str, debitedSeconds: int, remainingSeconds: int, duplicate: bool }),
);
const balanceResponse = answer('The new balance in seconds', obj({ creditSeconds: int }));
const debitsResponse = answer(
  'The balance and the latest 100 debits, newest first',
  obj({
    creditSeconds: int,
    debits: arr(obj({ callSid: str, durationSec: int, debitedSec: int, at: dateTime })),
  }),
);

/** Postgres `integer` ceiling: balances saturate here instead of overflowing. */
const MAX_CREDIT_SECONDS = 2_147_483_647;

/** Call credits in seconds: the check and the per-call debit (idempotent by call SID), and the top-up. */
export const creditsPlugin: FastifyPluginAsync<FeatureOptions> = async (app, { ctx }) => {
  internalScope(app, ctx, (internal) => {
    internal.get<{ Params: { key: string } }>(
      '/internal/profiles/:key/credits',
      {
        schema: {
          ...internalDoc('call path', 'Whether the profile may take a call, and how long'),
          params: profileRefParams,
          response: { 200: creditStatusResponse },
        },
      },
      async (req): Promise<CreditStatus> => {
        const p = await ctx.profiles.getByRef(req.params.key);
        return { available: p.creditSeconds > 0, remainingSeconds: p.creditSeconds };
      },
    );

    internal.post<{ Params: { key: string }; Body: DebitRequest }>(
      '/internal/profiles/:key/debits',
      {
        schema: {
          ...internalDoc(
            'call path',
            "Debit a finished call's duration; repeating a call SID changes nothing",
          ),
          params: profileRefParams,
          body: {
            type: 'object',
            additionalProperties: false,
            required: ['callSid', 'durationSec'],
            properties: {
              callSid: { type: 'string', minLength: 1, maxLength: 64 },
              durationSec: { type: 'integer', minimum: 0, maximum: 86_400 },
            },
          },
          response: { 200: debitResponse },
        },
      },
      async (req): Promise<DebitResult> => {
        const { callSid, durationSec } = req.body;
        const { id: profileId } = await ctx.profiles.getByRef(req.params.key);
        return ctx.sql.transaction(async (tx) => {
          const [profile] = await tx.query<{ id: string; creditSeconds: number }>(
            'SELECT id, "creditSeconds" FROM "BotProfile" WHERE id = $1 FOR UPDATE',
            [profileId],
          );
          if (!profile) throw AiErrors.profileNotFound(`no profile ${req.params.key}`);
          const [prior] = await tx.query<{ debitedSec: number }>(
            'SELECT "debitedSec" FROM "CallDebit" WHERE "profileId" = $1 AND "callSid" = $2',
            [profile.id, callSid],
          );
          if (prior)
            return {
              callSid,
              debitedSeconds: prior.debitedSec,
              remainingSeconds: profile.creditSeconds,
              duplicate: true,
            };
          const debited = Math.min(durationSec, profile.creditSeconds);
          await tx.query(
            `INSERT INTO "CallDebit" (id, "profileId", "callSid", "durationSec", "debitedSec") VALUES ($1, $2, $3, $4, $5)`,
            [randomUUID(), profile.id, callSid, durationSec, debited],
          );
          const [after] = await tx.query<{ creditSeconds: number }>(
            'UPDATE "BotProfile" SET "creditSeconds" = "creditSeconds" - $2 WHERE id = $1 RETURNING "creditSeconds"',
            [profile.id, debited],
          );
          return {
            callSid,
            debitedSeconds: debited,
            remainingSeconds: after!.creditSeconds,
            duplicate: false,
          };
        });
      },
    );
  });

  adminScope(app, ctx, (admin) => {
    admin.post<{ Params: { key: string }; Body: { seconds: number } }>(
      '/admin/profiles/:key/credits',
      {
        schema: {
          ...adminDoc('credits', 'Add call credit (seconds) to a profile'),
          params: profileKeyParams,
          body: {
            type: 'object',
            additionalProperties: false,
            required: ['seconds'],
            properties: { seconds: { type: 'integer', minimum: 1, maximum: 100_000_000 } },
          },
          response: { 200: balanceResponse },
        },
      },
      async (req) => {
        const [row] = await ctx.sql.query<{ creditSeconds: number }>(
          `UPDATE "BotProfile" SET "creditSeconds" = LEAST("creditSeconds"::bigint + $3, ${MAX_CREDIT_SECONDS})::int
           WHERE key = $1 AND "brandId" = $2 RETURNING "creditSeconds"`,
          [req.params.key, req.brandId, req.body.seconds],
        );
        if (!row) throw AiErrors.profileNotFound(`no profile ${req.params.key}`);
        return { creditSeconds: row.creditSeconds };
      },
    );

    admin.get<{ Params: { key: string } }>(
      '/admin/profiles/:key/debits',
      {
        schema: {
          ...adminDoc('credits', "The profile's most recent call debits"),
          params: profileKeyParams,
          response: { 200: debitsResponse },
        },
      },
      async (req) => {
        const p = await ctx.profiles.getForBrand(req.brandId, req.params.key);
        const debits = await ctx.prisma.callDebit.findMany({
          where: { profileId: p.id },
          orderBy: { createdAt: 'desc' },
          take: 100,
        });
        return {
          creditSeconds: p.creditSeconds,
          debits: debits.map((d) => ({
            callSid: d.callSid,
            durationSec: d.durationSec,
            debitedSec: d.debitedSec,
            at: d.createdAt.toISOString(),
          })),
        };
      },
    );
  });
};

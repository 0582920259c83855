import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../context.ts';
import { AiErrors } from '../errors.ts';
import { E164_PATTERN } from '../profiles/profile-schema.ts';
import { adminDoc } from '../route-helpers.ts';
import { doNotCallAddedResponse, doNotCallListResponse } from './outbound-responses.ts';

const numberParams = {
  type: 'object',
  required: ['number'],
  properties: { number: { type: 'string', pattern: E164_PATTERN } },
} as const;

/** The brand's do-not-call list (admin scope): numbers its outbound calls never ring. */
export function doNotCallRoutes(admin: FastifyInstance, ctx: AppContext): void {
  admin.get(
    '/admin/do-not-call',
    {
      schema: {
        ...adminDoc('outbound calls', "The brand's do-not-call list"),
        response: { 200: doNotCallListResponse },
      },
    },
    async (req) => {
      const rows = await ctx.prisma.doNotCallNumber.findMany({
        where: { brandId: req.brandId },
        orderBy: { number: 'asc' },
      });
      return { numbers: rows.map((r) => ({ number: r.number, createdAt: r.createdAt.toISOString() })) };
    },
  );

  admin.post<{ Body: { numbers: string[] } }>(
    '/admin/do-not-call',
    {
      schema: {
        ...adminDoc('outbound calls', 'Add numbers to the do-not-call list (idempotent)'),
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['numbers'],
          properties: {
            numbers: {
              type: 'array',
              minItems: 1,
              maxItems: 1000,
              items: { type: 'string', pattern: E164_PATTERN },
            },
          },
        },
        response: { 200: doNotCallAddedResponse },
      },
    },
    async (req) => {
      const { count } = await ctx.prisma.doNotCallNumber.createMany({
        data: [...new Set(req.body.numbers)].map((number) => ({ brandId: req.brandId, number })),
        skipDuplicates: true,
      });
      return { added: count };
    },
  );

  admin.delete<{ Params: { number: string } }>(
    '/admin/do-not-call/:number',
    {
      schema: {
        ...adminDoc('outbound calls', 'Take a number off the do-not-call list'),
        params: numberParams,
      },
    },
    async (req, reply) => {
      const { count } = await ctx.prisma.doNotCallNumber.deleteMany({
        where: { brandId: req.brandId, number: req.params.number },
      });
      if (!count) throw AiErrors.doNotCallNotFound('that number is not on the do-not-call list');
      return reply.status(204).send();
    },
  );
}

import type { FastifyInstance } from 'fastify';
import type { OutboundWebhook } from '../../generated/prisma/client.ts';
import type { AppContext } from '../context.ts';
import { AiErrors } from '../errors.ts';
import { adminDoc } from '../route-helpers.ts';
import { webhookCreatedResponse, webhookResponse } from './outbound-responses.ts';
import { newWebhookSecret } from './webhook-signature.ts';

export interface PutWebhookBody {
  url: string;
  /** A new signing secret (shown in this answer); the old one stops signing at once. */
  rotateSecret?: boolean;
}

const putBody = {
  type: 'object',
  additionalProperties: false,
  required: ['url'],
  properties: {
    url: {
      type: 'string',
      minLength: 1,
      maxLength: 2048,
      description: 'Where outcome events are POSTed (https; the dynamic tools’ endpoint rules)',
    },
    rotateSecret: { type: 'boolean', description: 'Make a new signing secret, shown in the answer' },
  },
} as const;

function view(hook: OutboundWebhook, secret?: string) {
  return {
    url: hook.url,
    createdAt: hook.createdAt.toISOString(),
    updatedAt: hook.updatedAt.toISOString(),
    ...(secret ? { secret } : {}),
  };
}

/**
 * The brand's outcome webhook (admin scope): one URL per brand. The signing secret is made when the
 * webhook is created (or rotated) and shown in that answer only.
 */
export function webhookRoutes(admin: FastifyInstance, ctx: AppContext): void {
  admin.put<{ Body: PutWebhookBody }>(
    '/admin/outbound-webhook',
    {
      schema: {
        ...adminDoc(
          'outbound calls',
          'Set the URL outbound call outcomes are POSTed to (signed); the secret is shown on creation only',
        ),
        body: putBody,
        response: { 200: webhookResponse, 201: webhookCreatedResponse },
      },
    },
    async (req, reply) => {
      const problem = await ctx.webhooks.urlProblem(req.body.url);
      if (problem) throw AiErrors.invalidWebhook(`body.url ${problem}`);
      const { brandId } = req;
      const existing = await ctx.prisma.outboundWebhook.findUnique({ where: { brandId } });
      if (!existing) {
        const secret = newWebhookSecret();
        const created = await ctx.prisma.outboundWebhook
          .create({ data: { brandId, url: req.body.url, secret } })
          .catch((err: { code?: string }) => {
            // Another request created it first: this one updates it (its secret stands).
            if (err.code === 'P2002') return undefined;
            throw err;
          });
        if (created) return reply.status(201).send(view(created, secret));
      }
      const secret = req.body.rotateSecret ? newWebhookSecret() : undefined;
      const hook = await ctx.prisma.outboundWebhook.update({
        where: { brandId },
        data: { url: req.body.url, ...(secret ? { secret } : {}) },
      });
      return reply.status(200).send(view(hook, secret));
    },
  );

  admin.get(
    '/admin/outbound-webhook',
    {
      schema: {
        ...adminDoc('outbound calls', "The brand's outcome webhook (never its secret)"),
        response: { 200: webhookResponse },
      },
    },
    async (req) => {
      const hook = await ctx.prisma.outboundWebhook.findUnique({ where: { brandId: req.brandId } });
      if (!hook) throw AiErrors.webhookNotFound('this brand has no outbound webhook');
      return view(hook);
    },
  );

  admin.delete(
    '/admin/outbound-webhook',
    {
      schema: adminDoc('outbound calls', 'Remove the outcome webhook (events not yet delivered stop)'),
    },
    async (req, reply) => {
      const { count } = await ctx.prisma.outboundWebhook.deleteMany({ where: { brandId: req.brandId } });
      if (!count) throw AiErrors.webhookNotFound('this brand has no outbound webhook');
      return reply.status(204).send();
    },
  );
}

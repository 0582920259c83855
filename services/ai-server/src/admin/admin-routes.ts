import { bearerToken, Errors, safeEqual } from '@switchboard/service-kit';
import type { FastifyPluginAsync } from 'fastify';
import type { FeatureOptions } from '../context.ts';
import { AiErrors } from '../errors.ts';
import { adminDoc, adminScope } from '../route-helpers.ts';
import {
  apiKeysResponse,
  brandResponse,
  createdApiKeyResponse,
  createdBrandResponse,
} from './admin-responses.ts';
import { generateApiKey } from './brand-auth.ts';

const keyIdParams = {
  type: 'object',
  required: ['id'],
  properties: { id: { type: 'string', pattern: '^[0-9a-f-]{36}$' } },
} as const;

/** Brands and their API keys: operator-side brand creation, and the brand's own key management. */
export const adminPlugin: FastifyPluginAsync<FeatureOptions> = async (app, { ctx }) => {
  if (ctx.operatorToken) {
    const operatorToken = ctx.operatorToken;
    app.post<{ Body: { name: string; keyLabel?: string } }>(
      '/operator/brands',
      {
        onRequest: async (req) => {
          const token = bearerToken(req);
          if (!token || !safeEqual(token, operatorToken))
            throw Errors.unauthorized('operator token required');
        },
        schema: {
          tags: ['operator'],
          summary: 'Create a brand and its first API key (the key is shown once)',
          security: [{ operatorToken: [] }],
          response: { 201: createdBrandResponse },
          body: {
            type: 'object',
            additionalProperties: false,
            required: ['name'],
            properties: {
              name: { type: 'string', minLength: 1, maxLength: 200 },
              keyLabel: { type: 'string', maxLength: 200 },
            },
          },
        },
      },
      async (req, reply) => {
        const key = generateApiKey();
        const brand = await ctx.prisma.brand.create({
          data: {
            name: req.body.name,
            apiKeys: {
              create: { keyHash: key.hash, prefix: key.prefix, label: req.body.keyLabel ?? 'initial' },
            },
          },
          include: { apiKeys: true },
        });
        return reply.status(201).send({
          brand: { id: brand.id, name: brand.name, createdAt: brand.createdAt.toISOString() },
          apiKey: { id: brand.apiKeys[0]!.id, prefix: key.prefix, key: key.key },
        });
      },
    );
  }

  adminScope(app, ctx, (admin) => {
    admin.get(
      '/admin/brand',
      {
        schema: {
          ...adminDoc('brand', 'The brand this API key belongs to'),
          response: { 200: brandResponse },
        },
      },
      async (req) => {
        const brand = await ctx.prisma.brand.findUniqueOrThrow({ where: { id: req.brandId } });
        return { id: brand.id, name: brand.name, createdAt: brand.createdAt.toISOString() };
      },
    );

    admin.get(
      '/admin/api-keys',
      {
        schema: {
          ...adminDoc('brand', "The brand's API keys (prefixes only)"),
          response: { 200: apiKeysResponse },
        },
      },
      async (req) => {
        const keys = await ctx.prisma.brandApiKey.findMany({
          where: { brandId: req.brandId },
          orderBy: { createdAt: 'asc' },
        });
        return {
          apiKeys: keys.map((k) => ({
            id: k.id,
            prefix: k.prefix,
            label: k.label,
            createdAt: k.createdAt.toISOString(),
            revokedAt: k.revokedAt?.toISOString() ?? null,
          })),
        };
      },
    );

    admin.post<{ Body: { label?: string } }>(
      '/admin/api-keys',
      {
        schema: {
          ...adminDoc('brand', 'Create another API key (shown once)'),
          response: { 201: createdApiKeyResponse },
          body: {
            type: 'object',
            additionalProperties: false,
            properties: { label: { type: 'string', maxLength: 200 } },
          },
        },
      },
      async (req, reply) => {
        const key = generateApiKey();
        const row = await ctx.prisma.brandApiKey.create({
          data: {
            brandId: req.brandId,
            keyHash: key.hash,
            prefix: key.prefix,
            label: req.body?.label ?? null,
          },
        });
        return reply.status(201).send({ id: row.id, prefix: key.prefix, label: row.label, key: key.key });
      },
    );

    admin.delete<{ Params: { id: string } }>(
      '/admin/api-keys/:id',
      { schema: { ...adminDoc('brand', 'Revoke an API key'), params: keyIdParams } },
      async (req, reply) => {
        const { count } = await ctx.prisma.brandApiKey.updateMany({
          where: { id: req.params.id, brandId: req.brandId, revokedAt: null },
          data: { revokedAt: new Date() },
        });
        if (!count) throw AiErrors.apiKeyNotFound(`no active API key ${req.params.id}`);
        return reply.status(204).send();
      },
    );
  });
};

/** The brand's end-user token signing secret: rotate it (shown once) or remove it. */
import type { FastifyPluginAsync } from 'fastify';
import type { FeatureOptions } from '../context.ts';
import { adminDoc, adminScope } from '../route-helpers.ts';
import { clientTokenSecretResponse } from './client-secret-responses.ts';
import { generateClientTokenSecret } from './end-user-token.ts';

export const clientTokenPlugin: FastifyPluginAsync<FeatureOptions> = async (app, { ctx }) => {
  adminScope(app, ctx, (admin) => {
    admin.post(
      '/admin/client-token-secret',
      {
        schema: {
          ...adminDoc('realtime', 'Rotate the secret end-user tokens are signed with (shown once)'),
          response: { 201: clientTokenSecretResponse },
        },
      },
      async (req, reply) => {
        const secret = generateClientTokenSecret();
        await ctx.prisma.brand.update({ where: { id: req.brandId }, data: { clientTokenSecret: secret } });
        return reply.status(201).send({ secret, rotatedAt: ctx.now().toISOString() });
      },
    );

    admin.delete(
      '/admin/client-token-secret',
      { schema: { ...adminDoc('realtime', 'Stop accepting end-user tokens (API keys still mint)') } },
      async (req, reply) => {
        await ctx.prisma.brand.update({ where: { id: req.brandId }, data: { clientTokenSecret: null } });
        return reply.status(204).send();
      },
    );
  });
};

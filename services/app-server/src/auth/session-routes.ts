import { Errors } from '@switchboard/service-kit';
import type { FastifyInstance } from 'fastify';
import { externalId } from '../conversations/schemas.ts';
import { staffDto } from '../domain/dto.ts';
import type { Authenticator } from './authenticator.ts';

export const signInBody = {
  type: 'object',
  additionalProperties: false,
  required: ['brandId', 'email', 'password'],
  properties: {
    brandId: externalId,
    email: { type: 'string', minLength: 3, maxLength: 254 },
    password: { type: 'string', minLength: 1, maxLength: 200 },
  },
} as const;

/** JSON sign-in for scripts and the API: the same cookie the UI's form sets. */
export async function sessionRoutes(app: FastifyInstance, opts: { auth: Authenticator }): Promise<void> {
  const { auth } = opts;

  app.post<{ Body: { brandId: string; email: string; password: string } }>(
    '/api/session',
    { schema: { body: signInBody } },
    async (req, reply) => {
      const result = await auth.signIn(req.body.brandId, req.body.email, req.body.password);
      if (!result) throw Errors.unauthorized('wrong brand, email or password');
      return reply.header('set-cookie', result.setCookie).send({ staff: staffDto(result.staff) });
    },
  );

  app.delete('/api/session', async (_req, reply) =>
    reply.header('set-cookie', auth.signOutCookie()).status(204).send(),
  );

  app.get('/api/me', { preHandler: auth.requirePrincipal }, async (req) => {
    const p = req.principal!;
    return { kind: p.kind, id: p.id, brandId: p.brandId, name: p.name, displayName: p.displayName };
  });
}

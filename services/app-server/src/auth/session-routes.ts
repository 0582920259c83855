import { answer, Errors, obj, oneOf, str } from '@switchboard/service-kit';
import type { FastifyInstance } from 'fastify';
import { externalId } from '../conversations/schemas.ts';
import { staffDto } from '../domain/dto.ts';
import { staffSchema } from '../domain/dto-schemas.ts';
import type { Authenticator } from './authenticator.ts';
import { MIN_PASSWORD_LENGTH } from './passwords.ts';

export const signInBody = {
  type: 'object',
  additionalProperties: false,
  required: ['email', 'password'],
  properties: {
    // The brand's slug (or its id); optional when the email belongs to one brand.
    brand: externalId,
    brandId: externalId,
    email: { type: 'string', minLength: 3, maxLength: 254 },
    password: { type: 'string', minLength: 1, maxLength: 200 },
  },
} as const;

const passwordChangeBody = {
  type: 'object',
  additionalProperties: false,
  required: ['currentPassword', 'newPassword'],
  properties: {
    currentPassword: { type: 'string', minLength: 1, maxLength: 200 },
    newPassword: { type: 'string', minLength: MIN_PASSWORD_LENGTH, maxLength: 200 },
  },
} as const;

/** JSON sign-in for scripts and the API: the same cookie the UI's form sets. */
export async function sessionRoutes(app: FastifyInstance, opts: { auth: Authenticator }): Promise<void> {
  const { auth } = opts;

  app.post<{ Body: { brand?: string; brandId?: string; email: string; password: string } }>(
    '/api/session',
    {
      schema: {
        body: signInBody,
        response: { 200: answer('Signed in; the session cookie is set', obj({ staff: staffSchema })) },
      },
    },
    async (req, reply) => {
      const brand = req.body.brand ?? req.body.brandId;
      const result = await auth.signIn(brand, req.body.email, req.body.password, {
        ip: req.ip,
        cookieHeader: req.headers.cookie,
      });
      if (!result) throw Errors.unauthorized('wrong brand, email or password');
      return reply.header('set-cookie', result.setCookies).send({ staff: staffDto(result.staff) });
    },
  );

  // Sign-out ends the session on the server: the old cookie is refused from now on.
  app.delete('/api/session', async (req, reply) => {
    await auth.signOut((await auth.identify(req))?.sessionId);
    return reply.header('set-cookie', auth.signOutCookie()).status(204).send();
  });

  // Ends every session of the signed-in staff member, this one included.
  app.delete('/api/sessions', { preHandler: auth.requirePrincipal }, async (req, reply) => {
    const p = req.principal!;
    if (p.kind !== 'staff') throw Errors.forbidden('only a staff session can end its sessions');
    await auth.endSessions(p.id);
    return reply.header('set-cookie', auth.signOutCookie()).status(204).send();
  });

  app.post<{ Body: { currentPassword: string; newPassword: string } }>(
    '/api/me/password',
    { preHandler: auth.requirePrincipal, schema: { body: passwordChangeBody } },
    async (req, reply) => {
      const p = req.principal!;
      if (p.kind !== 'staff') throw Errors.forbidden('only staff have a password');
      const changed = await auth.changePassword(p, req.body.currentPassword, req.body.newPassword, req.ip);
      if (!changed) throw Errors.badRequest('body.currentPassword does not match');
      return reply.status(204).send();
    },
  );

  const me = obj({ kind: oneOf('staff', 'apiKey'), id: str, brandId: str, name: str, displayName: str });
  const meDoc = { response: { 200: answer('Who is signed in: a staff member or a brand API key', me) } };
  app.get('/api/me', { preHandler: auth.requirePrincipal, schema: meDoc }, async (req) => {
    const p = req.principal!;
    return { kind: p.kind, id: p.id, brandId: p.brandId, name: p.name, displayName: p.displayName };
  });
}

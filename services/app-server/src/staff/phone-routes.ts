import { answer, Errors, nullable, obj, str } from '@switchboard/service-kit';
import type { FastifyInstance } from 'fastify';
import type { Authenticator } from '../auth/authenticator.ts';
import type { AppStore } from '../store/store.ts';
import { E164_PATTERN } from './staff-phone-store.ts';

const phoneBody = {
  type: 'object',
  additionalProperties: false,
  required: ['phone'],
  properties: {
    phone: {
      type: ['string', 'null'],
      pattern: E164_PATTERN,
      description: 'Your own phone in E.164 (+ then country code and number); null clears it',
    },
  },
} as const;

/** A staff member's own phone, which the live monitor offers as a transfer target. */
export async function staffPhoneRoutes(
  app: FastifyInstance,
  o: { store: AppStore; auth: Authenticator },
): Promise<void> {
  const phoneAnswer = obj({ phone: nullable(str) });
  app.get(
    '/api/me/phone',
    { preHandler: o.auth.requirePrincipal, schema: { response: { 200: answer('Your phone', phoneAnswer) } } },
    async (req) => {
      const p = req.principal!;
      if (p.kind !== 'staff') throw Errors.forbidden('only staff have a phone');
      return { phone: await o.store.staffPhones().get(p.brandId, p.id) };
    },
  );
  app.put<{ Body: { phone: string | null } }>(
    '/api/me/phone',
    {
      preHandler: o.auth.requirePrincipal,
      schema: { body: phoneBody, response: { 200: answer('Your phone as stored', phoneAnswer) } },
    },
    async (req) => {
      const p = req.principal!;
      if (p.kind !== 'staff') throw Errors.forbidden('only staff have a phone');
      await o.store.staffPhones().set(p.brandId, p.id, req.body.phone);
      return { phone: await o.store.staffPhones().get(p.brandId, p.id) };
    },
  );
}

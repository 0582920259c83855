import { createHash, randomBytes } from 'node:crypto';
import { bearerToken, Errors } from '@switchboard/service-kit';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { PrismaClient } from '../../generated/prisma/client.ts';
import { AiErrors } from '../errors.ts';

declare module 'fastify' {
  interface FastifyRequest {
    /** The brand whose API key authenticated this admin request. */
    brandId: string;
  }
}

/** Brand API keys start with this, so they are recognisable in config files and secret scanners. */
export const API_KEY_PREFIX = 'sbk_';

/** sha256 hex of a key: keys are 192 random bits, so a fast hash is enough and lookups stay indexed. */
export function hashApiKey(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

/** A new key, its stored hash, and the short prefix shown in listings. */
export function generateApiKey(): { key: string; hash: string; prefix: string } {
  const key = `${API_KEY_PREFIX}${randomBytes(24).toString('base64url')}`;
  return { key, hash: hashApiKey(key), prefix: key.slice(0, API_KEY_PREFIX.length + 6) };
}

/** preHandler for the admin API: `Authorization: Bearer sbk_...` → `request.brandId`. */
export function requireBrandKey(prisma: PrismaClient) {
  return async (req: FastifyRequest, _reply: FastifyReply): Promise<void> => {
    const key = bearerToken(req);
    if (!key) throw Errors.unauthorized('missing bearer token (a brand API key)');
    if (!key.startsWith(API_KEY_PREFIX)) throw AiErrors.invalidApiKey('not a brand API key');
    const found = await prisma.brandApiKey.findUnique({
      where: { keyHash: hashApiKey(key) },
      select: { brandId: true, revokedAt: true },
    });
    if (!found || found.revokedAt) throw AiErrors.invalidApiKey('unknown or revoked API key');
    req.brandId = found.brandId;
  };
}

import { timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Errors } from './errors.ts';

/** Constant-time string comparison. */
export function safeEqual(a: string, b: string): boolean {
  const ab = Buffer.from(a);
  const bb = Buffer.from(b);
  return ab.length === bb.length && timingSafeEqual(ab, bb);
}

/** Reads `Authorization: Bearer <token>`; undefined when absent or malformed. */
export function bearerToken(req: FastifyRequest): string | undefined {
  const header = req.headers.authorization;
  if (!header) return undefined;
  const m = /^Bearer\s+(\S+)$/i.exec(header);
  return m?.[1];
}

/** A preHandler that admits only callers presenting the shared service token. */
export function requireServiceToken(serviceToken: string) {
  return async (req: FastifyRequest, _reply: FastifyReply): Promise<void> => {
    const token = bearerToken(req);
    if (!token) throw Errors.unauthorized('missing bearer token');
    if (!safeEqual(token, serviceToken)) throw Errors.unauthorized('invalid service token');
  };
}

import type { FastifyInstance } from 'fastify';

/**
 * Every answer is `nosniff`; JSON answers (which may carry a brand's data) are `no-store` unless the
 * route chose its own caching.
 */
export function securityHeaders(app: FastifyInstance): void {
  app.addHook('onSend', async (_req, reply, payload) => {
    reply.header('x-content-type-options', 'nosniff');
    const type = String(reply.getHeader('content-type') ?? '');
    if (/^application\/(?:[\w.+-]+\+)?json\b/i.test(type) && !reply.hasHeader('cache-control'))
      reply.header('cache-control', 'no-store');
    return payload;
  });
}

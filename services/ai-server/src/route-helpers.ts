import { requireServiceToken } from '@switchboard/service-kit';
import type { FastifyInstance } from 'fastify';
import { requireBrandKey } from './admin/brand-auth.ts';
import type { AppContext } from './context.ts';

/** Route schema extras for the OpenAPI document: tag and which credential the route takes. */
export function adminDoc(tag: string, summary: string) {
  return { tags: [tag], summary, security: [{ brandApiKey: [] }] };
}

export function internalDoc(tag: string, summary: string) {
  return { tags: [tag], summary, security: [{ serviceToken: [] }] };
}

/** Registers `routes` in a child scope that admits brand API keys only (before the body is read). */
export function adminScope(
  app: FastifyInstance,
  ctx: AppContext,
  routes: (scope: FastifyInstance) => void,
): void {
  app.register(async (scope) => {
    scope.addHook('onRequest', requireBrandKey(ctx.prisma));
    routes(scope);
  });
}

/** Registers `routes` in a child scope that admits the service token only. */
export function internalScope(
  app: FastifyInstance,
  ctx: AppContext,
  routes: (scope: FastifyInstance) => void,
): void {
  app.register(async (scope) => {
    scope.addHook('onRequest', requireServiceToken(ctx.serviceToken));
    routes(scope);
  });
}

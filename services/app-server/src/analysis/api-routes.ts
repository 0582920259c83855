import { Errors } from '@switchboard/service-kit';
import type { FastifyInstance } from 'fastify';
import type { Principal } from '../auth/authenticator.ts';
import { analysisQuerySchema, parseAnalysisQuery } from '../domain/queries.ts';
import type { AppStore } from '../store/store.ts';
import { aggregate } from './aggregate.ts';
import type { AnalysisService } from './analysis-service.ts';
import type { ConversationAnalysis } from './analysis-store.ts';

export interface AnalysisApiOptions {
  store: AppStore;
  analysis: AnalysisService;
}

const idParams = {
  type: 'object',
  required: ['id'],
  properties: { id: { type: 'string', minLength: 1, maxLength: 64 } },
} as const;

export function analysisDto(a: ConversationAnalysis) {
  return {
    conversationId: a.conversationId,
    status: a.status,
    summary: a.summary,
    sentiment: a.sentiment,
    intent: a.intent,
    resolution: a.resolution,
    leadScore: a.leadScore,
    result: a.result,
    model: a.model,
    promptVersion: a.promptVersion,
    schemaVersion: a.schemaVersion,
    attempts: a.attempts,
    error: a.error,
    analyzedAt: a.analyzedAt?.toISOString() ?? null,
  };
}

/** Brand time zone for day buckets (UTC when unknown). */
export async function brandZone(store: AppStore, brandId: string): Promise<string> {
  return (await store.getBrand(brandId))?.timezone ?? 'UTC';
}

/** Staff JSON API for post-call analyses; every route is scoped to the principal's brand. */
export async function analysisApiRoutes(app: FastifyInstance, opts: AnalysisApiOptions): Promise<void> {
  const { store, analysis } = opts;
  const principal = (req: { principal?: Principal }): Principal => req.principal!;

  app.get<{ Params: { id: string } }>(
    '/api/conversations/:id/analysis',
    { schema: { params: idParams } },
    async (req) => {
      const a = await store.analyses().getForBrand(principal(req).brandId, req.params.id);
      if (!a) throw Errors.notFound('no analysis for this conversation');
      return { analysis: analysisDto(a) };
    },
  );

  app.post<{ Params: { id: string } }>(
    '/api/conversations/:id/analysis',
    { schema: { params: idParams } },
    async (req, reply) => {
      const outcome = await analysis.rerun(principal(req).brandId, req.params.id);
      return reply.status(202).send({ status: outcome });
    },
  );

  app.get('/api/analyses', { schema: { querystring: analysisQuerySchema } }, async (req) => {
    const filter = parseAnalysisQuery(req.query as Record<string, unknown>);
    const page = await store.analyses().list(principal(req).brandId, filter);
    return {
      items: page.items.map((r) => ({
        ...analysisDto(r.analysis),
        startedAt: r.conversation.startedAt.toISOString(),
        botProfileKey: r.conversation.botProfileKey,
      })),
      nextCursor: page.nextCursor,
    };
  });

  app.get('/api/analyses/aggregates', { schema: { querystring: analysisQuerySchema } }, async (req) => {
    const { limit: _l, cursor: _c, ...filter } = parseAnalysisQuery(req.query as Record<string, unknown>);
    const brandId = principal(req).brandId;
    const timeZone = await brandZone(store, brandId);
    return { timeZone, ...aggregate(await store.analyses().points(brandId, filter, timeZone)) };
  });
}

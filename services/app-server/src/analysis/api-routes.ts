import {
  answer,
  arr,
  dateTime,
  Errors,
  int,
  nullable,
  num,
  obj,
  oneOf,
  openObject,
  str,
} from '@switchboard/service-kit';
import type { FastifyInstance } from 'fastify';
import type { Principal } from '../auth/authenticator.ts';
import { analysisQuerySchema, parseAnalysisQuery } from '../domain/queries.ts';
import type { AppStore } from '../store/store.ts';
import { aggregate } from './aggregate.ts';
import type { AnalysisService } from './analysis-service.ts';
import type { ConversationAnalysis } from './analysis-store.ts';
import { laneRates } from './lane-rates.ts';

export interface AnalysisApiOptions {
  store: AppStore;
  analysis: AnalysisService;
}

const idParams = {
  type: 'object',
  required: ['id'],
  properties: { id: { type: 'string', minLength: 1, maxLength: 64 } },
} as const;

const analysisSchema = obj({
  conversationId: str,
  status: oneOf('pending', 'done', 'failed'),
  summary: nullable(str),
  sentiment: nullable(str),
  intent: nullable(str),
  resolution: nullable(str),
  leadScore: nullable(num),
  /** The whole validated answer; a profile's analysis schema may add fields. */
  result: nullable(openObject),
  model: nullable(str),
  promptVersion: nullable(str),
  schemaVersion: nullable(str),
  attempts: int,
  error: nullable(str),
  analyzedAt: nullable(dateTime),
});

/** Counts by a name: `[name, count]` pairs, most frequent first. */
const counts = arr({ type: 'array', items: { anyOf: [str, int] }, minItems: 2, maxItems: 2 });
const byName = { type: 'object', additionalProperties: int };

const aggregatesSchema = obj({
  timeZone: str,
  total: int,
  bySentiment: counts,
  byIntent: counts,
  days: arr(obj({ day: str, total: int, sentiment: byName, intent: byName })),
  leadScore: obj({ average: nullable(num), bands: arr(int) }),
  byLanguage: counts,
});

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
    {
      schema: {
        params: idParams,
        response: { 200: answer("The conversation's analysis", obj({ analysis: analysisSchema })) },
      },
    },
    async (req) => {
      const a = await store.analyses().getForBrand(principal(req).brandId, req.params.id);
      if (!a) throw Errors.notFound('no analysis for this conversation');
      return { analysis: analysisDto(a) };
    },
  );

  app.post<{ Params: { id: string } }>(
    '/api/conversations/:id/analysis',
    {
      schema: {
        params: idParams,
        response: {
          202: answer(
            'Queued for analysis (or already queued)',
            obj({ status: oneOf('queued', 'already-queued') }),
          ),
        },
      },
    },
    async (req, reply) => {
      const outcome = await analysis.rerun(principal(req).brandId, req.params.id);
      return reply.status(202).send({ status: outcome });
    },
  );

  const listDoc = {
    querystring: analysisQuerySchema,
    response: {
      200: answer(
        'A page of finished analyses with their call start and profile',
        obj({
          items: arr(
            obj({
              ...analysisSchema.properties,
              startedAt: dateTime,
              botProfileKey: str,
              languages: arr(str),
            }),
          ),
          nextCursor: nullable(str),
        }),
      ),
    },
  };
  app.get('/api/analyses', { schema: listDoc }, async (req) => {
    const filter = parseAnalysisQuery(req.query as Record<string, unknown>);
    const page = await store.analyses().list(principal(req).brandId, filter);
    return {
      items: page.items.map((r) => ({
        ...analysisDto(r.analysis),
        startedAt: r.conversation.startedAt.toISOString(),
        botProfileKey: r.conversation.botProfileKey,
        languages: r.conversation.languages,
      })),
      nextCursor: page.nextCursor,
    };
  });

  const aggregatesDoc = {
    querystring: analysisQuerySchema,
    response: { 200: answer('Counts by sentiment, intent and day, and lead-score bands', aggregatesSchema) },
  };
  app.get('/api/analyses/aggregates', { schema: aggregatesDoc }, async (req) => {
    const { limit: _l, cursor: _c, ...filter } = parseAnalysisQuery(req.query as Record<string, unknown>);
    const brandId = principal(req).brandId;
    const timeZone = await brandZone(store, brandId);
    return { timeZone, ...aggregate(await store.analyses().points(brandId, filter, timeZone)) };
  });

  const lanesDoc = {
    querystring: analysisQuerySchema,
    response: {
      200: answer(
        'Resolution and hand-off rates per retrieval lane over the analysed calls in the range',
        obj({
          lanes: arr(
            obj({
              lane: str,
              calls: int,
              resolved: int,
              handedOff: int,
              resolutionRate: nullable(num),
              handoffRate: nullable(num),
            }),
          ),
        }),
      ),
    },
  };
  app.get('/api/analyses/lanes', { schema: lanesDoc }, async (req) => {
    // Lanes are over the range alone (the other filters are not applied).
    const { from, to } = parseAnalysisQuery(req.query as Record<string, unknown>);
    const points = await store.analyses().lanePoints(principal(req).brandId, { from, to });
    return { lanes: laneRates(points) };
  });
}

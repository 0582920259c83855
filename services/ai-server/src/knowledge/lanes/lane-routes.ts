import type { FastifyPluginAsync } from 'fastify';
import type { AppContext, FeatureOptions } from '../../context.ts';
import { AiErrors } from '../../errors.ts';
import { adminDoc, adminScope } from '../../route-helpers.ts';
import type { LabelledQuery } from '../evaluation/labelled-set.ts';
import { effectiveConfig } from './lane-config.ts';
import { laneConsistency } from './lane-consistency.ts';
import { laneDepsOf } from './lane-deps.ts';
import { evaluateLanes, latestEvaluations } from './lane-evaluation.ts';
import { consistencyResponse, evaluationsResponse, lanesResponse } from './lane-responses.ts';
import {
  type LaneSetting,
  type LaneStore,
  laneOf,
  laneSettingProblem,
  laneSettingSchema,
} from './lane-spec.ts';

/** Questions per evaluation request. */
export const MAX_EVALUATION_QUERIES = 200;
/** The window of the live figures, hours. */
const LIVE_HOURS = 24;

function storesOf(ctx: AppContext): Set<LaneStore> {
  return new Set<LaneStore>(ctx.pinecone ? ['postgres', 'pinecone'] : ['postgres']);
}

/** The lanes side by side: each lane's configuration, live figures (last 24 h) and latest evaluation. */
async function lanesView(ctx: AppContext, brandId: string) {
  const setting = await ctx.laneSettings.get(brandId);
  const live = new Map((await ctx.searchEvents.live(brandId, LIVE_HOURS)).map((f) => [f.lane, f]));
  const evaluations = await latestEvaluations(ctx.sql, brandId);
  const lanes = (['primary', 'secondary'] as const).flatMap((role) => {
    const spec = laneOf(setting, role);
    if (!spec) return [];
    const share = role === 'primary' ? 100 - setting.secondaryPercent : setting.secondaryPercent;
    return [
      {
        role,
        ...spec,
        ...effectiveConfig(spec, ctx.embedders),
        callShare: setting.secondary ? share : 100,
        live: live.get(spec.name) ?? null,
        evaluation: evaluations.get(spec.name) ?? null,
      },
    ];
  });
  return {
    secondaryPercent: setting.secondaryPercent,
    liveWindowHours: LIVE_HOURS,
    stores: [...storesOf(ctx)],
    embeddings: ctx.embedders.names(),
    lanes,
  };
}

const evaluateBody = {
  type: 'object',
  additionalProperties: false,
  required: ['queries'],
  properties: {
    queries: {
      type: 'array',
      minItems: 1,
      maxItems: MAX_EVALUATION_QUERIES,
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['query', 'answers'],
        properties: {
          query: { type: 'string', minLength: 1, maxLength: 2000 },
          // externalIds of the articles that answer it; [] for a question the corpus can't answer.
          answers: { type: 'array', maxItems: 50, items: { type: 'string', minLength: 1, maxLength: 500 } },
          kind: { type: 'string', minLength: 1, maxLength: 40 },
        },
      },
    },
  },
} as const;

/** Retrieval lanes: a brand's lane setting, the lanes side by side, their consistency, an evaluation. */
export const laneRoutes: FastifyPluginAsync<FeatureOptions> = async (app, { ctx }) => {
  adminScope(app, ctx, (admin) => {
    admin.get(
      '/admin/knowledge/lanes',
      {
        schema: {
          ...adminDoc(
            'knowledge',
            'The retrieval lanes side by side: configuration, live and evaluation figures',
          ),
          response: { 200: lanesResponse },
        },
      },
      async (req) => lanesView(ctx, req.brandId),
    );

    admin.put<{ Body: LaneSetting }>(
      '/admin/knowledge/lanes',
      {
        schema: {
          ...adminDoc('knowledge', 'Define the primary lane, a second lane and the share of calls it serves'),
          body: laneSettingSchema,
          response: { 200: lanesResponse },
        },
      },
      async (req) => {
        const setting: LaneSetting = {
          primary: { ...req.body.primary, rerank: req.body.primary.rerank ?? false },
          secondary: req.body.secondary
            ? { ...req.body.secondary, rerank: req.body.secondary.rerank ?? false }
            : null,
          secondaryPercent: req.body.secondaryPercent ?? 0,
        };
        const problem = laneSettingProblem(setting, storesOf(ctx), ctx.embedders);
        if (problem) throw AiErrors.invalidLanes(problem);
        await ctx.laneSettings.put(req.brandId, setting);
        // A lane with a new model or chunking gets its rows built in the background; the other serves.
        ctx.laneIndexer.rebuild(req.brandId);
        return lanesView(ctx, req.brandId);
      },
    );

    admin.get(
      '/admin/knowledge/lanes/consistency',
      {
        schema: {
          ...adminDoc(
            'knowledge',
            'What each store holds of the brand (articles, chunks, records), and whether they agree',
          ),
          response: { 200: consistencyResponse },
        },
      },
      async (req) => laneConsistency(ctx.sql, ctx.knowledge.mirror, req.brandId, ctx.laneIndexer),
    );

    admin.post<{ Body: { queries: Array<Omit<LabelledQuery, 'kind'> & { kind?: string }> } }>(
      '/admin/knowledge/lanes/evaluate',
      {
        schema: {
          ...adminDoc(
            'knowledge',
            'Run labelled questions through each lane on the live corpus; keeps the figures',
          ),
          body: evaluateBody,
          response: { 200: evaluationsResponse },
        },
      },
      async (req) => {
        const articles = await ctx.knowledge.listArticles(req.brandId, { limit: 100_000 });
        const externalIdOf = new Map(articles.map((a) => [a.id, a.externalId]));
        const known = new Set(externalIdOf.values());
        const queries: LabelledQuery[] = req.body.queries.map((q, i) => {
          const j = q.answers.findIndex((a) => !known.has(a));
          if (j >= 0)
            throw AiErrors.invalidLanes(`body.queries.${i}.answers.${j} is not an article of this brand`);
          return {
            query: q.query,
            answers: q.answers,
            kind: q.kind ?? (q.answers.length ? 'answerable' : 'unanswerable'),
          };
        });
        const setting = await ctx.laneSettings.get(req.brandId);
        const evaluations = await evaluateLanes(
          laneDepsOf(ctx, req.log),
          ctx.sql,
          req.brandId,
          setting,
          queries,
          externalIdOf,
        );
        return { evaluations };
      },
    );
  });
};

import type {
  KnowledgeSearchRequest,
  KnowledgeSearchResponse,
} from '@switchboard/service-kit/clients/ai-server';
import type { FastifyPluginAsync } from 'fastify';
import type { AppContext, FeatureOptions } from '../context.ts';
import { AiErrors } from '../errors.ts';
import { isKnownLanguageTag, LANGUAGE_TAG_PATTERN } from '../languages/language-tags.ts';
import { languagesOf } from '../profiles/profile-languages.ts';
import { PROFILE_REF_PATTERN } from '../profiles/profile-schema.ts';
import { adminDoc, adminScope, internalDoc, internalScope } from '../route-helpers.ts';
import { applyArticleRepairs } from './article-repairs.ts';
import {
  articleListResponse,
  articleResponse,
  ingestResponse,
  searchResponse,
} from './knowledge-responses.ts';
import { type ArticleInput, EmbeddingError, MAX_ARTICLE_CHARS, MirrorError } from './knowledge-store.ts';
import { laneDepsOf } from './lanes/lane-deps.ts';
import { searchLanes } from './lanes/lane-search.ts';
import type { LaneRole } from './lanes/lane-spec.ts';
import { LanguageNotEmbedded } from './lanes/pinecone-search.ts';
import { MAX_SEARCH_RESULTS } from './search.ts';
import { knowledgeLanguageOf, searchInLanguage } from './search-language.ts';

/** Articles per ingest request; the CLI sends batches of this size. */
export const MAX_ARTICLES_PER_REQUEST = 100;
const ARTICLE_ID_PATTERN = '^[0-9a-f-]{36}$';

const searchFields = {
  query: { type: 'string', minLength: 1, maxLength: 2000 },
  limit: { type: 'integer', minimum: 1, maximum: MAX_SEARCH_RESULTS },
  /** BCP 47 tag or ISO 639 subtag: only that language's articles, with its text-search configuration. */
  language: { type: 'string', maxLength: 35, pattern: LANGUAGE_TAG_PATTERN },
} as const;

/** An article's language: a tag or subtag (stored as the primary subtag, lower case). */
const articleLanguage = { type: 'string', maxLength: 35, pattern: LANGUAGE_TAG_PATTERN } as const;

async function runSearch(
  ctx: AppContext,
  brandId: string,
  body: KnowledgeSearchRequest & { lane?: LaneRole },
  log: AppLog,
  source: 'call' | 'brand',
  /**
   * The call's profile: its first language is searched when the asked one has nothing relevant, and
   * a profile with `languages` searches it when the call names none (its articles, not all of them).
   */
  profile?: { first: string; multilingual: boolean },
) {
  if (body.language !== undefined && !isKnownLanguageTag(body.language))
    throw AiErrors.invalidSearch('body.language is not a known language (ISO 639 primary subtag)');
  const { res, language, languageFellBack } = await searchInLanguage(
    (lang) =>
      searchLanes(laneDepsOf(ctx, log), brandId, body.query, {
        limit: body.limit,
        key: body.callSid,
        role: body.lane,
        source,
        language: lang,
      }),
    body.language ?? (profile?.multilingual ? profile.first : undefined),
    profile?.first,
  ).catch((err: unknown) => {
    // Asked of the Pinecone lane alone (no other lane to answer): the brand's request can't be served.
    if (err instanceof LanguageNotEmbedded) throw AiErrors.invalidSearch(`body.language: ${err.message}`);
    throw err;
  });
  log.info(
    {
      lane: res.lane.name,
      laneRole: res.lane.role,
      store: res.lane.store,
      fallbackFrom: res.fallback?.from,
      mode: res.mode,
      reranked: res.reranked,
      results: res.results.length,
      noAnswer: res.noAnswer,
      language,
      languageFellBack,
      chunkIds: res.results.map((r) => r.chunkId),
      totalMs: Math.round(res.timingsMs.total),
    },
    'knowledge search',
  );
  ctx.metrics.searchLatency.observe({ source, mode: res.mode }, res.timingsMs.total / 1000);
  const { timingsMs: _timings, ...rest } = res;
  return {
    ...rest,
    ...(language !== undefined ? { language, languageFellBack } : {}),
  } satisfies KnowledgeSearchResponse;
}

type AppLog = Parameters<FastifyPluginAsync>[0]['log'];

/** The knowledge base: ingestion and deletion for the brand, hybrid search for calls and for the brand. */
export const knowledgePlugin: FastifyPluginAsync<FeatureOptions> = async (app, { ctx }) => {
  adminScope(app, ctx, (admin) => {
    admin.post<{ Body: { articles: ArticleInput[] } }>(
      '/admin/knowledge/articles',
      {
        bodyLimit: 32 * 1024 * 1024,
        // Help-center exports are third-party text: NUL and unpaired surrogates are repaired and reported.
        config: { textPolicy: 'sanitize' },
        schema: {
          ...adminDoc('knowledge', 'Create or replace articles by externalId (unchanged ones are skipped)'),
          body: {
            type: 'object',
            additionalProperties: false,
            required: ['articles'],
            properties: {
              articles: {
                type: 'array',
                minItems: 1,
                maxItems: MAX_ARTICLES_PER_REQUEST,
                items: {
                  type: 'object',
                  additionalProperties: false,
                  required: ['externalId', 'title', 'body'],
                  properties: {
                    externalId: { type: 'string', minLength: 1, maxLength: 500 },
                    title: { type: 'string', minLength: 1, maxLength: 1000 },
                    body: {
                      type: 'string',
                      description: `At most ${MAX_ARTICLE_CHARS} characters (413 ARTICLE_TOO_LARGE naming it)`,
                    },
                    format: { type: 'string', enum: ['text', 'markdown', 'html'] },
                    url: { type: ['string', 'null'], maxLength: 2048 },
                    language: articleLanguage,
                  },
                },
              },
            },
          },
          response: { 200: ingestResponse },
        },
      },
      async (req) => {
        const seen = new Map<string, number>();
        req.body.articles.forEach((a, i) => {
          if (a.body.length > MAX_ARTICLE_CHARS)
            throw AiErrors.articleTooLarge(
              `body.articles.${i}.body is ${a.body.length} characters; the limit is ${MAX_ARTICLE_CHARS}`,
            );
          if (a.language !== undefined && !isKnownLanguageTag(a.language))
            throw AiErrors.invalidArticles(
              `body.articles.${i}.language is not a known language (ISO 639 primary subtag)`,
            );
          const first = seen.get(a.externalId);
          if (first !== undefined)
            throw AiErrors.invalidArticles(`body.articles.${i}.externalId repeats body.articles.${first}`);
          seen.set(a.externalId, i);
        });
        const { accepted, refused, repairs } = applyArticleRepairs(req.body.articles, req.textRepairs ?? []);
        try {
          const stored = await ctx.knowledge.ingest(req.brandId, accepted);
          const byId = new Map(stored.map((r) => [r.externalId, r]));
          const results = req.body.articles.map((a, i) => {
            const r = refused.get(i) ?? byId.get(a.externalId)!;
            const fixed = repairs.get(i);
            return fixed ? { ...r, repaired: fixed } : r;
          });
          for (const r of results)
            if (r.status === 'failed') {
              req.log.warn({ code: r.error?.code }, 'article not ingested');
              if (r.error?.code === 'LANE_WRITE_FAILED') ctx.metrics.mirrorErrors.inc({ op: 'write' });
            }
          return { results };
        } catch (err) {
          if (err instanceof EmbeddingError)
            throw AiErrors.embeddingFailed(`embedding provider failed: ${err.message}`);
          throw err;
        }
      },
    );

    admin.get<{ Querystring: { limit?: number; after?: string } }>(
      '/admin/knowledge/articles',
      {
        schema: {
          ...adminDoc('knowledge', "List the brand's articles (page with ?after=<last id>)"),
          querystring: {
            type: 'object',
            additionalProperties: false,
            properties: {
              limit: { type: 'integer', minimum: 1, maximum: 500 },
              after: { type: 'string', pattern: ARTICLE_ID_PATTERN },
            },
          },
          response: { 200: articleListResponse },
        },
      },
      async (req) => {
        const limit = req.query.limit ?? 100;
        const articles = await ctx.knowledge.listArticles(req.brandId, { limit, after: req.query.after });
        return { articles, next: articles.length === limit ? articles[articles.length - 1]!.id : null };
      },
    );

    const idParams = {
      type: 'object',
      required: ['articleId'],
      properties: { articleId: { type: 'string', pattern: ARTICLE_ID_PATTERN } },
    } as const;

    admin.get<{ Params: { articleId: string } }>(
      '/admin/knowledge/articles/:articleId',
      {
        schema: {
          ...adminDoc('knowledge', 'Read an article'),
          params: idParams,
          response: { 200: articleResponse },
        },
      },
      async (req) => {
        const a = await ctx.knowledge.getArticle(req.brandId, req.params.articleId);
        if (!a) throw AiErrors.articleNotFound(`no article ${req.params.articleId}`);
        return a;
      },
    );

    admin.delete<{ Params: { articleId: string } }>(
      '/admin/knowledge/articles/:articleId',
      { schema: { ...adminDoc('knowledge', 'Delete an article and its chunks'), params: idParams } },
      async (req, reply) => {
        let deleted: boolean;
        try {
          deleted = await ctx.knowledge.deleteArticle(req.brandId, req.params.articleId);
        } catch (err) {
          if (!(err instanceof MirrorError)) throw err;
          ctx.metrics.mirrorErrors.inc({ op: 'delete' });
          throw AiErrors.laneWriteFailed(
            'the second retrieval lane could not delete the article; nothing was deleted; retry',
          );
        }
        if (!deleted) throw AiErrors.articleNotFound(`no article ${req.params.articleId}`);
        return reply.status(204).send();
      },
    );

    admin.post<{ Body: KnowledgeSearchRequest & { lane?: LaneRole } }>(
      '/admin/knowledge/search',
      {
        schema: {
          ...adminDoc(
            'knowledge',
            "Try a search over the brand's knowledge, as a call would (or in one lane)",
          ),
          body: {
            type: 'object',
            additionalProperties: false,
            required: ['query'],
            properties: {
              ...searchFields,
              // A key splits like a call SID; a lane asks for that lane alone (no fallback).
              callSid: { type: 'string', minLength: 1, maxLength: 64 },
              lane: { type: 'string', enum: ['primary', 'secondary'] },
            },
          },
          response: { 200: searchResponse },
        },
      },
      async (req) => runSearch(ctx, req.brandId, req.body, req.log, 'brand'),
    );
  });

  internalScope(app, ctx, (internal) => {
    internal.post<{ Body: KnowledgeSearchRequest & { profileKey: string } }>(
      '/voiceagent/search_knowledge_base/',
      {
        // The caller's question, as the model put it: third-party text, repaired, not refused.
        config: { textPolicy: 'sanitize' },
        schema: {
          ...internalDoc(
            'call path',
            "Search over the profile's brand knowledge (top 12 by default), in the lane the call SID is assigned to",
          ),
          body: {
            type: 'object',
            additionalProperties: false,
            required: ['profileKey', 'query'],
            properties: {
              profileKey: { type: 'string', pattern: PROFILE_REF_PATTERN },
              callSid: { type: 'string', maxLength: 64 },
              ...searchFields,
            },
          },
          response: { 200: searchResponse },
        },
      },
      async (req) => {
        const p = await ctx.profiles.getByRef(req.body.profileKey);
        return runSearch(ctx, p.brandId, req.body, req.log, 'call', {
          first: knowledgeLanguageOf(p),
          multilingual: languagesOf(p.languages) !== undefined,
        });
      },
    );
  });
};

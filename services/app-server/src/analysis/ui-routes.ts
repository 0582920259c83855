import { Readable } from 'node:stream';
import { ServiceError } from '@switchboard/service-kit';
import type { FastifyInstance, FastifyReply, FastifyRequest, preHandlerHookHandler } from 'fastify';
import type { Principal } from '../auth/authenticator.ts';
import { analysisQuerySchema, MAX_PAGE_SIZE, parseAnalysisQuery } from '../domain/queries.ts';
import type { AppStore } from '../store/store.ts';
import type { SafeHtml } from '../ui/html.ts';
import type { Viewer } from '../ui/views.ts';
import { aggregate } from './aggregate.ts';
import type { AnalysisService } from './analysis-service.ts';
import { CSV_HEADER, csvRow } from './csv.ts';
import { laneRates } from './lane-rates.ts';
import { type AnalyticsQuery, analyticsPage } from './pages.ts';

/** Most rows one CSV export holds (newest first). */
export const MAX_CSV_ROWS = 50_000;

export interface AnalysisPagesOptions {
  store: AppStore;
  analysis: AnalysisService;
  signedIn: preHandlerHookHandler;
  me: (req: FastifyRequest) => Principal;
  viewer: (req: FastifyRequest) => Viewer;
  sendPage: (reply: FastifyReply, page: SafeHtml, status?: number) => FastifyReply;
}

const QUERY_KEYS = ['from', 'to', 'sentiment', 'intent', 'language'] as const;

function echoQuery(raw: Record<string, unknown>): AnalyticsQuery {
  return Object.fromEntries(
    QUERY_KEYS.flatMap((k) => (typeof raw[k] === 'string' && raw[k].length <= 64 ? [[k, raw[k]]] : [])),
  ) as AnalyticsQuery;
}

/** The analytics page, its CSV export and the re-run button; registered inside the UI plugin (its hooks apply). */
export function analysisPages(app: FastifyInstance, o: AnalysisPagesOptions): void {
  const { store, analysis } = o;

  app.post<{ Params: { id: string } }>(
    '/conversations/:id/analysis',
    { preHandler: o.signedIn },
    async (req, reply) => {
      await analysis.rerun(o.me(req).brandId, req.params.id);
      return reply.redirect(`/conversations/${encodeURIComponent(req.params.id)}`, 303);
    },
  );

  app.get(
    '/analytics',
    { preHandler: o.signedIn, schema: { querystring: analysisQuerySchema } },
    async (req, reply) => {
      const raw = req.query as Record<string, unknown>;
      const query = echoQuery(raw);
      const v = o.viewer(req);
      const csvHref = `/analytics.csv${Object.keys(query).length ? `?${new URLSearchParams({ ...query })}` : ''}`;
      try {
        const filter = parseAnalysisQuery(raw);
        const { limit: _l, cursor: _c, ...range } = filter;
        const brandId = o.me(req).brandId;
        const [page, points, lanePoints] = await Promise.all([
          store.analyses().list(brandId, filter),
          store.analyses().points(brandId, range, v.timeZone),
          store.analyses().lanePoints(brandId, range),
        ]);
        const nextHref = page.nextCursor
          ? `/analytics?${new URLSearchParams({ ...query, cursor: page.nextCursor })}`
          : undefined;
        return o.sendPage(
          reply,
          analyticsPage({
            viewer: v,
            query,
            page,
            aggregates: aggregate(points),
            lanes: laneRates(lanePoints),
            csvHref,
            enabled: analysis.enabled,
            ...(nextHref ? { nextHref } : {}),
          }),
        );
      } catch (err) {
        if (err instanceof ServiceError && err.statusCode === 400)
          return o.sendPage(
            reply,
            analyticsPage({ viewer: v, query, error: err.message, csvHref, enabled: analysis.enabled }),
            400,
          );
        throw err;
      }
    },
  );

  app.get(
    '/analytics.csv',
    { preHandler: o.signedIn, schema: { querystring: analysisQuerySchema } },
    async (req, reply) => {
      const { cursor: _c, ...filter } = parseAnalysisQuery(req.query as Record<string, unknown>);
      const brandId = o.me(req).brandId;
      const analyses = store.analyses();
      async function* rows(): AsyncGenerator<string> {
        yield `${CSV_HEADER.join(',')}\r\n`;
        let cursor: string | undefined;
        let sent = 0;
        do {
          const page = await analyses.list(brandId, {
            ...filter,
            limit: MAX_PAGE_SIZE,
            ...(cursor ? { cursor } : {}),
          });
          for (const r of page.items) {
            if (sent++ >= MAX_CSV_ROWS) return;
            yield `${csvRow(r)}\r\n`;
          }
          cursor = page.nextCursor ?? undefined;
        } while (cursor);
      }
      return reply
        .type('text/csv; charset=utf-8')
        .header('content-disposition', 'attachment; filename="call-analyses.csv"')
        .header('cache-control', 'no-store')
        .send(Readable.from(rows()));
    },
  );
}

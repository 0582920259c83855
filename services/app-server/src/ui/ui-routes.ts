import { readFileSync } from 'node:fs';
import { Errors, ServiceError } from '@switchboard/service-kit';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AnalysisService } from '../analysis/analysis-service.ts';
import { analysisPanel } from '../analysis/pages.ts';
import { analysisPages } from '../analysis/ui-routes.ts';
import type { Authenticator, Principal } from '../auth/authenticator.ts';
import type { CallbackPlacement } from '../callbacks/placement-store.ts';
import type { ConversationService } from '../conversations/service.ts';
import {
  conversationQuerySchema,
  parseConversationQuery,
  parseTicketQuery,
  ticketQuerySchema,
} from '../domain/queries.ts';
import {
  CALLBACK_STATUSES,
  type CallbackStatus,
  TICKET_STATUSES,
  type TicketStatus,
} from '../domain/types.ts';
import type { LiveDeps } from '../live/follow.ts';
import type { CallControl } from '../monitor/call-control.ts';
import { MONITOR_NOTICES, monitorPages } from '../monitor/routes.ts';
import { monitorPanel } from '../monitor/views.ts';
import type { RecordingService } from '../recordings/recording-service.ts';
import type { AppStore } from '../store/store.ts';
import { DEFAULT_ZONE, safeLocalPath } from './format.ts';
import type { SafeHtml } from './html.ts';
import { liveConversationRoute } from './live-route.ts';
import { recordingPanel } from './recording-panel.ts';
import { tryPages, type WebCallSetup } from './try-route.ts';
import {
  conversationPage,
  conversationsPage,
  loginPage,
  messagePage,
  ticketsPage,
  type Viewer,
} from './views.ts';

export interface UiRoutesOptions {
  store: AppStore;
  service: ConversationService;
  auth: Authenticator;
  live: LiveDeps;
  analysis: AnalysisService;
  opikUiUrl: string | undefined;
  /** Where the live monitor's actions go (the voice-server instance holding each call). */
  control: CallControl;
  /** Call recordings (the player on a conversation's page, deletion). */
  recordings?: RecordingService;
  /** This site's origin as browsers see it (behind a TLS proxy); default: as requests arrive. */
  publicOrigin?: string;
  /** Browser test calls ("Try your bot"); the page says they are not set up when absent. */
  webCalls?: WebCallSetup;
}

/** The real files served under /assets (a Map: names like `constructor` are just unknown names). */
const ASSETS = new Map<string, { type: string; body: Buffer }>([
  [
    'app.css',
    { type: 'text/css; charset=utf-8', body: readFileSync(new URL('./assets/app.css', import.meta.url)) },
  ],
  ...['app.js', 'try.js', 'try-worklet.js'].map(
    (name) =>
      [
        name,
        {
          type: 'text/javascript; charset=utf-8',
          body: readFileSync(new URL(`./assets/${name}`, import.meta.url)),
        },
      ] as const,
  ),
]);

const SECURITY_HEADERS = {
  'content-security-policy':
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'same-origin',
  'x-frame-options': 'DENY',
};

function sendPage(reply: FastifyReply, page: SafeHtml, status = 200): FastifyReply {
  return reply
    .status(status)
    .type('text/html; charset=utf-8')
    .header('cache-control', 'no-store')
    .send(page.value);
}

type Form = Record<string, string>;

/**
 * True when the Origin header is this site's origin: scheme, host and port (default ports
 * normalised). The scheme is the one the request arrived on, or `publicOrigin`'s when configured.
 */
function sameOrigin(origin: string, req: FastifyRequest, publicOrigin: string | undefined): boolean {
  const host = req.headers.host;
  if (!host) return false;
  try {
    const own = new URL(publicOrigin ?? `${req.protocol}://${host}`);
    return new URL(origin).origin === own.origin;
  } catch {
    return false; // includes the opaque origin "null"
  }
}

function formField(body: unknown, name: string): string | undefined {
  const v = (body as Form | undefined)?.[name];
  return typeof v === 'string' ? v : undefined;
}

/** The conversations UI: server-rendered pages, plain forms for changes, one small script for live updates. */
export async function uiRoutes(app: FastifyInstance, opts: UiRoutesOptions): Promise<void> {
  const { store, service, auth } = opts;

  app.addContentTypeParser(
    'application/x-www-form-urlencoded',
    { parseAs: 'string', bodyLimit: 64 * 1024 },
    (_req, body, done) => done(null, Object.fromEntries(new URLSearchParams(body as string))),
  );

  app.addHook('onSend', async (_req, reply, payload) => {
    // A page may widen its own policy (the test call page's socket to voice-server).
    for (const [k, v] of Object.entries(SECURITY_HEADERS))
      if (!(k === 'content-security-policy' && reply.hasHeader(k))) reply.header(k, v);
    return payload;
  });

  // Forms post same-origin only: browsers send Origin on POST, and a foreign (or opaque) one is refused.
  app.addHook('preHandler', async (req) => {
    if (req.method !== 'POST' || req.headers.origin === undefined) return;
    if (!sameOrigin(req.headers.origin, req, opts.publicOrigin))
      throw Errors.forbidden('cross-site form post refused');
  });

  app.setErrorHandler((err: Error & { statusCode?: number; validation?: unknown }, req, reply) => {
    const status = err instanceof ServiceError ? err.statusCode : (err.statusCode ?? 500);
    if (status >= 500) req.log.error({ err }, 'page failed');
    const title =
      status === 404
        ? 'Not found'
        : status === 403
          ? 'Not allowed'
          : status < 500
            ? 'Cannot do that'
            : 'Something went wrong';
    const text = status >= 500 ? 'The page could not be shown. Try again in a moment.' : err.message;
    return sendPage(
      reply,
      messagePage({ title, text, ...(req.principal ? { principal: req.principal } : {}) }),
      status,
    );
  });

  /** Staff pages: a visitor without a session is sent to sign in and brought back. */
  const signedIn = async (req: FastifyRequest, reply: FastifyReply) => {
    const principal = await auth.identify(req);
    if (principal) {
      req.principal = principal;
      const brand = await store.getBrand(principal.brandId);
      viewers.set(req, {
        principal,
        brandLabel: brand?.name ?? brand?.slug ?? undefined,
        timeZone: brand?.timezone ?? DEFAULT_ZONE,
      });
      return;
    }
    if (req.method === 'GET') return reply.redirect(`/login?next=${encodeURIComponent(req.url)}`, 303);
    throw Errors.unauthorized('your session has ended; sign in again');
  };
  const viewers = new WeakMap<FastifyRequest, Viewer>();
  const me = (req: FastifyRequest): Principal => req.principal!;
  /** The signed-in staff member's own phone (the monitor's "transfer to my phone"). */
  const myPhone = async (req: FastifyRequest) => {
    const p = me(req);
    return p.kind === 'staff' ? store.staffPhones().get(p.brandId, p.id) : null;
  };
  const viewer = (req: FastifyRequest): Viewer => viewers.get(req)!;

  app.get<{ Params: { name: string } }>('/assets/:name', async (req, reply) => {
    const asset = ASSETS.get(req.params.name);
    if (!asset) throw Errors.notFound('no such asset');
    return reply.type(asset.type).header('cache-control', 'public, max-age=300').send(asset.body);
  });

  app.get('/', async (_req, reply) => reply.redirect('/conversations', 303));

  app.get('/login', async (req, reply) => {
    const q = req.query as Record<string, unknown>;
    const next = safeLocalPath(q.next, '/conversations');
    if (await auth.identify(req)) return reply.redirect(next, 303);
    const brand = typeof q.brand === 'string' && q.brand.length <= 128 ? q.brand : undefined;
    return sendPage(reply, loginPage({ next, ...(brand ? { brand } : {}) }));
  });

  app.post('/login', async (req, reply) => {
    const brand = (formField(req.body, 'brand') ?? formField(req.body, 'brandId'))?.trim() ?? '';
    const email = formField(req.body, 'email')?.trim() ?? '';
    const password = formField(req.body, 'password') ?? '';
    const next = safeLocalPath(formField(req.body, 'next'), '/conversations');
    const again = (error: string, status: number) =>
      sendPage(reply, loginPage({ error, brand, email, next }), status);
    if (!email || !password) return again('Enter your email and password.', 400);
    if (brand.length > 128 || email.length > 254 || password.length > 200)
      return again('Wrong brand, email or password.', 401);
    let result: Awaited<ReturnType<Authenticator['signIn']>>;
    try {
      result = await auth.signIn(brand || undefined, email, password, {
        ip: req.ip,
        cookieHeader: req.headers.cookie,
      });
    } catch (err) {
      if (err instanceof ServiceError && (err.statusCode === 429 || err.statusCode === 409))
        return again(
          err.statusCode === 409 ? 'Your email belongs to several brands: enter the brand too.' : err.message,
          err.statusCode,
        );
      throw err;
    }
    if (!result) return again('Wrong brand, email or password.', 401);
    return reply.header('set-cookie', result.setCookies).redirect(next, 303);
  });

  app.post('/logout', async (req, reply) => {
    await auth.signOut((await auth.identify(req))?.sessionId);
    return reply.header('set-cookie', auth.signOutCookie()).redirect('/login', 303);
  });

  app.get(
    '/conversations',
    { preHandler: signedIn, schema: { querystring: conversationQuerySchema } },
    async (req, reply) => {
      const raw = req.query as Record<string, unknown>;
      const query = Object.fromEntries(
        ['from', 'to', 'caller', 'status', 'q', 'language'].flatMap((k) =>
          typeof raw[k] === 'string' ? [[k, raw[k]]] : [],
        ),
      ) as Record<string, string>;
      try {
        const filter = parseConversationQuery(raw);
        const page = await store.listConversations(me(req).brandId, filter);
        const nextHref = page.nextCursor
          ? `/conversations?${new URLSearchParams({ ...query, cursor: page.nextCursor })}`
          : undefined;
        return sendPage(
          reply,
          conversationsPage({ viewer: viewer(req), query, page, ...(nextHref ? { nextHref } : {}) }),
        );
      } catch (err) {
        if (err instanceof ServiceError && err.statusCode === 400)
          return sendPage(reply, conversationsPage({ viewer: viewer(req), query, error: err.message }), 400);
        throw err;
      }
    },
  );

  app.get<{ Params: { id: string } }>('/conversations/:id', { preHandler: signedIn }, async (req, reply) => {
    const brandId = me(req).brandId;
    const conversation = await store.getConversation(brandId, req.params.id);
    if (!conversation) throw Errors.notFound('There is no such conversation for your brand.');
    const [messages, tickets, analysis, recording] = await Promise.all([
      store.listMessages(conversation.id),
      store.listTickets(brandId, { conversationId: conversation.id, limit: 1000 }),
      store.analyses().get(conversation.id),
      opts.recordings?.forConversation(conversation.id) ?? null,
    ]);
    const timeZone = conversation.timezone ?? viewer(req).timeZone;
    const noticeKey = (req.query as Record<string, unknown>).monitor;
    const notice = typeof noticeKey === 'string' ? MONITOR_NOTICES[noticeKey] : undefined;
    const live = conversation.status === 'active' || notice !== undefined;
    return sendPage(
      reply,
      conversationPage({
        viewer: viewer(req),
        conversation,
        messages,
        tickets: tickets.items.reverse(),
        opikUiUrl: opts.opikUiUrl,
        timeZone,
        analysis: analysisPanel({ conversation, analysis, enabled: opts.analysis.enabled, timeZone }),
        ...(live ? { monitor: monitorPanel(conversation, notice, await myPhone(req)) } : {}),
        recording: recordingPanel(conversation.id, recording, timeZone),
      }),
    );
  });

  monitorPages(app, { store, live: opts.live, control: opts.control, signedIn, me, viewer, sendPage });
  // Staff delete the call's recording at Twilio now (the brand check is the conversation's).
  app.post<{ Params: { id: string } }>(
    '/conversations/:id/recording/delete',
    { preHandler: signedIn },
    async (req, reply) => {
      if (!opts.recordings) throw Errors.notFound('no recording');
      await opts.recordings.deleteForStaff(me(req).brandId, req.params.id, me(req).id);
      req.log.info({ conversationId: req.params.id, by: me(req).id }, 'recording deleted by staff');
      return reply.redirect(`/conversations/${encodeURIComponent(req.params.id)}`, 303);
    },
  );

  analysisPages(app, {
    store,
    analysis: opts.analysis,
    signedIn,
    me,
    viewer,
    sendPage,
  });
  tryPages(app, {
    store,
    webCalls: opts.webCalls,
    signedIn,
    me,
    viewer,
    sendPage,
    csp: SECURITY_HEADERS['content-security-policy'],
  });
  // The link ai-server gives with an outbound call (and the test call page's): it knows the call SID.
  app.get<{ Params: { callSid: string } }>(
    '/conversations/by-call/:callSid',
    {
      preHandler: signedIn,
      schema: {
        params: {
          type: 'object',
          required: ['callSid'],
          properties: { callSid: { type: 'string', pattern: '^(CA|WC)[0-9a-fA-F]{32}$' } },
        },
      },
    },
    async (req, reply) => {
      const conversation = await store.findConversationByCallSid(req.params.callSid);
      if (!conversation || conversation.brandId !== me(req).brandId)
        throw Errors.notFound('There is no such conversation for your brand.');
      return reply.redirect(`/conversations/${conversation.id}`, 303);
    },
  );

  // Live updates of one conversation as rendered fragments: the page script only places them.
  app.get<{ Params: { id: string } }>(
    '/conversations/:id/live',
    { preHandler: signedIn },
    async (req, reply) => {
      const conversation = await store.getConversation(me(req).brandId, req.params.id);
      if (!conversation) throw Errors.notFound('There is no such conversation for your brand.');
      await liveConversationRoute(req, reply, {
        store,
        live: opts.live,
        conversation,
        brandId: me(req).brandId,
        brandZone: viewer(req).timeZone,
        opikUiUrl: opts.opikUiUrl,
        analysisEnabled: opts.analysis.enabled,
        myPhone: await myPhone(req),
      });
    },
  );

  app.get(
    '/tickets',
    { preHandler: signedIn, schema: { querystring: ticketQuerySchema } },
    async (req, reply) => {
      const raw = req.query as Record<string, unknown>;
      const filter = parseTicketQuery(raw);
      const page = await store.listTickets(me(req).brandId, filter);
      const placements = new Map<string, CallbackPlacement>();
      for (const t of page.items) {
        const p = t.callback ? await store.callbackPlacements().forCallback(t.callback.id) : null;
        if (p) placements.set(p.callbackId, p);
      }
      const query = {
        ...(filter.status ? { status: filter.status } : {}),
        ...(filter.kind ? { kind: filter.kind } : {}),
      };
      const returnTo = `/tickets${Object.keys(query).length ? `?${new URLSearchParams(query)}` : ''}`;
      const nextHref = page.nextCursor
        ? `/tickets?${new URLSearchParams({ ...query, cursor: page.nextCursor })}`
        : undefined;
      return sendPage(
        reply,
        ticketsPage({
          viewer: viewer(req),
          query,
          page,
          returnTo,
          opikUiUrl: opts.opikUiUrl,
          placements,
          ...(nextHref ? { nextHref } : {}),
        }),
      );
    },
  );

  app.post<{ Params: { id: string } }>(
    '/tickets/:id/status',
    { preHandler: signedIn },
    async (req, reply) => {
      const status = formField(req.body, 'status');
      if (!status || !TICKET_STATUSES.includes(status as TicketStatus))
        throw Errors.badRequest(`body.status must be one of ${TICKET_STATUSES.join(', ')}`);
      await service.updateTicket(me(req).brandId, req.params.id, { status: status as TicketStatus });
      return reply.redirect(safeLocalPath(formField(req.body, 'returnTo'), '/tickets'), 303);
    },
  );

  app.post<{ Params: { id: string } }>(
    '/tickets/:id/assign',
    { preHandler: signedIn },
    async (req, reply) => {
      await service.updateTicket(me(req).brandId, req.params.id, { assignee: me(req).name });
      return reply.redirect(safeLocalPath(formField(req.body, 'returnTo'), '/tickets'), 303);
    },
  );

  app.post<{ Params: { id: string } }>(
    '/callbacks/:id/status',
    { preHandler: signedIn },
    async (req, reply) => {
      const status = formField(req.body, 'status');
      if (!status || !CALLBACK_STATUSES.includes(status as CallbackStatus))
        throw Errors.badRequest(`body.status must be one of ${CALLBACK_STATUSES.join(', ')}`);
      await service.updateCallbackStatus(me(req).brandId, req.params.id, status as CallbackStatus);
      return reply.redirect(safeLocalPath(formField(req.body, 'returnTo'), '/tickets'), 303);
    },
  );
}

import { buildBaseApp, type Logger, registerMetricsRoute } from '@switchboard/service-kit';
import { type FastifyInstance, LogController } from 'fastify';
import { adminRoutes } from './admin/admin-routes.ts';
import { AnalysisService } from './analysis/analysis-service.ts';
import { analysisApiRoutes } from './analysis/api-routes.ts';
import type { AnalysisQueue } from './analysis/job-queue.ts';
import { Authenticator } from './auth/authenticator.ts';
import { sessionRoutes } from './auth/session-routes.ts';
import type { CallbackPlacer } from './callbacks/callback-placer.ts';
import type { AppServerConfig } from './config.ts';
import { conversationApiRoutes } from './conversations/api-routes.ts';
import { internalRoutes } from './conversations/internal-routes.ts';
import { ConversationService } from './conversations/service.ts';
import type { LiveDeps } from './live/follow.ts';
import { LiveHub } from './live/hub.ts';
import { LiveRelay } from './live/relay.ts';
import { SseRegistry } from './live/sse.ts';
import { AppMetrics } from './metrics.ts';
import { type CallControl, httpCallControl } from './monitor/call-control.ts';
import { APP_SERVER_OPENAPI } from './openapi-answers.ts';
import { recordingApiRoutes, recordingInternalRoutes } from './recordings/recording-routes.ts';
import { RecordingService } from './recordings/recording-service.ts';
import type { TwilioRecordings } from './recordings/twilio-recordings.ts';
import { staffPhoneRoutes } from './staff/phone-routes.ts';
import type { AppStore } from './store/store.ts';
import { ticketApiRoutes } from './tickets/api-routes.ts';
import type { WebCallSetup } from './ui/try-route.ts';
import { uiRoutes } from './ui/ui-routes.ts';

export interface AppServerDeps {
  config: Pick<
    AppServerConfig,
    'SERVICE_TOKEN' | 'SESSION_SECRET' | 'SESSION_TTL_HOURS' | 'COOKIE_SECURE' | 'OPIK_UI_URL'
  >;
  logger: Logger;
  store: AppStore;
  hub?: LiveHub;
  /** Clock for sessions (ms since epoch); tests move it. */
  now?: () => number;
  /** The app's metrics (a fresh registry with process metrics when absent). */
  metrics?: AppMetrics;
  /** The live monitor's actions on calls; over HTTP to voice-server with the service token when absent. */
  callControl?: CallControl;
  /** Where ended calls' analyses are queued; absent: post-call analysis is off. */
  analysisQueue?: AnalysisQueue;
  /** Twilio's recordings (media, deletion); absent: recordings are listed but not playable. */
  twilioRecordings?: TwilioRecordings;
  /** How often the retention sweep runs (ms); absent or 0: only when `recordings.sweep()` is called. */
  recordingSweepMs?: number;
  /** Clock for recording retention; tests move it. */
  recordingNow?: () => Date;
  /** Places opted-in brands' booked callbacks through ai-server; absent: staff place them. */
  callbackPlacer?: CallbackPlacer;
  /** How often the callback sweep runs (ms); absent or 0: only when `callbacks.sweep()` is called. */
  callbackSweepMs?: number;
  /** Browser test calls ("Try your bot"): voice-server's /web-call URL and the token secret. */
  webCalls?: WebCallSetup;
}

export interface AppServer {
  app: FastifyInstance;
  service: ConversationService;
  hub: LiveHub;
  auth: Authenticator;
  metrics: AppMetrics;
  /** Every route registered, as "METHOD /path" (HEAD routes left out): the access test walks this list. */
  routes: string[];
  /** Call recordings: playback, deletion, the retention sweep. */
  recordings: RecordingService;
  /** The booked-callback placer, when ai-server is configured. */
  callbacks: CallbackPlacer | undefined;
}

/** Builds app-server from its dependencies; does not listen. Closing the app ends open live streams. */
export async function buildAppServer(deps: AppServerDeps): Promise<AppServer> {
  const hub = deps.hub ?? new LiveHub();
  const store = deps.store;
  const feed = store.liveFeed();
  const analysis = new AnalysisService(store, deps.analysisQueue, deps.logger);
  const service = new ConversationService(store, feed, (c) => analysis.afterEnd(c));
  let auth: Authenticator | undefined;
  const sse = new SseRegistry(async (req) => !!(await auth?.identify(req)));
  auth = new Authenticator({
    store,
    serviceToken: deps.config.SERVICE_TOKEN,
    sessionSecret: deps.config.SESSION_SECRET,
    sessionTtlMs: deps.config.SESSION_TTL_HOURS * 3_600_000,
    cookieSecure: deps.config.COOKIE_SECURE,
    ...(deps.now ? { now: deps.now } : {}),
    onSessionsEnded: () => void sse.recheckAll(),
  });

  const app = buildBaseApp({
    logger: deps.logger,
    serviceName: 'app-server',
    ready: () => store.ping().catch(() => false),
    bodyLimit: 2 * 1024 * 1024,
    openapi: APP_SERVER_OPENAPI,
    // Request lines would carry query strings (caller numbers in list filters); routes log their pattern instead.
    // (undefined overrides the base's deprecated top-level flag, which fastify 5.12 warns about.)
    fastify: {
      disableRequestLogging: undefined,
      logController: new LogController({ disableRequestLogging: true }),
    },
  });
  app.addHook('onResponse', async (req, reply) => {
    req.log.info(
      {
        method: req.method,
        route: req.routeOptions.url ?? 'unmatched',
        status: reply.statusCode,
        ms: Math.round(reply.elapsedTime),
      },
      'request',
    );
  });
  const relay = new LiveRelay(store, hub, feed, (err) => deps.logger.warn({ err }, 'live update failed'));
  const stopRelay = await relay.start();
  const live: LiveDeps = { hub, relay, feed, sse };
  app.addHook('preClose', async () => sse.closeAll());
  app.addHook('onClose', async () => stopRelay());
  const routes: string[] = [];
  app.addHook('onRoute', (r) => {
    for (const m of [r.method].flat()) if (m !== 'HEAD') routes.push(`${m} ${r.url}`);
  });

  const recordings = new RecordingService(
    store,
    store.recordings(),
    deps.twilioRecordings,
    deps.logger.child({ feature: 'recordings' }),
    deps.recordingNow,
  );
  if (deps.recordingSweepMs && deps.twilioRecordings) {
    const timer = setInterval(() => void recordings.sweep(), deps.recordingSweepMs);
    timer.unref();
    app.addHook('onClose', async () => clearInterval(timer));
  }
  const placer = deps.callbackPlacer;
  if (placer && deps.callbackSweepMs) {
    const sweep = () =>
      void placer.sweep().catch((err: unknown) => deps.logger.warn({ err }, 'callback sweep failed'));
    const timer = setInterval(sweep, deps.callbackSweepMs);
    timer.unref();
    app.addHook('onClose', async () => clearInterval(timer));
  }
  const metrics = deps.metrics ?? new AppMetrics({ liveClients: () => sse.size });
  const queue = deps.analysisQueue;
  if (queue?.backlog) metrics.analysisBacklog = () => queue.backlog!();
  registerMetricsRoute(app, metrics.registry);
  await app.register(internalRoutes, { service, requireService: auth.requireServiceToken, metrics });
  await app.register(recordingInternalRoutes, { recordings, requireService: auth.requireServiceToken });
  await app.register(adminRoutes, { store, auth, service });
  await app.register(sessionRoutes, { auth });
  await app.register(staffPhoneRoutes, { store, auth });
  await app.register(async (api) => {
    api.addHook('preHandler', auth.requirePrincipal);
    await api.register(conversationApiRoutes, { store, live, recordings });
    await api.register(recordingApiRoutes, { recordings });
    await api.register(ticketApiRoutes, { store, service });
    await api.register(analysisApiRoutes, { store, analysis });
  });
  const control = deps.callControl ?? httpCallControl({ serviceToken: deps.config.SERVICE_TOKEN });
  await app.register(uiRoutes, {
    store,
    service,
    auth,
    live,
    analysis,
    control,
    recordings,
    opikUiUrl: deps.config.OPIK_UI_URL,
    ...(deps.webCalls ? { webCalls: deps.webCalls } : {}),
  });

  return { app, service, hub, auth, metrics, routes, recordings, callbacks: placer };
}

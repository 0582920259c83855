import { openAIRealtimeConnector } from '@switchboard/realtime';
import { createLogger, type Logger } from '@switchboard/service-kit';
import { HttpAiServerClient } from '@switchboard/service-kit/clients/ai-server';
import { HttpAppServerClient } from '@switchboard/service-kit/clients/app-server';
import { buildVoiceServer, type VoiceServer } from './app.ts';
import { realtimeUrlOf, type VoiceServerConfig } from './config.ts';
import { breakerOptionsOf, reconnectPolicyOf } from './config-realtime.ts';
import { DrainingState } from './draining.ts';
import { VoiceMetrics } from './metrics.ts';
import { httpOutboundReports } from './outbound/outbound-reports.ts';
import type { AppServerClient } from './ports/app-server.ts';
import { InMemoryAppServer } from './ports/in-memory-app-server.ts';
import { httpLevelsSink } from './ports/live-levels.ts';
import { TwilioSdkRest } from './ports/twilio-rest-sdk.ts';
import { httpRecordingReports } from './recording/recording-reports.ts';
import { CachingAiServer, QueuedAppServer } from './resilience/index.ts';
import { RealtimeBreaker } from './resilience/realtime-breaker.ts';
import { speechProvidersOf } from './speech-providers.ts';
import { parsePriceTable } from './telemetry/prices.ts';

export interface RunningVoiceServer {
  server: VoiceServer;
  drain: DrainingState;
  url: string;
  logger: Logger;
}

/**
 * Builds voice-server from its configuration with the production clients, listens, and wires draining
 * to SIGTERM/SIGINT and POST /admin/drain. main.ts is this plus reading the environment.
 */
export async function startVoiceServer(
  config: VoiceServerConfig,
  opts: { logger?: Logger; exit?: (code: number) => void; handleSignals?: boolean } = {},
): Promise<RunningVoiceServer> {
  const logger = opts.logger ?? createLogger({ name: 'voice-server', level: config.LOG_LEVEL });
  const metrics = new VoiceMetrics();
  const aiServer = new CachingAiServer(
    new HttpAiServerClient({ baseUrl: config.AI_SERVER_URL, serviceToken: config.SERVICE_TOKEN }),
    { logger, metrics: { onStaleServed: (method) => metrics.add(metrics.aiStaleServed, method) } },
  );
  let appServer: AppServerClient;
  if (config.TRANSCRIPTS === 'app-server' && config.APP_SERVER_URL) {
    appServer = new QueuedAppServer(
      // One attempt per request: the queue owns retries and backoff.
      new HttpAppServerClient({
        baseUrl: config.APP_SERVER_URL,
        token: config.SERVICE_TOKEN,
        maxAttempts: 1,
        timeoutMs: 5_000,
      }),
      {
        logger,
        metrics: {
          onDropped: (n, reason) => metrics.add(metrics.appSyncDropped, reason, n),
          onQueueDepth: (n) => {
            metrics.appSyncQueueDepth = n;
          },
          onRetry: () => {
            metrics.appSyncRetries++;
          },
          onProvisionalTicket: () => {
            metrics.appSyncProvisionalTickets++;
          },
        },
      },
    );
  } else {
    logger.warn('TRANSCRIPTS=memory: transcripts are kept in memory only and lost when the process exits');
    appServer = new InMemoryAppServer();
  }
  // The Opik SDK is loaded only when traces go to Opik: importing it costs about 30 MB of heap.
  const tracer = config.OPIK_URL_OVERRIDE
    ? new (await import('./telemetry/opik-tracer.ts')).OpikCallTracer({
        apiUrl: config.OPIK_URL_OVERRIDE,
        ...(config.OPIK_API_KEY ? { apiKey: config.OPIK_API_KEY } : {}),
        projectName: config.OPIK_PROJECT_NAME,
        workspaceName: config.OPIK_WORKSPACE,
        model: config.OPENAI_REALTIME_MODEL,
        prices: parsePriceTable(config.PRICE_TABLE_JSON),
        maxPending: config.OPIK_MAX_PENDING,
        onDropped: (n) => metrics.add(metrics.telemetryDropped, 'opik', n),
        log: logger.child({ feature: 'opik' }),
      })
    : undefined;
  let drain: DrainingState | undefined;
  let controlUrl = config.VOICE_SERVER_INTERNAL_URL;
  const twilio = new TwilioSdkRest({
    accountSid: config.TWILIO_ACCOUNT_SID,
    authToken: config.TWILIO_AUTH_TOKEN,
    ...(config.TWILIO_API_BASE_URL ? { apiBaseUrl: config.TWILIO_API_BASE_URL } : {}),
  });
  const server = await buildVoiceServer({
    config,
    logger,
    metrics,
    aiServer,
    appServer,
    twilioRest: twilio,
    twilioCalls: twilio,
    ...(config.APP_SERVER_URL
      ? {
          recordingReports: httpRecordingReports({
            baseUrl: config.APP_SERVER_URL,
            serviceToken: config.SERVICE_TOKEN,
          }),
        }
      : {}),
    outboundReports: httpOutboundReports({
      baseUrl: config.AI_SERVER_URL,
      serviceToken: config.SERVICE_TOKEN,
    }),
    connectRealtime: openAIRealtimeConnector({
      apiKey: config.OPENAI_API_KEY,
      model: config.OPENAI_REALTIME_MODEL,
      realtimeUrl: realtimeUrlOf(config),
    }),
    onDrainRequest: (reason) => drain?.start(reason),
    limits: { reconnect: reconnectPolicyOf(config) },
    realtimeBreaker: new RealtimeBreaker(breakerOptionsOf(config), { log: logger }),
    // The live monitor: levels to app-server, and the address it reaches this instance's call controls at.
    ...(config.TRANSCRIPTS === 'app-server' && config.APP_SERVER_URL
      ? {
          levels: httpLevelsSink({
            baseUrl: config.APP_SERVER_URL,
            token: config.SERVICE_TOKEN,
            log: logger,
          }),
          controlUrl: () => controlUrl,
        }
      : {}),
    speech: await speechProvidersOf(config),
    ...(tracer ? { tracer } : {}),
  });
  const exit = opts.exit ?? ((code: number) => process.exit(code));
  drain = new DrainingState({
    server,
    timeoutMs: config.DRAIN_TIMEOUT_MS,
    log: logger,
    exit: (code) => {
      // Transcripts still queued for app-server get a last chance before the process goes.
      const flushed = appServer instanceof QueuedAppServer ? appServer.flush(10_000) : Promise.resolve(true);
      void flushed.finally(() => {
        if (appServer instanceof QueuedAppServer) appServer.close();
        exit(code);
      });
    },
  });
  if (opts.handleSignals !== false) {
    process.once('SIGTERM', () => drain?.start('SIGTERM'));
    process.once('SIGINT', () => drain?.start('SIGINT'));
  }
  const address = await server.app.listen({ host: config.HOST, port: config.PORT });
  logger.info({ address }, 'voice-server listening');
  // Without a configured internal URL, the address it listens on (right when the services share a host).
  controlUrl ??= address;
  return { server, drain, url: address, logger };
}

import formbody from '@fastify/formbody';
import websocket from '@fastify/websocket';
import type { RealtimeConnector } from '@switchboard/realtime';
import {
  buildBaseApp,
  type Logger,
  registerMetricsRoute,
  requireServiceToken,
  WebCallTokens,
} from '@switchboard/service-kit';
import type { FastifyInstance } from 'fastify';
import { streamUrlOf, type VoiceServerConfig } from './config.ts';
import { controlRoutes } from './control/control-routes.ts';
import { VoiceMetrics } from './metrics.ts';
import { amdGate } from './outbound/amd-gate.ts';
import type { OutboundReports } from './outbound/outbound-reports.ts';
import { outboundRoutes } from './outbound/outbound-routes.ts';
import type { CallAiServer } from './ports/ai-server.ts';
import { type AppServerClient, hasDurableTasks } from './ports/app-server.ts';
import type { CallTransport } from './ports/call-transport.ts';
import type { TwilioCallCreator, TwilioRest } from './ports/twilio-rest.ts';
import type { RecordingReports } from './recording/recording-reports.ts';
import { recordingRoutes } from './recording/recording-routes.ts';
import { type BreakerState, RealtimeBreaker } from './resilience/realtime-breaker.ts';
import type { LevelsSink } from './session/audio-levels.ts';
import type { CallInfo, CallLimitsOverrides, SpeechProviders } from './session/session-manager.ts';
import { SessionRegistry } from './session/session-registry.ts';

const BREAKER_GAUGE: Record<BreakerState, number> = { closed: 0, open: 1, half_open: 2 };

import { streamRoutes } from './stream/stream-route.ts';
import { StreamTokens } from './stream/stream-token.ts';
import type { CallTracer } from './telemetry/call-tracer.ts';
import { webCallRoutes } from './web-call/web-call-route.ts';
import { webhookRoutes } from './webhook/webhook-route.ts';

export interface VoiceServerDeps {
  config: Pick<
    VoiceServerConfig,
    'PUBLIC_BASE_URL' | 'TWILIO_AUTH_TOKEN' | 'STREAM_START_TIMEOUT_MS' | 'MAX_FRAME_BYTES'
  > & { SERVICE_TOKEN?: string; WEB_CALL_SECRET?: string | undefined };
  logger: Logger;
  aiServer: CallAiServer;
  appServer: AppServerClient;
  twilioRest: TwilioRest;
  connectRealtime: RealtimeConnector;
  metrics?: VoiceMetrics;
  /** Decorates each call's transport (tracing, taps). */
  wrapTransport?: (transport: CallTransport, call: CallInfo) => CallTransport;
  /** POST /admin/drain calls this (service token); main wires it to its DrainingState. */
  onDrainRequest?: (reason: string) => void;
  /** Call limits for every session (tests shorten them). */
  limits?: CallLimitsOverrides;
  /** The process-wide Realtime circuit breaker; one with the product's defaults when absent. */
  realtimeBreaker?: RealtimeBreaker;
  /** Per-call stream tokens; one keyed from TWILIO_AUTH_TOKEN when absent. */
  streamTokens?: StreamTokens;
  /** One trace per call (Opik); no tracing when absent. */
  tracer?: CallTracer;
  /** External TTS and transcription (from the ELEVENLABS_* and CARTESIA_* keys); none when absent. */
  speech?: SpeechProviders;
  /** Creates outbound calls (Twilio's Calls API); without it voice-server places none. */
  twilioCalls?: TwilioCallCreator;
  /** Reports outbound calls' news to ai-server. */
  outboundReports?: OutboundReports;
  /** Where calls' audio levels go (app-server's live monitor); not measured when absent. */
  levels?: LevelsSink;
  /** The URL app-server reaches this instance's call controls at (VOICE_SERVER_INTERNAL_URL). */
  controlUrl?: () => string | undefined;
  /** Passes finished recordings to app-server. */
  recordingReports?: RecordingReports;
}

export interface VoiceServer {
  app: FastifyInstance;
  /** Calls in progress. */
  sessions: SessionRegistry;
  metrics: VoiceMetrics;
  realtimeBreaker: RealtimeBreaker;
  /** What every call's limits differ in from the product's defaults (reconnects, filler, …). */
  readonly callLimits: CallLimitsOverrides;
  /** Flips readiness to 503 and refuses new streams; calls in progress go on. */
  startDraining(): void;
  readonly draining: boolean;
}

/** Builds voice-server from its dependencies; does not listen. */
export async function buildVoiceServer(deps: VoiceServerDeps): Promise<VoiceServer> {
  const metrics = deps.metrics ?? new VoiceMetrics();
  const sessions = new SessionRegistry();
  const breaker = deps.realtimeBreaker ?? new RealtimeBreaker({}, { log: deps.logger });
  let draining = false;
  const app = buildBaseApp({ logger: deps.logger, ready: () => !draining, serviceName: 'voice-server' });
  const streamUrl = streamUrlOf(deps.config.PUBLIC_BASE_URL);
  const streamTokens = deps.streamTokens ?? new StreamTokens(deps.config.TWILIO_AUTH_TOKEN);

  await app.register(formbody);
  await app.register(websocket, {
    options: { maxPayload: deps.config.MAX_FRAME_BYTES },
    // A peer's bad frame or disconnect is the peer's doing: a warn line without a stack, and a count.
    errorHandler: (err, socket, req) => {
      const code = (err as { code?: string }).code;
      if (code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH') {
        metrics.oversizedFrames++;
        req.log.warn({ maxBytes: deps.config.MAX_FRAME_BYTES }, 'stream frame too large; closed with 1009');
      } else {
        req.log.warn({ err: { message: err.message, code } }, 'stream socket error; closing');
      }
      socket.terminate();
    },
  });
  await app.register(webhookRoutes, {
    publicBaseUrl: deps.config.PUBLIC_BASE_URL,
    streamUrl,
    authToken: deps.config.TWILIO_AUTH_TOKEN,
    aiServer: deps.aiServer,
    metrics,
    streamTokens,
    admitCall: () => breaker.admit(),
  });
  await app.register(streamRoutes, {
    streamUrl,
    authToken: deps.config.TWILIO_AUTH_TOKEN,
    startTimeoutMs: deps.config.STREAM_START_TIMEOUT_MS,
    maxFrameBytes: deps.config.MAX_FRAME_BYTES,
    aiServer: deps.aiServer,
    appServer: deps.appServer,
    twilioRest: deps.twilioRest,
    connectRealtime: deps.connectRealtime,
    metrics,
    streamTokens,
    sessions,
    realtimeHealth: breaker,
    accepting: () => !draining,
    ...(deps.wrapTransport ? { wrapTransport: deps.wrapTransport } : {}),
    ...(deps.limits ? { limits: deps.limits } : {}),
    ...(deps.tracer ? { tracer: deps.tracer } : {}),
    ...(deps.speech ? { speech: deps.speech } : {}),
    ...(deps.outboundReports
      ? {
          amdGate: amdGate(deps.outboundReports, {
            onError: (err) =>
              app.log.warn({ err: { message: err.message } }, 'AMD verdict not read; asking again'),
          }),
        }
      : {}),
    ...(deps.levels ? { levels: deps.levels } : {}),
    ...(deps.controlUrl && deps.config.SERVICE_TOKEN ? { controlUrl: deps.controlUrl } : {}),
  });
  if (deps.config.WEB_CALL_SECRET)
    await app.register(webCallRoutes, {
      tokens: new WebCallTokens(deps.config.WEB_CALL_SECRET),
      startTimeoutMs: deps.config.STREAM_START_TIMEOUT_MS,
      aiServer: deps.aiServer,
      appServer: deps.appServer,
      twilioRest: deps.twilioRest,
      connectRealtime: deps.connectRealtime,
      metrics,
      sessions,
      realtimeHealth: breaker,
      accepting: () => !draining,
      ...(deps.limits ? { limits: deps.limits } : {}),
      ...(deps.tracer ? { tracer: deps.tracer } : {}),
      ...(deps.speech ? { speech: deps.speech } : {}),
      ...(deps.levels ? { levels: deps.levels } : {}),
      ...(deps.controlUrl && deps.config.SERVICE_TOKEN ? { controlUrl: deps.controlUrl } : {}),
    });
  await app.register(recordingRoutes, {
    publicBaseUrl: deps.config.PUBLIC_BASE_URL,
    authToken: deps.config.TWILIO_AUTH_TOKEN,
    metrics,
    ...(deps.recordingReports ? { reports: deps.recordingReports } : {}),
    ...(hasDurableTasks(deps.appServer) ? { outbox: deps.appServer } : {}),
    deleteRecording: (recordingSid: string) => deps.twilioRest.deleteRecording(recordingSid),
  });
  if (deps.config.SERVICE_TOKEN)
    await app.register(controlRoutes, { sessions, serviceToken: deps.config.SERVICE_TOKEN });
  await app.register(outboundRoutes, {
    publicBaseUrl: deps.config.PUBLIC_BASE_URL,
    streamUrl,
    authToken: deps.config.TWILIO_AUTH_TOKEN,
    twilioRest: deps.twilioRest,
    streamTokens,
    metrics,
    admitCall: () => breaker.admit(),
    profiles: deps.aiServer,
    ...(deps.config.SERVICE_TOKEN ? { serviceToken: deps.config.SERVICE_TOKEN } : {}),
    ...(deps.twilioCalls ? { calls: deps.twilioCalls } : {}),
    ...(deps.outboundReports ? { reports: deps.outboundReports } : {}),
  });
  if (deps.onDrainRequest && deps.config.SERVICE_TOKEN) {
    const onDrain = deps.onDrainRequest;
    app.post('/admin/drain', { preHandler: requireServiceToken(deps.config.SERVICE_TOKEN) }, async () => {
      onDrain('admin request');
      return { draining: true, calls: sessions.size };
    });
  }
  metrics.enableProcessMetrics();
  registerMetricsRoute(app, metrics.registry, () => {
    metrics.realtimeBreakerState = BREAKER_GAUGE[breaker.state];
    metrics.draining = draining ? 1 : 0;
  });
  app.addHook('onClose', async () => {
    for (const s of sessions) s.stop('shutdown');
    await deps.tracer?.flush(2_000);
  });

  return {
    app,
    sessions,
    metrics,
    realtimeBreaker: breaker,
    callLimits: deps.limits ?? {},
    startDraining() {
      draining = true;
    },
    get draining() {
      return draining;
    },
  };
}

import { join } from 'node:path';
import { httpOutboundDialer, type OutboundSettings } from '@switchboard/ai-server';
import {
  type AnalysisRuntime,
  buildAppServer,
  CallbackPlacer,
  httpAiOutbound,
  httpTwilioRecordings,
  openPrismaStore,
  type RecordingService,
  startAnalysis,
} from '@switchboard/app-server';

import { type CreateLoggerOptions, createLogger, type Logger, WebCallTokens } from '@switchboard/service-kit';
import {
  type CartesiaSimulator,
  type CartesiaSimulatorOptions,
  startCartesiaSimulator,
} from '@switchboard/simulators/cartesia';
import {
  type ElevenLabsSimulator,
  type ElevenLabsSimulatorOptions,
  startElevenLabsSimulator,
} from '@switchboard/simulators/elevenlabs';
import type { KnowledgeSimulator } from '@switchboard/simulators/knowledge';
import { type ChatSimulator, startChatSimulator } from '@switchboard/simulators/openai-chat';
import {
  type RealtimeSimulator,
  type RealtimeSimulatorOptions,
  startRealtimeSimulator,
} from '@switchboard/simulators/openai-realtime';
import {
  type Callee,
  type OutboundDialer,
  type PlaceCallOptions,
  placeCall,
  type SimulatedCall,
  startOutboundDialer,
  startTwilioRestFake,
  type TwilioRestFake,
} from '@switchboard/simulators/twilio';
import { type RunningVoiceServer, readConfig, startVoiceServer } from '@switchboard/voice-server';
import type { FastifyInstance } from 'fastify';
import { startSeededAiServer } from './ai-server-fixture.ts';
import {
  ACCOUNT_SID,
  ACME,
  AUTH_TOKEN,
  CARTESIA_KEY,
  ELEVENLABS_KEY,
  PUBLIC_BASE_URL,
  SERVICE_TOKEN,
  STAFF,
  WEB_CALL_SECRET,
} from './constants.ts';

export {
  ACCOUNT_SID,
  ACME,
  AUTH_TOKEN,
  BRAND_VOICE_ID,
  CARTESIA_KEY,
  ELEVENLABS_KEY,
  OPERATOR_TOKEN,
  PUBLIC_BASE_URL,
  SERVICE_TOKEN,
  STAFF,
} from './constants.ts';

export interface FullStackOptions {
  realtime?: RealtimeSimulatorOptions;
  /** The ElevenLabs simulator (brand voices, Scribe); voice-server has its key. */
  elevenlabs?: ElevenLabsSimulatorOptions;
  /** The Cartesia simulator (ink-whisper); voice-server has its key. */
  cartesia?: CartesiaSimulatorOptions;
  /** Overrides of the Acme bot profile. */
  profile?: Record<string, unknown>;
  /** Data folder for both databases; default in memory. */
  dataDir?: string;
  logLevel?: string;
  /** Extra voice-server environment (e.g. DRAIN_TIMEOUT_MS). */
  voiceEnv?: Record<string, string>;
  /** Where every service's log lines go (with `logLevel`); default nowhere. */
  logDestination?: CreateLoggerOptions['destination'];
  /** A Pinecone simulator behind ai-server, for a brand's second retrieval lane. */
  pinecone?: boolean;
  /** Post-call analysis: app-server queues ended calls and runs the worker inline against the chat simulator. */
  analysis?: boolean;
  /** ai-server's clock (business hours in prompts, outbound calling hours); default the real one. */
  aiNow?: () => Date;
  /** Outbound limits for ai-server (the dialer is always the stack's voice-server). */
  outbound?: Partial<OutboundSettings>;
  /** app-server's clock for recording retention; default the real one. */
  recordingNow?: () => Date;
  /** app-server places booked callbacks through ai-server (swept by the test); its clock. */
  callbacks?: { now: () => Date };
  /** Browser test calls: app-server mints tokens for voice-server's /web-call (one shared secret). */
  webCalls?: boolean;
}

export interface FullStack {
  ai: { app: FastifyInstance; url: string; apiKey: string; brandId: string };
  appServer: {
    app: FastifyInstance;
    url: string;
    recordings: RecordingService;
    /** The booked-callback placer (with `callbacks`); the test runs its sweep. */
    callbacks: CallbackPlacer | undefined;
  };
  voice: RunningVoiceServer;
  voiceUrl: string;
  realtime: RealtimeSimulator;
  elevenlabs: ElevenLabsSimulator;
  cartesia: CartesiaSimulator;
  knowledge: KnowledgeSimulator;
  twilioRest: TwilioRestFake;
  /** The chat simulator analyses are asked of (with `analysis: true`). */
  chat: ChatSimulator | undefined;
  /** Drives the calls voice-server creates through the REST fake; who answers is `callee`. */
  dialer: OutboundDialer;
  /** Who picks up outbound calls from now on (default: a person who stays silent). */
  setCallee(callee: (to: string) => Callee): void;
  logger: Logger;
  call(opts?: Partial<PlaceCallOptions>): Promise<SimulatedCall>;
  /** app-server's staff API as the brand's staff sees it. */
  staffGet<T>(path: string): Promise<T>;
  /** A raw request to app-server with the brand's staff key (e.g. a recording's audio). */
  staffFetch(path: string, init?: RequestInit): Promise<Response>;
  close(): Promise<void>;
}

async function listen(app: FastifyInstance): Promise<string> {
  return app.listen({ host: '127.0.0.1', port: 0 });
}

async function json<T>(res: Response): Promise<T> {
  const text = await res.text();
  if (!res.ok) throw new Error(`${res.url}: ${res.status} ${text}`);
  return JSON.parse(text) as T;
}

export async function startFullStack(opts: FullStackOptions = {}): Promise<FullStack> {
  const level = opts.logLevel ?? 'silent';
  const destination = opts.logDestination ? { destination: opts.logDestination } : {};
  const logger = createLogger({ name: 'stack', level, ...destination });
  const realtime = await startRealtimeSimulator({ pacing: 'burst', ...opts.realtime });
  const elevenlabs = await startElevenLabsSimulator({ apiKey: ELEVENLABS_KEY, ...opts.elevenlabs });
  const cartesia = await startCartesiaSimulator({ apiKey: CARTESIA_KEY, ...opts.cartesia });
  const twilioRest = await startTwilioRestFake({
    accountSid: ACCOUNT_SID,
    authToken: AUTH_TOKEN,
    // The Acme line is the account's own number: it may show as a transfer's caller ID.
    accountNumbers: { owned: [ACME.number] },
  });

  // ai-server, seeded with the Acme brand, its phone profile and its help center; it places outbound
  // calls through the stack's voice-server, whose address is known once it listens.
  let voiceUrl: string | undefined;
  const ai = await startSeededAiServer({
    logger,
    ...(opts.aiNow ? { now: opts.aiNow } : {}),
    outbound: {
      dialer: httpOutboundDialer({ baseUrl: () => voiceUrl, serviceToken: SERVICE_TOKEN }),
      ...opts.outbound,
    },
    ...(opts.dataDir ? { dataDir: join(opts.dataDir, 'ai-server') } : {}),
    ...(opts.profile ? { profile: opts.profile } : {}),
    ...(opts.pinecone ? { pinecone: true } : {}),
  });
  const { brandId, apiKey } = ai;
  const knowledge = ai.knowledge;

  // app-server with one staff account for the brand.
  const store = await openPrismaStore({
    dataDir: opts.dataDir ? join(opts.dataDir, 'app-server') : 'memory',
  });
  let chat: ChatSimulator | undefined;
  let analysis: AnalysisRuntime | undefined;
  if (opts.analysis) {
    chat = await startChatSimulator();
    analysis = await startAnalysis({
      config: {
        OPENAI_API_KEY: 'sk-sim',
        OPENAI_BASE_URL: chat.openaiBaseUrl,
        ANALYSIS_MODEL: 'gpt-4.1-mini',
        ANALYSIS_TIMEOUT_MS: 10_000,
        ANALYSIS_RETRY_LIMIT: 2,
        ANALYSIS_RETRY_DELAY_SECONDS: 1,
      },
      store,
      jobDatabase: store.jobDatabase!,
      logger: logger.child({ service: 'app-server' }),
      work: true,
      pollingIntervalSeconds: 0.5,
    });
  }
  // voice-server's address is known once it listens; the page reads the URL per request.
  const webCalls = { url: 'ws://127.0.0.1:9/web-call', tokens: new WebCallTokens(WEB_CALL_SECRET) };
  const appSrv = await buildAppServer({
    ...(opts.webCalls ? { webCalls } : {}),
    config: {
      SERVICE_TOKEN,
      SESSION_SECRET: 'stack-session-secret-0123456789abcdef',
      SESSION_TTL_HOURS: 12,
      COOKIE_SECURE: false,
      OPIK_UI_URL: 'https://www.comet.com/opik/switchboard/traces',
    },
    logger: logger.child({ service: 'app-server' }),
    store,
    ...(analysis ? { analysisQueue: analysis.jobs } : {}),
    // Recordings play and are deleted through the Twilio REST simulator.
    twilioRecordings: httpTwilioRecordings({
      accountSid: ACCOUNT_SID,
      authToken: AUTH_TOKEN,
      apiBaseUrl: twilioRest.baseUrl,
    }),
    ...(opts.recordingNow ? { recordingNow: opts.recordingNow } : {}),
    ...(opts.callbacks
      ? {
          callbackPlacer: new CallbackPlacer({
            store: store.callbackPlacements(),
            ai: httpAiOutbound({ baseUrl: ai.url, serviceToken: SERVICE_TOKEN }),
            logger: logger.child({ service: 'app-server' }),
            now: opts.callbacks.now,
          }),
        }
      : {}),
  });
  const appUrl = await listen(appSrv.app);
  await json(
    await fetch(`${appUrl}/admin/staff`, {
      method: 'POST',
      headers: { authorization: `Bearer ${SERVICE_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ brandId, ...STAFF, displayName: 'Avery Agent' }),
    }),
  );
  const staffKey = await json<{ key: string }>(
    await fetch(`${appUrl}/admin/api-keys`, {
      method: 'POST',
      headers: { authorization: `Bearer ${SERVICE_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ brandId, label: 'stack' }),
    }),
  );

  // voice-server exactly as main.ts builds it.
  const voice = await startVoiceServer(
    readConfig({
      HOST: '127.0.0.1',
      PORT: '0',
      LOG_LEVEL: opts.logLevel ?? 'silent',
      PUBLIC_BASE_URL,
      TWILIO_ACCOUNT_SID: ACCOUNT_SID,
      TWILIO_AUTH_TOKEN: AUTH_TOKEN,
      TWILIO_API_BASE_URL: twilioRest.baseUrl,
      OPENAI_API_KEY: 'sk-sim',
      OPENAI_REALTIME_URL: realtime.url,
      AI_SERVER_URL: ai.url,
      APP_SERVER_URL: appUrl,
      SERVICE_TOKEN,
      ELEVENLABS_API_KEY: ELEVENLABS_KEY,
      ELEVENLABS_BASE_URL: elevenlabs.baseUrl,
      CARTESIA_API_KEY: CARTESIA_KEY,
      CARTESIA_BASE_URL: cartesia.baseUrl,
      ...(opts.webCalls ? { WEB_CALL_SECRET } : {}),
      ...opts.voiceEnv,
    }),
    {
      handleSignals: false,
      exit: () => {},
      ...(opts.logDestination
        ? { logger: createLogger({ name: 'voice-server', level, ...destination }) }
        : {}),
    },
  );

  voiceUrl = voice.url;
  webCalls.url = `${voice.url.replace(/^http/, 'ws')}/web-call`;
  // Recording status callbacks go to the public URL, which the simulator maps to voice-server.
  twilioRest.routeCallbacks(PUBLIC_BASE_URL, voice.url);
  let callee: (to: string) => Callee = () => ({ answer: 'human' });
  const dialer = startOutboundDialer({
    restFake: twilioRest,
    accountSid: ACCOUNT_SID,
    authToken: AUTH_TOKEN,
    voiceServerUrl: voice.url,
    publicBaseUrl: PUBLIC_BASE_URL,
    callee: (to) => callee(to),
  });

  return {
    ai: { app: ai.app, url: ai.url, apiKey, brandId },
    dialer,
    setCallee(next) {
      callee = next;
    },
    appServer: { app: appSrv.app, url: appUrl, recordings: appSrv.recordings, callbacks: appSrv.callbacks },
    voice,
    voiceUrl: voice.url,
    realtime,
    elevenlabs,
    cartesia,
    knowledge,
    twilioRest,
    chat,
    logger,
    call: (callOpts = {}) =>
      placeCall({
        voiceServerUrl: voice.url,
        publicBaseUrl: PUBLIC_BASE_URL,
        authToken: AUTH_TOKEN,
        accountSid: ACCOUNT_SID,
        from: '+14155550123',
        to: ACME.number,
        restFake: twilioRest,
        ...callOpts,
      }),
    staffFetch: (path, init = {}) =>
      fetch(`${appUrl}${path}`, {
        ...init,
        headers: { ...(init.headers as Record<string, string>), authorization: `Bearer ${staffKey.key}` },
      }),
    staffGet: async <T>(path: string) =>
      json<T>(await fetch(`${appUrl}${path}`, { headers: { authorization: `Bearer ${staffKey.key}` } })),
    async close() {
      dialer.close();
      await voice.server.app.close();
      await appSrv.app.close();
      await analysis?.close(2000);
      await chat?.close();
      await store.close();
      await ai.close();
      await realtime.close();
      await elevenlabs.close();
      await cartesia.close();
      await twilioRest.close();
    },
  };
}

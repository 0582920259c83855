// The whole product on this machine: ai-server and app-server on embedded PGlite, voice-server with its
// production wiring (startVoiceServer), and the simulators of everything outside (OpenAI Realtime,
// embeddings and rerank, Twilio). The offline demo and the cross-service tests run on it.
import { readdir, readFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import {
  buildApp as buildAiServer,
  createHttpReranker,
  createOpenAiEmbedder,
  openAiDatabase,
} from '@switchboard/ai-server';
import { buildAppServer, openPrismaStore } from '@switchboard/app-server';

import { createLogger, type Logger } from '@switchboard/service-kit';
import { type KnowledgeSimulator, startKnowledgeSimulator } from '@switchboard/simulators/knowledge';
import {
  type RealtimeSimulator,
  type RealtimeSimulatorOptions,
  startRealtimeSimulator,
} from '@switchboard/simulators/openai-realtime';
import {
  type PlaceCallOptions,
  placeCall,
  type SimulatedCall,
  startTwilioRestFake,
  type TwilioRestFake,
} from '@switchboard/simulators/twilio';
import { type RunningVoiceServer, readConfig, startVoiceServer } from '@switchboard/voice-server';
import type { FastifyInstance } from 'fastify';
import { ACCOUNT_SID, AUTH_TOKEN, PUBLIC_BASE_URL } from './constants.ts';

export { ACCOUNT_SID, AUTH_TOKEN, PUBLIC_BASE_URL } from './constants.ts';

export const SERVICE_TOKEN = 'stack-service-token-0123456789';
export const OPERATOR_TOKEN = 'stack-operator-token-0123456789';
export const STAFF = { email: 'agent@acme.example', password: 'correct horse battery staple' };
export const ACME = {
  profileKey: 'acme-support',
  number: '+18005550100',
  sipDomain: 'acme.sip.twilio.com',
  transferTarget: '+18005550199',
  outboundCallerId: '+18005550100',
  greeting: 'Hi, thanks for calling Acme Outfitters. How can I help?',
};
const EXAMPLES = join(import.meta.dirname, '..', '..', 'examples', 'acme-help-center');

export interface FullStackOptions {
  realtime?: RealtimeSimulatorOptions;
  /** Overrides of the Acme bot profile. */
  profile?: Record<string, unknown>;
  /** Data folder for both databases; default in memory. */
  dataDir?: string;
  logLevel?: string;
  /** Extra voice-server environment (e.g. DRAIN_TIMEOUT_MS). */
  voiceEnv?: Record<string, string>;
}

export interface FullStack {
  ai: { app: FastifyInstance; url: string; apiKey: string; brandId: string };
  appServer: { app: FastifyInstance; url: string };
  voice: RunningVoiceServer;
  voiceUrl: string;
  realtime: RealtimeSimulator;
  knowledge: KnowledgeSimulator;
  twilioRest: TwilioRestFake;
  logger: Logger;
  call(opts?: Partial<PlaceCallOptions>): Promise<SimulatedCall>;
  /** app-server's staff API as the brand's staff sees it. */
  staffGet<T>(path: string): Promise<T>;
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
  const logger = createLogger({ name: 'stack', level: opts.logLevel ?? 'silent' });
  const knowledge = await startKnowledgeSimulator();
  const realtime = await startRealtimeSimulator({ pacing: 'burst', ...opts.realtime });
  const twilioRest = await startTwilioRestFake({ accountSid: ACCOUNT_SID, authToken: AUTH_TOKEN });

  // ai-server, seeded with the Acme brand, its phone profile and its help center.
  const aiDb = await openAiDatabase({ dataDir: opts.dataDir ? join(opts.dataDir, 'ai-server') : 'memory' });
  const aiApp = await buildAiServer({
    logger: logger.child({ service: 'ai-server' }),
    db: aiDb,
    serviceToken: SERVICE_TOKEN,
    operatorToken: OPERATOR_TOKEN,
    embedder: createOpenAiEmbedder({
      apiKey: 'sk-sim',
      baseURL: knowledge.openaiBaseUrl,
      model: 'text-embedding-3-small',
    }),
    reranker: createHttpReranker({ url: knowledge.rerankUrl }),
    toolPolicy: {
      allowInsecureLoopback: true,
      allowPrivateNetworks: false,
      maxResponseBytes: 65536,
      maxTimeoutMs: 15_000,
    },
  });
  const aiUrl = await listen(aiApp);
  const brandRes = await json<{ brand: { id: string }; apiKey: { key: string } }>(
    await fetch(`${aiUrl}/operator/brands`, {
      method: 'POST',
      headers: { authorization: `Bearer ${OPERATOR_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'Acme Outfitters' }),
    }),
  );
  const apiKey = brandRes.apiKey.key;
  const brandId = brandRes.brand.id;
  const asBrand = (path: string, body: unknown) =>
    fetch(`${aiUrl}${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    }).then((r) => json<unknown>(r));
  await asBrand('/admin/profiles', {
    key: ACME.profileKey,
    name: 'Acme Outfitters support',
    promptTemplate:
      'You are the phone agent of Acme Outfitters, an outdoor clothing shop. {{company_context}}\n' +
      'Caller: {{caller_number}} ({{caller_channel}}). Source: {{source}}. Hours: {{business_hours}}',
    companyContext: 'Answer only from the knowledge base; offer a person or a callback when unsure.',
    greeting: ACME.greeting,
    voice: { provider: 'openai', voiceId: 'marin', speed: 1 },
    language: 'en-US',
    timezone: 'America/New_York',
    businessHours: Object.fromEntries(
      ['monday', 'tuesday', 'wednesday', 'thursday', 'friday'].map((d) => [
        d,
        [{ open: '08:00', close: '20:00' }],
      ]),
    ),
    inactivity: { promptAfterSec: 30, endAfterSec: 30 },
    transferTarget: ACME.transferTarget,
    outboundCallerId: ACME.outboundCallerId,
    phoneNumbers: [ACME.number],
    sipDomains: [ACME.sipDomain],
    ...opts.profile,
  });
  await asBrand(`/admin/profiles/${ACME.profileKey}/credits`, { seconds: 36_000 });
  const files = (await readdir(EXAMPLES)).filter((f) => f.endsWith('.md')).sort();
  const articles = await Promise.all(
    files.map(async (f) => {
      const body = await readFile(join(EXAMPLES, f), 'utf8');
      const title = /^# (.+)$/m.exec(body)?.[1] ?? basename(f, '.md');
      return { externalId: f, title, body, format: 'markdown' };
    }),
  );
  await asBrand('/admin/knowledge/articles', { articles });

  // app-server with one staff account for the brand.
  const store = await openPrismaStore({
    dataDir: opts.dataDir ? join(opts.dataDir, 'app-server') : 'memory',
  });
  const appSrv = await buildAppServer({
    config: {
      SERVICE_TOKEN,
      SESSION_SECRET: 'stack-session-secret-0123456789abcdef',
      SESSION_TTL_HOURS: 12,
      COOKIE_SECURE: false,
      OPIK_UI_URL: 'https://www.comet.com/opik/switchboard/traces',
    },
    logger: logger.child({ service: 'app-server' }),
    store,
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
      AI_SERVER_URL: aiUrl,
      APP_SERVER_URL: appUrl,
      SERVICE_TOKEN,
      ...opts.voiceEnv,
    }),
    { handleSignals: false, exit: () => {} },
  );

  return {
    ai: { app: aiApp, url: aiUrl, apiKey, brandId },
    appServer: { app: appSrv.app, url: appUrl },
    voice,
    voiceUrl: voice.url,
    realtime,
    knowledge,
    twilioRest,
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
    staffGet: async <T>(path: string) =>
      json<T>(await fetch(`${appUrl}${path}`, { headers: { authorization: `Bearer ${staffKey.key}` } })),
    async close() {
      await voice.server.app.close();
      await appSrv.app.close();
      await store.close();
      await aiApp.close();
      await aiDb.close();
      await realtime.close();
      await twilioRest.close();
      await knowledge.close();
    },
  };
}

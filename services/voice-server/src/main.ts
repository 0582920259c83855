import { openAIRealtimeConnector } from '@switchboard/realtime';
import { ConfigError, createLogger } from '@switchboard/service-kit';
import { HttpAiServerClient } from '@switchboard/service-kit/clients/ai-server';
import { buildVoiceServer } from './app.ts';
import { readConfig, realtimeUrlOf } from './config.ts';
import { type AppServerClient, InMemoryAppServer } from './ports/app-server.ts';
import { TwilioSdkRest } from './ports/twilio-rest-sdk.ts';

async function main(): Promise<void> {
  let config: ReturnType<typeof readConfig>;
  try {
    config = readConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(`voice-server: ${err.message}`);
      process.exit(2);
    }
    throw err;
  }
  const logger = createLogger({ name: 'voice-server', level: config.LOG_LEVEL });
  const aiServer = new HttpAiServerClient({ baseUrl: config.AI_SERVER_URL, token: config.SERVICE_TOKEN });
  const appServer: AppServerClient = new InMemoryAppServer();
  if (config.APP_SERVER_URL) logger.warn('APP_SERVER_URL is set but app-server sync is not wired yet');
  const server = await buildVoiceServer({
    config,
    logger,
    aiServer,
    appServer,
    twilioRest: new TwilioSdkRest({
      accountSid: config.TWILIO_ACCOUNT_SID,
      authToken: config.TWILIO_AUTH_TOKEN,
      ...(config.TWILIO_API_BASE_URL ? { apiBaseUrl: config.TWILIO_API_BASE_URL } : {}),
    }),
    connectRealtime: openAIRealtimeConnector({
      apiKey: config.OPENAI_API_KEY,
      model: config.OPENAI_REALTIME_MODEL,
      realtimeUrl: realtimeUrlOf(config),
    }),
  });
  await server.app.listen({ host: config.HOST, port: config.PORT });

  let stopping = false;
  const drain = (signal: string) => {
    if (stopping) return;
    stopping = true;
    server.startDraining();
    logger.info({ signal, calls: server.sessions.size, timeoutMs: config.DRAIN_TIMEOUT_MS }, 'draining');
    const deadline = setTimeout(() => {
      logger.warn({ calls: server.sessions.size }, 'drain timeout; ending remaining calls');
      for (const s of server.sessions) s.stop('shutdown');
    }, config.DRAIN_TIMEOUT_MS);
    deadline.unref();
    const check = setInterval(() => {
      if (server.sessions.size > 0) return;
      clearInterval(check);
      void server.app.close().then(() => process.exit(0));
    }, 250);
  };
  process.on('SIGTERM', () => drain('SIGTERM'));
  process.on('SIGINT', () => drain('SIGINT'));
}

void main().catch((err) => {
  console.error('voice-server failed to start:', err instanceof Error ? err.message : err);
  process.exit(1);
});

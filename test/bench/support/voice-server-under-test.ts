// voice-server as the benchmark runs it: the production app and Realtime connector, with ai-server
// answered in-process (its calls happen once per call, off the relay path) and transcripts in memory.
// `node --import tsx voice-server-under-test.ts <realtimeUrl> <twilioRestUrl>`; prints "listening <port>".
import { openAIRealtimeConnector } from '@switchboard/realtime';
import { createLogger } from '@switchboard/service-kit';
import { buildVoiceServer, InMemoryAppServer, TwilioSdkRest } from '@switchboard/voice-server';

const [realtimeUrl, twilioRestUrl] = process.argv.slice(2);
if (!realtimeUrl || !twilioRestUrl) {
  console.error('usage: voice-server-under-test.ts <realtimeUrl> <twilioRestUrl>');
  process.exit(2);
}
export const BENCH_AUTH_TOKEN = 'bench-auth-token';
const publicBaseUrl = process.env.PUBLIC_BASE_URL ?? 'https://voice.bench.test';

const server = await buildVoiceServer({
  config: {
    PUBLIC_BASE_URL: publicBaseUrl,
    TWILIO_AUTH_TOKEN: BENCH_AUTH_TOKEN,
    STREAM_START_TIMEOUT_MS: 5000,
    MAX_FRAME_BYTES: 65536,
  },
  logger: createLogger({ name: 'voice-server', level: 'warn' }),
  aiServer: {
    lookupBotProfile: async () => ({ key: 'bench' }),
    getBotProfile: async () => ({ key: 'bench', greeting: 'Hello.', voice: { voiceId: 'marin' } }),
    checkCredits: async () => ({ available: true, remainingSeconds: 3600 }),
    debitCall: async () => ({ debited: true }),
    getSystemPrompt: async () => ({ instructions: 'You are a benchmark agent. source=PHONE' }),
    getAvailableTools: async () => [],
    searchKnowledge: async () => ({ mode: 'lexical', results: [] }),
    executeTool: async () => ({ ok: false, error: 'no tools in the benchmark' }),
  },
  appServer: new InMemoryAppServer(),
  twilioRest: new TwilioSdkRest({
    accountSid: 'AC'.padEnd(34, '0'),
    authToken: BENCH_AUTH_TOKEN,
    apiBaseUrl: twilioRestUrl,
  }),
  connectRealtime: openAIRealtimeConnector({ apiKey: 'sk-bench', model: 'gpt-realtime', realtimeUrl }),
});
await server.app.listen({ host: '127.0.0.1', port: 0 });
const addr = server.app.server.address();
console.log(`listening ${typeof addr === 'object' && addr ? addr.port : 0}`);

// Serves the simulators on fixed ports so a deployed stack can run offline (docker-compose.yml's
// `offline` profile): OpenAI Realtime, OpenAI chat (structured output), the Twilio Calls REST API,
// and embeddings + rerank.
//   SIM_HOST (0.0.0.0), SIM_KNOWLEDGE_PORT (8090), SIM_REALTIME_PORT (8091), SIM_TWILIO_PORT (8092),
//   SIM_CHAT_PORT (8093)
//   TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN: the credentials the Twilio fake accepts (required)
//   OPENAI_API_KEY: when set, the only key the Realtime and embeddings fakes accept
//   SIM_SCENARIO: a scenario JSON file for the Realtime fake; SIM_PACING: realtime (default) | burst
import { startKnowledgeSimulator } from '../knowledge/index.ts';
import { startChatSimulator } from '../openai-chat/index.ts';
import { startRealtimeSimulator } from '../openai-realtime/index.ts';
import { startTwilioRestFake } from '../twilio/index.ts';

function port(name: string, fallback: number): number {
  const raw = process.env[name];
  const n = raw ? Number(raw) : fallback;
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new Error(`${name}: not a port: ${raw}`);
  return n;
}

function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name}: is required`);
  return value;
}

async function main(): Promise<void> {
  const host = process.env.SIM_HOST || '0.0.0.0';
  const apiKey = process.env.OPENAI_API_KEY || undefined;
  const pacing = process.env.SIM_PACING === 'burst' ? 'burst' : 'realtime';
  const twilio = await startTwilioRestFake({
    accountSid: required('TWILIO_ACCOUNT_SID'),
    authToken: required('TWILIO_AUTH_TOKEN'),
    host,
    port: port('SIM_TWILIO_PORT', 8092),
  });
  const realtime = await startRealtimeSimulator({
    host,
    port: port('SIM_REALTIME_PORT', 8091),
    pacing,
    ...(apiKey ? { apiKey } : {}),
    ...(process.env.SIM_SCENARIO ? { scenario: process.env.SIM_SCENARIO } : {}),
    // A long-running server: keep the event log free of audio, and of audio events altogether.
    logAudioPayloads: false,
    logAudioEvents: false,
  });
  const knowledge = await startKnowledgeSimulator({
    host,
    port: port('SIM_KNOWLEDGE_PORT', 8090),
    ...(apiKey ? { apiKey } : {}),
  });
  const chat = await startChatSimulator({
    host,
    port: port('SIM_CHAT_PORT', 8093),
    ...(apiKey ? { apiKey } : {}),
  });
  console.log(
    `simulators up: OPENAI_REALTIME_URL=${realtime.url} TWILIO_API_BASE_URL=${twilio.baseUrl} ` +
      `OPENAI_BASE_URL=${knowledge.openaiBaseUrl} RERANK_URL=${knowledge.rerankUrl} (health: GET /health on the knowledge port)`,
  );
  console.log(`chat simulator up: app-server OPENAI_BASE_URL=${chat.openaiBaseUrl} (post-call analysis)`);
  for (const signal of ['SIGINT', 'SIGTERM'] as const)
    process.once(signal, () => {
      void Promise.all([twilio.close(), realtime.close(), knowledge.close(), chat.close()]).then(() =>
        process.exit(0),
      );
    });
}

main().catch((err: unknown) => {
  console.error(`simulators: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});

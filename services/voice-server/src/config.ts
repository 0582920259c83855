import { ConfigError, type ConfigOf, env, loadConfig } from '@switchboard/service-kit';
import { checkRealtimeResilience, realtimeResilienceSpec } from './config-realtime.ts';
import { parsePriceTable } from './telemetry/prices.ts';

/** Every environment variable voice-server reads; README's configuration table mirrors this. */
export const voiceServerConfigSpec = {
  HOST: env.string({ default: '0.0.0.0', doc: 'Address to listen on.' }),
  PORT: env.int({ default: 8080, min: 0, max: 65535, doc: 'Port to listen on.' }),
  LOG_LEVEL: env.oneOf(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], { default: 'info' }),
  OTEL_EXPORTER_OTLP_ENDPOINT: env.optionalUrl({
    doc: 'OTLP/HTTP collector (e.g. http://otel-collector:4318); unset: no OpenTelemetry traces. The other OTEL_* variables apply.',
  }),
  PUBLIC_BASE_URL: env.url({ doc: 'The https URL Twilio reaches this service at (the URL it signs).' }),
  TWILIO_ACCOUNT_SID: env.string({ doc: 'Twilio account SID.' }),
  TWILIO_AUTH_TOKEN: env.string({ secret: true, doc: 'Twilio auth token: checks signatures, calls REST.' }),
  TWILIO_API_BASE_URL: env.optionalUrl({ doc: 'Twilio REST base URL (default api.twilio.com).' }),
  OPENAI_API_KEY: env.string({ secret: true, doc: 'OpenAI API key.' }),
  OPENAI_BASE_URL: env.url({ default: 'https://api.openai.com/v1', doc: 'OpenAI REST base URL.' }),
  OPENAI_REALTIME_URL: env.optionalUrl({
    protocols: ['ws:', 'wss:'],
    doc: 'Realtime WebSocket URL (default: OPENAI_BASE_URL with wss and /realtime).',
  }),
  OPENAI_REALTIME_MODEL: env.string({ default: 'gpt-realtime', doc: 'Realtime model.' }),
  AI_SERVER_URL: env.url({ doc: 'ai-server base URL.' }),
  APP_SERVER_URL: env.optionalUrl({ doc: 'app-server base URL (required unless TRANSCRIPTS=memory).' }),
  TRANSCRIPTS: env.oneOf(['app-server', 'memory'], {
    default: 'app-server',
    doc: 'Where transcripts go: app-server (APP_SERVER_URL), or memory only (lost at exit).',
  }),
  SERVICE_TOKEN: env.string({ secret: true, doc: 'Bearer token between the services.' }),
  WEB_CALL_SECRET: env.optionalString({
    secret: true,
    doc: 'Shared with app-server: checks the tokens of browser test calls ("Try your bot") on /web-call; unset: no /web-call route.',
  }),
  VOICE_SERVER_INTERNAL_URL: env.optionalUrl({
    doc: "This instance's URL as app-server reaches it, for the live monitor's call actions (in Kubernetes the pod's IP, e.g. http://$(POD_IP):8080); unset: the address it listens on.",
  }),
  STREAM_START_TIMEOUT_MS: env.int({
    default: 5000,
    min: 100,
    doc: 'Close a stream with no start message after.',
  }),
  MAX_FRAME_BYTES: env.int({
    default: 65536,
    min: 1024,
    doc: 'Largest inbound stream frame (bigger: 1009).',
  }),
  OPIK_URL_OVERRIDE: env.optionalUrl({
    doc: 'Opik API base URL (e.g. http://opik:5173/api, https://www.comet.com/opik/api); unset: no Opik traces.',
  }),
  OPIK_API_KEY: env.optionalString({
    secret: true,
    doc: 'Opik API key (Opik Cloud; unset for self-hosted).',
  }),
  OPIK_WORKSPACE: env.string({ default: 'default', doc: 'Opik workspace.' }),
  OPIK_PROJECT_NAME: env.string({ default: 'switchboard', doc: 'Opik project the call traces go to.' }),
  OPIK_MAX_PENDING: env.int({
    default: 5000,
    min: 1,
    doc: 'Traces and spans held at most while Opik is slow or down; beyond it they are dropped and counted.',
  }),
  PRICE_TABLE_JSON: env.optionalString({
    doc:
      'Prices for trace costs over the built-in list: Realtime USD per 1M tokens by model ({"model":{"textInput":4,…}}), ' +
      'and "tts"/"stt" by provider or provider/model ({"tts":{"elevenlabs":{"usdPerCharacter":0.00005}},' +
      '"stt":{"cartesia/ink-whisper":{"usdPerAudioSecond":0.000036}}}).',
  }),
  ELEVENLABS_API_KEY: env.optionalString({
    secret: true,
    doc: "ElevenLabs key: brand voices (stream-input TTS) and Scribe transcripts; unset: profiles asking for them use the model's audio and the Realtime transcript.",
  }),
  ELEVENLABS_BASE_URL: env.url({
    default: 'https://api.elevenlabs.io',
    doc: 'ElevenLabs API base URL (the TTS WebSocket is on the same host).',
  }),
  CARTESIA_API_KEY: env.optionalString({
    secret: true,
    doc: 'Cartesia key: ink-whisper caller transcripts; unset: profiles asking for them keep the Realtime transcript.',
  }),
  CARTESIA_BASE_URL: env.url({ default: 'https://api.cartesia.ai', doc: 'Cartesia API base URL.' }),
  DRAIN_TIMEOUT_MS: env.int({
    default: 35 * 60_000,
    min: 0,
    doc: 'Longest wait for calls to end on SIGTERM.',
  }),
  ...realtimeResilienceSpec,
};

export type VoiceServerConfig = ConfigOf<typeof voiceServerConfigSpec>;

export function readConfig(source: Record<string, string | undefined> = process.env): VoiceServerConfig {
  const config = loadConfig(voiceServerConfigSpec, source);
  try {
    parsePriceTable(config.PRICE_TABLE_JSON);
  } catch (err) {
    throw new ConfigError([`PRICE_TABLE_JSON: ${(err as Error).message}`]);
  }
  // Losing every transcript must be asked for, never the result of a variable left out.
  if (config.TRANSCRIPTS === 'app-server' && !config.APP_SERVER_URL)
    throw new ConfigError([
      'APP_SERVER_URL: is required (or set TRANSCRIPTS=memory to keep transcripts in memory only)',
    ]);
  checkRealtimeResilience(config);
  return config;
}

/** The Realtime URL: OPENAI_REALTIME_URL, else OPENAI_BASE_URL turned into a wss .../realtime URL. */
export function realtimeUrlOf(
  cfg: Pick<VoiceServerConfig, 'OPENAI_REALTIME_URL' | 'OPENAI_BASE_URL'>,
): string {
  if (cfg.OPENAI_REALTIME_URL) return cfg.OPENAI_REALTIME_URL;
  const u = new URL(cfg.OPENAI_BASE_URL);
  u.protocol = u.protocol === 'http:' ? 'ws:' : 'wss:';
  u.pathname = `${u.pathname.replace(/\/+$/, '')}/realtime`;
  return u.toString();
}

/** The wss URL Twilio opens for the media stream (and signs). */
export function streamUrlOf(publicBaseUrl: string): string {
  const u = new URL(publicBaseUrl);
  u.protocol = u.protocol === 'http:' ? 'ws:' : 'wss:';
  u.pathname = `${u.pathname.replace(/\/+$/, '')}/twilio-stream`;
  return u.toString();
}

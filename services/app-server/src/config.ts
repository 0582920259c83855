import { ConfigError, type ConfigOf, env, loadConfig } from '@switchboard/service-kit';

/** Every environment variable app-server reads; the README's configuration table mirrors this. */
export const appServerConfigSpec = {
  HOST: env.string({ default: '0.0.0.0', doc: 'Address to listen on.' }),
  PORT: env.int({ default: 8082, min: 0, max: 65535, doc: 'Port to listen on.' }),
  LOG_LEVEL: env.oneOf(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], { default: 'info' }),
  OTEL_EXPORTER_OTLP_ENDPOINT: env.optionalUrl({
    doc: 'OTLP/HTTP collector (e.g. http://otel-collector:4318); unset: no OpenTelemetry traces. The other OTEL_* variables apply.',
  }),
  DATABASE_URL: env.optionalString({
    secret: true,
    doc: 'Postgres connection string. Unset: embedded PGlite in DATA_DIR.',
  }),
  DATA_DIR: env.string({
    default: '.data/app-server',
    doc: 'Embedded PGlite data folder when DATABASE_URL is unset ("memory" for a throwaway database).',
  }),
  SERVICE_TOKEN: env.string({
    secret: true,
    doc: 'Bearer token between the services (internal and admin routes).',
  }),
  SESSION_SECRET: {
    secret: true,
    doc: 'Signs staff session cookies; at least 32 characters.',
    parse(raw: string | undefined, name: string): string {
      const v = env.string().parse(raw, name);
      if (v.length < 32) throw new ConfigError([`${name}: must be at least 32 characters`]);
      return v;
    },
  },
  SESSION_TTL_HOURS: env.int({ default: 12, min: 1, max: 24 * 30, doc: 'How long a staff sign-in lasts.' }),
  COOKIE_SECURE: env.bool({
    default: true,
    doc: 'Mark the session cookie Secure (set false only for plain-http development off localhost).',
  }),
  OPIK_UI_URL: env.optionalUrl({
    doc: 'Opik traces page; a conversation links to it with ?trace=<id>, or fills a {traceId} placeholder.',
  }),
  OPENAI_API_KEY: env.optionalString({
    secret: true,
    doc: 'Turns post-call analysis on: each ended call is analysed by ANALYSIS_MODEL (structured output).',
  }),
  OPENAI_BASE_URL: env.optionalUrl({
    doc: 'OpenAI API base (e.g. a simulator); set without a key it turns analysis on against that endpoint.',
  }),
  ANALYSIS_MODEL: env.string({
    default: 'gpt-4.1-mini',
    doc: 'Chat model for post-call analysis (json_schema structured output).',
  }),
  ANALYSIS_WORKER: env.oneOf(['inline', 'off'], {
    default: 'inline',
    doc: 'inline: this process also runs analysis jobs; off: only enqueues them (run the analysis-worker process).',
  }),
  ANALYSIS_TIMEOUT_MS: env.int({
    default: 60_000,
    min: 1000,
    max: 600_000,
    doc: 'One analysis request to the model.',
  }),
  ANALYSIS_RETRY_LIMIT: env.int({
    default: 4,
    min: 0,
    max: 20,
    doc: 'Retries of a failed analysis (rate limits, server errors, timeouts).',
  }),
  ANALYSIS_RETRY_DELAY_SECONDS: env.int({
    default: 30,
    min: 1,
    max: 3600,
    doc: 'First retry delay; doubled each retry.',
  }),
  TWILIO_ACCOUNT_SID: env.optionalString({
    doc: 'Twilio account whose call recordings staff play and delete (with TWILIO_AUTH_TOKEN); unset: recordings are listed but not playable.',
  }),
  TWILIO_AUTH_TOKEN: env.optionalString({
    secret: true,
    doc: 'Auth token of TWILIO_ACCOUNT_SID (Basic auth for recording media and deletion).',
  }),
  TWILIO_API_BASE_URL: env.optionalUrl({
    doc: 'Twilio REST API base (default https://api.twilio.com; e.g. a simulator).',
  }),
  AI_SERVER_URL: env.optionalUrl({
    doc: "ai-server's base URL, where booked callbacks are placed (brands with autoPlaceCallbacks); unset: staff place callbacks themselves.",
  }),
  CALLBACK_SWEEP_SECONDS: env.int({
    default: 60,
    min: 0,
    max: 3600,
    doc: 'How often due booked callbacks are looked for and placed (with AI_SERVER_URL); 0: never.',
  }),
  CALLBACK_RETRY_MINUTES: env.int({
    default: 15,
    min: 1,
    max: 1440,
    doc: 'How long a callback refused for a passing reason (calling hours, a limit) waits when ai-server names no Retry-After.',
  }),
  WEB_CALL_URL: env.optionalUrl({
    protocols: ['ws:', 'wss:'],
    doc: 'voice-server\'s /web-call as browsers reach it (e.g. wss://voice.example.com/web-call), for "Try your bot"; with WEB_CALL_SECRET.',
  }),
  WEB_CALL_SECRET: env.optionalString({
    secret: true,
    doc: "Signs browser test call tokens; the same value as voice-server's WEB_CALL_SECRET. Unset: no browser test calls.",
  }),
  RECORDING_SWEEP_MINUTES: env.int({
    default: 60,
    min: 0,
    max: 1440,
    doc: "How often expired call recordings (past their brand's retention) are deleted at Twilio; 0: never.",
  }),
};

export type AppServerConfig = ConfigOf<typeof appServerConfigSpec>;

/** Parses and freezes app-server's configuration; throws one ConfigError naming every bad variable. */
export function readConfig(source: Record<string, string | undefined> = process.env): AppServerConfig {
  const config = loadConfig(appServerConfigSpec, source);
  if (!config.WEB_CALL_URL !== !config.WEB_CALL_SECRET)
    throw new ConfigError(['WEB_CALL_URL and WEB_CALL_SECRET: set both or neither']);
  return config;
}

/** What the staff CLI reads: the database, and the service token when it goes through a running server. */
export const staffCliConfigSpec = {
  DATABASE_URL: appServerConfigSpec.DATABASE_URL,
  DATA_DIR: appServerConfigSpec.DATA_DIR,
  SERVICE_TOKEN: env.optionalString({ secret: true, doc: 'Needed with --url (the admin route).' }),
};

export type StaffCliConfig = ConfigOf<typeof staffCliConfigSpec>;

export function readStaffCliConfig(source: Record<string, string | undefined> = process.env): StaffCliConfig {
  return loadConfig(staffCliConfigSpec, source);
}

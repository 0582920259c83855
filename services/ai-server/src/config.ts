/**
 * ai-server configuration: the only file that reads `process.env`. Parsed once at start; a missing or
 * bad variable stops the process with a message naming it.
 */
import { ConfigError, type ConfigOf, env, loadConfig } from '@switchboard/service-kit';
import { type CallingWindow, parseCallingWindow } from './outbound/calling-hours.ts';

const postgresUrl = {
  secret: true,
  doc: 'Postgres connection string (postgres:// or postgresql://); unset: embedded PGlite in DATA_DIR',
  parse(raw: string | undefined, name: string): string | undefined {
    if (!raw) return undefined;
    let u: URL;
    try {
      u = new URL(raw);
    } catch {
      throw new ConfigError([`${name}: is not a URL`]);
    }
    if (u.protocol !== 'postgres:' && u.protocol !== 'postgresql:')
      throw new ConfigError([`${name}: must use postgres: or postgresql:`]);
    return raw;
  },
};

const relevanceFloor = {
  doc: "Cosine similarity under which a search says noAnswer (0..1); unset: the embedder's calibrated floor",
  parse(raw: string | undefined, name: string): number | undefined {
    if (!raw) return undefined;
    const n = Number(raw);
    if (!/^\s*[0-9.]+\s*$/.test(raw) || !Number.isFinite(n) || n < 0 || n > 1)
      throw new ConfigError([`${name}: must be a number from 0 to 1`]);
    return n;
  },
};

const callingHours = {
  doc: "Callee's local hours outbound calls are placed in (HH:MM-HH:MM)",
  parse(raw: string | undefined, name: string): CallingWindow {
    try {
      return parseCallingWindow(raw?.trim() || '08:00-21:00');
    } catch (err) {
      throw new ConfigError([`${name}: ${(err as Error).message}`]);
    }
  },
};

export const configSpec = {
  PORT: env.int({ default: 8081, min: 0, max: 65535, doc: 'HTTP port' }),
  HOST: env.string({ default: '0.0.0.0', doc: 'Interface to listen on' }),
  LOG_LEVEL: env.oneOf(['fatal', 'error', 'warn', 'info', 'debug', 'trace'] as const, { default: 'info' }),
  OTEL_EXPORTER_OTLP_ENDPOINT: env.optionalUrl({
    doc: 'OTLP/HTTP collector (e.g. http://otel-collector:4318); unset: no OpenTelemetry traces. The other OTEL_* variables apply.',
  }),
  SERVICE_TOKEN: env.string({ secret: true, doc: 'Bearer token voice-server presents on internal routes' }),
  OPERATOR_TOKEN: env.optionalString({
    secret: true,
    doc: 'Bearer token for POST /operator/brands (creating brands); unset: the route is off',
  }),
  DATABASE_URL: postgresUrl,
  DATA_DIR: env.string({
    default: '.data/ai-server',
    doc: "PGlite data folder when DATABASE_URL is unset ('memory' for none)",
  }),
  EMBEDDINGS: env.oneOf(['auto', 'local', 'openai', 'none'] as const, {
    default: 'auto',
    doc: 'Embedding provider: local (trained word vectors, offline), openai (OPENAI_* below), none (lexical only); auto: openai when OPENAI_API_KEY is set, else local',
  }),
  OPENAI_API_KEY: env.optionalString({
    secret: true,
    doc: 'Key for the embeddings API (EMBEDDINGS=openai, or auto) and for Realtime client secrets (POST /v1/realtime/client-secrets; unset: 503)',
  }),
  OPENAI_BASE_URL: env.url({
    default: 'https://api.openai.com/v1',
    doc: 'OpenAI API base (point at a simulator)',
  }),
  OPENAI_REALTIME_MODEL: env.string({
    default: 'gpt-realtime',
    doc: 'Realtime model the client secrets minted for apps are bound to',
  }),
  CLIENT_SECRETS_PER_MINUTE: env.int({
    default: 60,
    min: 1,
    max: 10_000,
    doc: 'Realtime client secrets a brand may mint per minute, per ai-server replica (over it: 429 with Retry-After)',
  }),
  EMBEDDING_MODEL: env.string({
    default: 'text-embedding-3-small',
    doc: 'Embeddings model (asked for 256 dimensions)',
  }),
  KNOWLEDGE_RELEVANCE_FLOOR: relevanceFloor,
  RERANK_URL: env.optionalUrl({ doc: 'text-embeddings-inference style /rerank endpoint; unset: no rerank' }),
  RERANK_API_KEY: env.optionalString({ secret: true, doc: 'Bearer token for RERANK_URL, if it needs one' }),
  RERANK_TIMEOUT_MS: env.int({ default: 2000, min: 100, max: 30_000, doc: 'Rerank call budget' }),
  PINECONE_API_KEY: env.optionalString({
    secret: true,
    doc: 'Pinecone API key: enables the pinecone retrieval lane (every ingest is mirrored to PINECONE_INDEX)',
  }),
  PINECONE_INDEX: env.optionalString({
    doc: 'Pinecone serverless index (256 dimensions, cosine); one namespace per brand. Required with PINECONE_API_KEY',
  }),
  PINECONE_INDEX_HOST: env.optionalUrl({
    doc: "The index's host, to skip describe_index; unset: asked once",
  }),
  PINECONE_CONTROLLER_URL: env.optionalUrl({
    doc: "Pinecone's control-plane base (a simulator); unset: Pinecone's",
  }),
  KNOWLEDGE_LANE_BUDGET_MS: env.int({
    default: 1500,
    min: 50,
    max: 30_000,
    doc: "A retrieval lane's time budget on the call path before the brand's other lane answers instead",
  }),
  TOOL_ALLOW_INSECURE_LOOPBACK: env.bool({
    default: false,
    doc: 'Allow http:// (and loopback addresses) for dynamic tool endpoints on 127.0.0.0/8, ::1 and localhost only; for tests and local demos',
  }),
  TOOL_ALLOW_PRIVATE_NETWORKS: env.bool({
    default: false,
    doc: 'Allow tool endpoints that resolve to private, link-local or loopback addresses (https still required)',
  }),
  TOOL_MAX_RESPONSE_BYTES: env.int({
    default: 65_536,
    min: 1024,
    max: 10_485_760,
    doc: 'Tool response size cap',
  }),
  TOOL_MAX_TIMEOUT_MS: env.int({
    default: 15_000,
    min: 100,
    max: 60_000,
    doc: 'Largest per-tool timeout a brand may set',
  }),
  VOICE_SERVER_URL: env.optionalUrl({
    doc: 'voice-server base URL outbound calls are placed through; unset: POST /admin/outbound-calls answers 503',
  }),
  OUTBOUND_MAX_CONCURRENT: env.int({
    default: 5,
    min: 1,
    max: 1000,
    doc: 'Outbound calls one brand may have under way at once',
  }),
  OUTBOUND_MAX_CALLS_PER_MINUTE: env.int({
    default: 30,
    min: 1,
    max: 10_000,
    doc: 'Outbound calls one brand may place in any 60 seconds (counted across replicas); more get a 429 with Retry-After',
  }),
  OUTCOME_WEBHOOK_MAX_ATTEMPTS: env.int({
    default: 8,
    min: 1,
    max: 20,
    doc: "Tries of an outbound call's outcome webhook event, the first included",
  }),
  OUTCOME_WEBHOOK_BACKOFF_SEC: env.int({
    default: 600,
    min: 1,
    max: 86_400,
    doc: 'Wait after the first failed webhook try, doubled after each further one (8 tries: about 21 h in all)',
  }),
  OUTCOME_WEBHOOK_TIMEOUT_MS: env.int({
    default: 10_000,
    min: 500,
    max: 60_000,
    doc: 'Longest one webhook try may take',
  }),
  OUTBOUND_CALLING_HOURS: callingHours,
  OUTBOUND_RING_TIMEOUT_SEC: env.int({
    default: 30,
    min: 5,
    max: 600,
    doc: 'How long an outbound call rings before it is no-answer',
  }),
  CONVERSATIONS_UI_URL: env.optionalUrl({
    doc: "app-server's public URL, for the conversation links of outbound calls; unset: no link",
  }),
};

export type AiServerConfig = ConfigOf<typeof configSpec>;

/** Parses and freezes the configuration (default source: `process.env`). */
export function loadAiServerConfig(source: Record<string, string | undefined> = process.env): AiServerConfig {
  return loadConfig(configSpec, source);
}

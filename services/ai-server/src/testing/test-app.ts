/** Test support: the real app over an in-memory database, with optional knowledge simulators. */
import { Writable } from 'node:stream';
import { createLogger } from '@switchboard/service-kit';
import { type KnowledgeSimulator, startKnowledgeSimulator } from '@switchboard/simulators/knowledge';
import { type PineconeSimulator, startPineconeSimulator } from '@switchboard/simulators/pinecone';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../app.ts';
import type { AiDatabase } from '../context.ts';
import { openAiDatabase } from '../db.ts';
import { createOpenAiEmbedder } from '../knowledge/embedder.ts';
import { PineconeLane } from '../knowledge/lanes/pinecone-lane.ts';
import { createHttpReranker } from '../knowledge/reranker.ts';
import { createWordVectorEmbedder } from '../knowledge/word-vector-embedder.ts';
import type { OutboundSettings } from '../outbound/settings.ts';
import type { ClientSecretMinter } from '../realtime/client-secret-minter.ts';
import type { ToolEndpointPolicy } from '../tools/endpoint-policy.ts';

export const SERVICE_TOKEN = 'test-service-token';
export const OPERATOR_TOKEN = 'test-operator-token';

export interface TestAppOptions {
  /** Embeddings through the OpenAI SDK from the knowledge simulator. */
  embeddings?: boolean;
  /** The offline default: the trained word vectors, in process. */
  localEmbeddings?: boolean;
  /** The knowledge simulator's embeddings as another model a retrieval lane may ask for. */
  laneEmbeddings?: boolean;
  /** `KNOWLEDGE_RELEVANCE_FLOOR`: overrides the embedder's calibrated floor. */
  relevanceFloor?: number;
  rerank?: boolean;
  now?: () => Date;
  toolPolicy?: Partial<ToolEndpointPolicy>;
  resolveHost?: (host: string) => Promise<string[]>;
  /** PGlite data folder; default in memory. */
  dataDir?: string;
  /** A Pinecone simulator as the second retrieval store (needs an embedder). */
  pinecone?: boolean;
  /** A lane's budget before the other lane answers. */
  laneBudgetMs?: number;
  /** Outbound calling settings (a fake dialer). */
  outbound?: Partial<OutboundSettings>;
  /** Realtime client secrets: default a fake minter answering `ek_test_<n>` (tests of the SDK path pass a simulator's). */
  realtime?: { minter?: ClientSecretMinter; model?: string; perMinute?: number };
}

export interface TestApp {
  app: FastifyInstance;
  db: AiDatabase;
  sim?: KnowledgeSimulator;
  pineconeSim?: PineconeSimulator;
  /** Every log line the app wrote, parsed. */
  logs: Array<Record<string, unknown>>;
  /** Creates a brand through the operator route; returns its id and API key. */
  createBrand(name?: string): Promise<{ brandId: string; apiKey: string }>;
  close(): Promise<void>;
}

export const service = { authorization: `Bearer ${SERVICE_TOKEN}` };
export const brand = (apiKey: string) => ({ authorization: `Bearer ${apiKey}` });

export async function startTestApp(opts: TestAppOptions = {}): Promise<TestApp> {
  const sim =
    opts.embeddings || opts.rerank || opts.laneEmbeddings ? await startKnowledgeSimulator() : undefined;
  const simEmbedder = sim
    ? createOpenAiEmbedder({
        apiKey: 'sk-test',
        baseURL: sim.openaiBaseUrl,
        model: 'text-embedding-3-small',
        maxRetries: 0,
      })
    : undefined;
  const pineconeSim = opts.pinecone
    ? await startPineconeSimulator({ apiKey: 'pc-test', indexName: 'knowledge', dimension: 256 })
    : undefined;
  const db = await openAiDatabase({ dataDir: opts.dataDir ?? 'memory' });
  const logs: Array<Record<string, unknown>> = [];
  const destination = new Writable({
    write(chunk, _enc, cb) {
      for (const line of String(chunk).split('\n'))
        if (line.trim()) logs.push(JSON.parse(line) as Record<string, unknown>);
      cb();
    },
  });
  const app = await buildApp({
    logger: createLogger({ name: 'ai-server', level: 'debug', destination }),
    db,
    serviceToken: SERVICE_TOKEN,
    operatorToken: OPERATOR_TOKEN,
    embedder: opts.localEmbeddings ? createWordVectorEmbedder() : opts.embeddings ? simEmbedder : undefined,
    otherEmbedders: opts.laneEmbeddings && simEmbedder ? [simEmbedder] : [],
    relevanceFloor: opts.relevanceFloor,
    reranker: opts.rerank && sim ? createHttpReranker({ url: sim.rerankUrl }) : undefined,
    pinecone: pineconeSim
      ? new PineconeLane({
          apiKey: 'pc-test',
          indexName: 'knowledge',
          controllerHostUrl: pineconeSim.controllerUrl,
          writeRetries: 0,
        })
      : undefined,
    laneBudgetMs: opts.laneBudgetMs,
    toolPolicy: {
      allowInsecureLoopback: true,
      allowPrivateNetworks: false,
      maxResponseBytes: 4096,
      maxTimeoutMs: 10_000,
      ...opts.toolPolicy,
    },
    now: opts.now,
    resolveHost: opts.resolveHost,
    ...(opts.outbound ? { outbound: opts.outbound } : {}),
    realtime: { minter: fakeMinter(), ...opts.realtime },
  });
  let n = 0;
  return {
    app,
    db,
    sim,
    pineconeSim,
    logs,
    async createBrand(name = `Brand ${++n}`) {
      const res = await app.inject({
        method: 'POST',
        url: '/operator/brands',
        headers: { authorization: `Bearer ${OPERATOR_TOKEN}` },
        payload: { name },
      });
      if (res.statusCode !== 201) throw new Error(`createBrand: ${res.statusCode} ${res.body}`);
      const body = res.json() as { brand: { id: string }; apiKey: { key: string } };
      return { brandId: body.brand.id, apiKey: body.apiKey.key };
    },
    async close() {
      await app.close();
      await db.close();
      await sim?.close();
      await pineconeSim?.close();
    },
  };
}

/** A minimal valid profile body; override any field. */
export function profileBody(key: string, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    key,
    name: `Profile ${key}`,
    promptTemplate: 'You are the phone agent of {{profile_name}}. {{company_context}}',
    companyContext: 'We sell bicycles.',
    voice: { provider: 'openai', voiceId: 'alloy', speed: 1 },
    timezone: 'America/New_York',
    businessHours: {
      monday: [{ open: '09:00', close: '17:00' }],
      tuesday: [{ open: '09:00', close: '17:00' }],
      wednesday: [{ open: '09:00', close: '17:00' }],
      thursday: [{ open: '09:00', close: '17:00' }],
      friday: [{ open: '09:00', close: '17:00' }],
    },
    ...overrides,
  };
}

/** Mints `ek_test_<n>` secrets in process, remembering what each was bound to. */
export function fakeMinter(): ClientSecretMinter & { minted: Parameters<ClientSecretMinter['mint']>[0][] } {
  const minted: Parameters<ClientSecretMinter['mint']>[0][] = [];
  return {
    minted,
    async mint(request) {
      minted.push(request);
      return { value: `ek_test_${minted.length}`, expiresAt: Math.floor(Date.now() / 1000) + request.ttlSec };
    },
  };
}

// The real ai-server on embedded PGlite, seeded with the Acme brand, its phone profile, credits and
// help-center articles, with the embeddings/rerank simulator behind it.
import { readdir, readFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import {
  buildApp as buildAiServer,
  createHttpReranker,
  createOpenAiEmbedder,
  type OutboundSettings,
  openAiDatabase,
  PineconeLane,
} from '@switchboard/ai-server';
import type { Logger } from '@switchboard/service-kit';
import { type KnowledgeSimulator, startKnowledgeSimulator } from '@switchboard/simulators/knowledge';
import { type PineconeSimulator, startPineconeSimulator } from '@switchboard/simulators/pinecone';
import type { FastifyInstance } from 'fastify';
import { ACME, OPERATOR_TOKEN, SERVICE_TOKEN } from './constants.ts';

const EXAMPLES = join(import.meta.dirname, '..', '..', 'examples', 'acme-help-center');

export interface SeededAiServer {
  app: FastifyInstance;
  url: string;
  apiKey: string;
  brandId: string;
  knowledge: KnowledgeSimulator;
  /** The second retrieval store, when asked for. */
  pinecone?: PineconeSimulator;
  close(): Promise<void>;
}

async function json<T>(res: Response): Promise<T> {
  const text = await res.text();
  if (!res.ok) throw new Error(`${res.url}: ${res.status} ${text}`);
  return JSON.parse(text) as T;
}

export async function startSeededAiServer(opts: {
  logger: Logger;
  dataDir?: string;
  profile?: Record<string, unknown>;
  /** A Pinecone simulator as the second retrieval lane's store (every ingest mirrored to it). */
  pinecone?: boolean;
  /** ai-server's clock (business hours, calling hours). */
  now?: () => Date;
  /** Outbound calling (the dialer that reaches voice-server). */
  outbound?: Partial<OutboundSettings>;
}): Promise<SeededAiServer> {
  const logger = opts.logger;
  const knowledge = await startKnowledgeSimulator();
  const pinecone = opts.pinecone
    ? await startPineconeSimulator({ apiKey: 'pc-stack', indexName: 'knowledge', dimension: 256 })
    : undefined;
  const aiDb = await openAiDatabase({ dataDir: opts.dataDir ?? 'memory' });
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
    ...(pinecone
      ? {
          pinecone: new PineconeLane({
            apiKey: 'pc-stack',
            indexName: 'knowledge',
            controllerHostUrl: pinecone.controllerUrl,
          }),
        }
      : {}),
    toolPolicy: {
      allowInsecureLoopback: true,
      allowPrivateNetworks: false,
      maxResponseBytes: 65536,
      maxTimeoutMs: 15_000,
    },
    ...(opts.now ? { now: opts.now } : {}),
    ...(opts.outbound ? { outbound: opts.outbound } : {}),
  });
  const aiUrl = await aiApp.listen({ host: '127.0.0.1', port: 0 });
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

  return {
    app: aiApp,
    url: aiUrl,
    apiKey,
    brandId,
    knowledge,
    ...(pinecone ? { pinecone } : {}),
    async close() {
      await aiApp.close();
      await aiDb.close();
      await knowledge.close();
      await pinecone?.close();
    },
  };
}

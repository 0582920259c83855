/**
 * Each profile's own analysis schema: fetched from ai-server's call view of the profile through the
 * service-kit client (a stand-in ai-server answers `GET /internal/profiles/:ref` here), used for the
 * structured-output request against the chat simulator and recorded with the result; the default when
 * the profile has none or is gone; fetched once a minute per profile; retried when ai-server is down.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createLogger } from '@switchboard/service-kit';
import { HttpAiServerClient } from '@switchboard/service-kit/clients/ai-server';
import { type ChatSimulator, startChatSimulator } from '@switchboard/simulators/openai-chat';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { MemoryStore } from '../store/memory-store.ts';
import { Analyzer, openAiClient } from './analyzer.ts';
import { profileSchemaSource } from './profile-schemas.ts';
import { AnalysisWorker } from './worker.ts';

const BRAND = '0b7c6c1e-5d5f-4a53-9a1e-3f2f5c1d2e10';
const CUSTOM = {
  name: 'acme-support_analysis',
  version: '9f86d081884c',
  schema: {
    type: 'object',
    properties: {
      summary: { type: 'string' },
      sentiment: { type: 'string', enum: ['positive', 'neutral', 'negative', 'mixed'] },
      intent: { type: 'string' },
      resolution: { type: 'string', enum: ['resolved', 'unresolved', 'escalated', 'follow_up'] },
      leadScore: { type: 'integer' },
      product: { type: 'string', enum: ['bike', 'helmet', 'other'] },
    },
    required: ['summary', 'sentiment', 'intent', 'resolution', 'leadScore', 'product'],
    additionalProperties: false,
  },
};

let sim: ChatSimulator;
let ai: Server;
let aiUrl: string;
/** What the stand-in ai-server answers per profile ref, and the refs asked for. */
let profiles: Record<string, unknown>;
let asked: string[];
let clock = 0;

beforeAll(async () => {
  sim = await startChatSimulator();
  ai = createServer((req, res) => {
    const ref = decodeURIComponent(/^\/internal\/profiles\/([^/?]+)$/.exec(req.url ?? '')?.[1] ?? '');
    asked.push(ref);
    const profile = profiles[ref];
    res.setHeader('content-type', 'application/json');
    if (req.headers.authorization !== 'Bearer svc' || !profile) {
      res.statusCode = req.headers.authorization === 'Bearer svc' ? 404 : 401;
      return res.end(JSON.stringify({ error: { code: 'PROFILE_NOT_FOUND', message: 'no profile' } }));
    }
    res.end(JSON.stringify(profile));
  });
  await new Promise<void>((r) => ai.listen(0, '127.0.0.1', r));
  aiUrl = `http://127.0.0.1:${(ai.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await sim.close();
  await new Promise<void>((r) => ai.close(() => r()));
});

const logger = createLogger({ name: 'profile-schema-test', level: 'silent' });
let store: MemoryStore;
let worker: AnalysisWorker;

async function call(botProfileKey = 'acme-support'): Promise<string> {
  const { conversation } = await store.startConversation({
    callSid: `CA${Math.random().toString(16).slice(2).padEnd(32, '0')}`,
    botProfileKey,
    brandId: BRAND,
    callerNumber: '+14155550123',
    isSip: false,
    startedAt: new Date('2026-11-21T10:00:00Z'),
    freshcallerCallId: null,
    timezone: null,
  });
  await store.upsertMessages(conversation.id, [
    {
      sequence: 1,
      role: 'caller',
      text: 'Is the blue bike in stock?',
      startedAt: new Date(),
      source: 'realtime',
    },
    { sequence: 2, role: 'agent', text: 'Yes, in every size.', startedAt: new Date(), source: 'realtime' },
  ]);
  return conversation.id;
}

const profile = (analysisSchema: unknown) => ({
  key: 'acme-support',
  brandId: BRAND,
  name: 'Acme',
  analysisSchema,
});

beforeEach(() => {
  profiles = { [`${BRAND}:acme-support`]: profile(CUSTOM) };
  asked = [];
  clock = 0;
  store = new MemoryStore();
  const client = openAiClient({ apiKey: 'sk-test', baseURL: sim.openaiBaseUrl, timeoutMs: 2000 });
  worker = new AnalysisWorker({
    store,
    analyzer: new Analyzer({ client, model: 'gpt-4.1-mini' }),
    logger,
    schemaFor: profileSchemaSource({
      client: new HttpAiServerClient({ baseUrl: aiUrl, serviceToken: 'svc', timeoutMs: 2000 }),
      now: () => clock,
    }),
  });
});

const first = { retryCount: 0, retryLimit: 3 };

describe("a profile's analysis schema", () => {
  it('is the schema the model answers with, recorded with the result', async () => {
    const id = await call();
    await worker.run({ conversationId: id }, first);
    const a = await store.analyses().get(id);
    expect(a).toMatchObject({ status: 'done', schemaVersion: 'acme-support_analysis@9f86d081884c' });
    expect(['bike', 'helmet', 'other']).toContain(a?.result?.product);
    expect(sim.requests.at(-1)).toMatchObject({
      schemaName: 'acme-support_analysis',
      strict: true,
      status: 200,
    });
    // Asked by the brand-qualified reference.
    expect(asked).toEqual([`${BRAND}:acme-support`]);
  });

  it('falls back to the default when the profile has none, or ai-server no longer has it', async () => {
    profiles = { [`${BRAND}:acme-support`]: profile(null) };
    const plain = await call();
    await worker.run({ conversationId: plain }, first);
    expect((await store.analyses().get(plain))?.schemaVersion).toBe('call_analysis@1');
    const gone = await call('deleted-profile');
    await worker.run({ conversationId: gone }, first);
    expect((await store.analyses().get(gone))?.schemaVersion).toBe('call_analysis@1');
  });

  it('is fetched once per profile a minute', async () => {
    for (let i = 0; i < 3; i++) await worker.run({ conversationId: await call() }, first);
    expect(asked).toHaveLength(1);
    clock += 60_000;
    await worker.run({ conversationId: await call() }, first);
    expect(asked).toHaveLength(2);
  });

  it('retries the job while ai-server is unreachable, rather than use the wrong schema', async () => {
    const down = new AnalysisWorker({
      store,
      analyzer: new Analyzer({
        client: openAiClient({ apiKey: 'sk-test', baseURL: sim.openaiBaseUrl, timeoutMs: 2000 }),
        model: 'gpt-4.1-mini',
      }),
      logger,
      schemaFor: profileSchemaSource({
        client: new HttpAiServerClient({
          baseUrl: 'http://127.0.0.1:9',
          serviceToken: 'svc',
          timeoutMs: 2000,
        }),
      }),
    });
    const id = await call();
    const before = sim.requests.length;
    await expect(down.run({ conversationId: id }, first)).rejects.toThrow();
    expect(await store.analyses().get(id)).toMatchObject({ status: 'pending' });
    expect(sim.requests.length).toBe(before);
  });
});

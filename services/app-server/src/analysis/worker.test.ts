/**
 * One analysis job at a time, against the chat simulator through the real openai SDK: what is stored,
 * what is retried (the queue retries a job whose handler throws), what is not, and idempotency.
 */
import { createLogger } from '@switchboard/service-kit';
import { type ChatSimulator, startChatSimulator } from '@switchboard/simulators/openai-chat';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { MemoryStore } from '../store/memory-store.ts';
import { ANALYSIS_PROMPT_VERSION } from './analysis-schema.ts';
import { Analyzer, isRetryable, openAiClient, renderTranscript } from './analyzer.ts';
import { AnalysisWorker } from './worker.ts';

let sim: ChatSimulator;
beforeAll(async () => {
  sim = await startChatSimulator();
});
afterAll(() => sim.close());

const logger = createLogger({ name: 'worker-test', level: 'silent' });
let store: MemoryStore;
let worker: AnalysisWorker;
let conversationId: string;
const first = { retryCount: 0, retryLimit: 3 };
const last = { retryCount: 3, retryLimit: 3 };

async function seed(texts: string[]): Promise<string> {
  const { conversation } = await store.startConversation({
    callSid: `CA${Math.random().toString(16).slice(2).padEnd(32, '0')}`,
    botProfileKey: 'acme-support',
    brandId: 'acme',
    callerNumber: '+14155550123',
    isSip: false,
    startedAt: new Date('2026-11-21T10:00:00Z'),
    freshcallerCallId: null,
    timezone: null,
  });
  await store.upsertMessages(
    conversation.id,
    texts.map((text, i) => ({
      sequence: i + 1,
      role: i % 2 ? 'agent' : 'caller',
      text,
      startedAt: new Date(Date.parse('2026-11-21T10:00:00Z') + i * 1000),
      source: 'realtime' as const,
    })),
  );
  return conversation.id;
}

beforeEach(async () => {
  store = new MemoryStore();
  const client = openAiClient({ apiKey: 'sk-test', baseURL: sim.openaiBaseUrl, timeoutMs: 500 });
  worker = new AnalysisWorker({ store, analyzer: new Analyzer({ client, model: 'gpt-4.1-mini' }), logger });
  conversationId = await seed([
    'My order never arrived and I want a refund.',
    'Sorry. I can book a callback.',
    'Yes, call back tomorrow please.',
  ]);
});

describe('AnalysisWorker', () => {
  it('stores a validated analysis with the model, prompt and schema versions', async () => {
    await worker.run({ conversationId }, first);
    const a = await store.analyses().get(conversationId);
    expect(a).toMatchObject({
      status: 'done',
      sentiment: 'negative',
      intent: 'returns',
      resolution: 'follow_up',
      model: 'gpt-4.1-mini',
      promptVersion: ANALYSIS_PROMPT_VERSION,
      schemaVersion: 'call_analysis@1',
      attempts: 1,
      error: null,
    });
    expect(sim.requests.at(-1)).toMatchObject({ schemaName: 'call_analysis', strict: true, status: 200 });
  });

  it('announces the stored analysis on the live feed (open pages re-render it)', async () => {
    const seen: unknown[] = [];
    await store.liveFeed().listen((r) => seen.push(r));
    await worker.run({ conversationId }, first);
    expect(seen).toEqual([
      expect.objectContaining({ conversationId, kind: 'conversation', brandId: 'acme' }),
    ]);
  });

  it('is idempotent: a second job for an analysed conversation asks nothing; a re-run asks again', async () => {
    await worker.run({ conversationId }, first);
    const before = sim.requests.length;
    await worker.run({ conversationId }, first);
    expect(sim.requests.length).toBe(before);
    await worker.run({ conversationId, rerun: true }, first);
    expect(sim.requests.length).toBe(before + 1);
    expect((await store.analyses().get(conversationId))?.attempts).toBe(2);
  });

  it.each([
    ['a rate limit', () => sim.failNext({ kind: 'rate_limit' })],
    ['a server error', () => sim.failNext({ kind: 'server_error', status: 503 })],
    ['a timeout', () => sim.failNext({ kind: 'stall' })],
    ['an answer that does not match the schema', () => sim.scriptNext({ summary: 'only this' })],
  ])('throws on %s so the queue retries, keeping the analysis pending with the error', async (_n, fail) => {
    fail();
    await expect(worker.run({ conversationId }, first)).rejects.toThrow();
    expect(await store.analyses().get(conversationId)).toMatchObject({ status: 'pending', attempts: 1 });
    await worker.run({ conversationId }, { retryCount: 1, retryLimit: 3 });
    expect(await store.analyses().get(conversationId)).toMatchObject({
      status: 'done',
      attempts: 2,
      error: null,
    });
  });

  it('records failed, without throwing, on the last attempt', async () => {
    sim.failNext({ kind: 'server_error' });
    await worker.run({ conversationId }, last);
    expect(await store.analyses().get(conversationId)).toMatchObject({
      status: 'failed',
      error: expect.stringContaining('500'),
    });
  });

  it('does not retry what another attempt cannot fix (an unknown model)', async () => {
    const client = openAiClient({ apiKey: 'sk-test', baseURL: sim.openaiBaseUrl, timeoutMs: 500 });
    const bad = new AnalysisWorker({ store, analyzer: new Analyzer({ client, model: 'gpt-nope' }), logger });
    await bad.run({ conversationId }, first);
    expect(await store.analyses().get(conversationId)).toMatchObject({
      status: 'failed',
      error: expect.stringContaining('does not exist'),
    });
  });

  it('fails a call with nothing said without asking the model', async () => {
    const silent = await seed([]);
    const before = sim.requests.length;
    await worker.run({ conversationId: silent }, first);
    expect(sim.requests.length).toBe(before);
    expect(await store.analyses().get(silent)).toMatchObject({
      status: 'failed',
      error: 'nothing was said in the call',
    });
  });

  it('drops malformed job data without asking the model or throwing', async () => {
    const before = sim.requests.length;
    for (const data of [{}, { conversationId: 42 }, { conversationId: "'; drop table" }, null])
      await expect(worker.run(data as never, first)).resolves.toBeUndefined();
    expect(sim.requests.length).toBe(before);
  });

  it('skips a conversation that no longer exists', async () => {
    await expect(
      worker.run({ conversationId: '00000000-0000-4000-8000-000000000000' }, first),
    ).resolves.toBeUndefined();
  });
});

describe('isRetryable and the transcript', () => {
  it('keeps secrets out of the stored error', async () => {
    const { errorNote } = await import('./analysis-store.ts');
    expect(errorNote(new Error('Incorrect API key provided: sk-proj-abc***xyz1'))).not.toContain('sk-proj');
  });

  it('calls plain errors retryable', () => {
    expect(isRetryable(new Error('socket hang up'))).toBe(true);
  });

  it('renders what the caller heard of an interrupted agent turn, and tools as notes', () => {
    const base = {
      conversationId: 'c',
      itemId: null,
      startedAt: new Date(),
      source: 'realtime' as const,
      toolArguments: null,
      toolResult: null,
      responseMs: null,
      firstAudioMs: null,
      firstFrameMs: null,
      transcription: null,
      transcriber: null,
      transcriberText: null,
      handoff: null,
      languageSwitch: null,
      sanitized: [],
      createdAt: new Date(),
      updatedAt: new Date(),
    };
    const text = renderTranscript([
      {
        ...base,
        sequence: 1,
        role: 'caller',
        text: 'Hi',
        interrupted: false,
        toolName: null,
        heardText: null,
      },
      {
        ...base,
        sequence: 2,
        role: 'agent',
        text: 'Our shipping takes five days and',
        interrupted: true,
        toolName: null,
        heardText: 'Our shipping',
      },
      {
        ...base,
        sequence: 3,
        role: 'tool',
        text: null,
        interrupted: false,
        toolName: 'search_knowledge_base',
        heardText: null,
      },
    ]);
    expect(text).toBe('Caller: Hi\nAgent: Our shipping\n[tool search_knowledge_base]');
  });
});

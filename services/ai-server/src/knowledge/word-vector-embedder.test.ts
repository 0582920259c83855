// The offline embedder: its vectors, its slices (the event loop runs between them), the choice of
// provider from configuration, and vectors of two models never compared.
import { WordVectorsMissingError } from '@switchboard/word-vectors';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadAiServerConfig } from '../config.ts';
import type { AiDatabase } from '../context.ts';
import { openAiDatabase } from '../db.ts';
import { configuredEmbedder, laneEmbedders } from './configured-embedder.ts';
import type { Embedder } from './embedder.ts';
import { KnowledgeStore } from './knowledge-store.ts';
import { createWordVectorEmbedder, WORD_VECTOR_RELEVANCE_FLOOR } from './word-vector-embedder.ts';

const embedder = createWordVectorEmbedder();

describe('word-vector embedder', () => {
  it('gives unit vectors of the column size, the model in the first 100 dimensions', async () => {
    const [v] = await embedder.embed(['Where is my parcel?']);
    expect(embedder.id).toBe('glove-100d-sif-v1@256');
    expect(embedder.relevanceFloor).toBe(WORD_VECTOR_RELEVANCE_FLOOR);
    expect(v).toHaveLength(256);
    expect(Math.hypot(...v!)).toBeCloseTo(1, 5);
    expect(v!.slice(100).every((x) => x === 0)).toBe(true);
  });

  it('puts a paraphrase nearer than an unrelated text', async () => {
    const cos = (a: number[], b: number[]) => a.reduce((sum, x, i) => sum + x * b[i]!, 0);
    const cases = [
      ['can I pay with PayPal', 'Payment methods we accept', 'Shipping times'],
      ['my boots are too small', 'Boot sizing and fit', 'Ways to pay'],
      ['Where is my parcel?', 'How can I track my package?', 'How do I reset my password?'],
    ];
    for (const [question, paraphrase, unrelated] of cases) {
      const [q, p, u] = await embedder.embed([question!, paraphrase!, unrelated!]);
      expect(cos(q!, p!), question).toBeGreaterThan(cos(q!, u!));
    }
  });

  it('gives a zero vector to a text with no word it knows', async () => {
    const [v] = await embedder.embed(['zqxjv ZK3391']);
    expect(v!.every((x) => x === 0)).toBe(true);
  });

  it('refuses a missing vectors file, saying how to build it', () => {
    expect(() => createWordVectorEmbedder({ file: '/nonexistent/vectors.bin' })).toThrow(
      WordVectorsMissingError,
    );
    expect(() => createWordVectorEmbedder({ file: '/nonexistent/vectors.bin' })).toThrow(/pnpm install/);
  });

  it('lets the event loop run while it embeds a large batch', async () => {
    const text = 'Standard shipping within the continental US takes three to five business days. '.repeat(30);
    let ticks = 0;
    let running = true;
    const tick = () => {
      ticks++;
      if (running) setImmediate(tick);
    };
    setImmediate(tick);
    const vectors = await embedder.embed(Array.from({ length: 3000 }, (_, i) => `${text} ${i}`));
    running = false;
    expect(vectors).toHaveLength(3000);
    expect(ticks).toBeGreaterThan(2);
  });
});

describe('embedding provider from configuration', () => {
  const base = { SERVICE_TOKEN: 't' };
  it('is the local word vectors by default, OpenAI when a key is given, none when asked', () => {
    expect(configuredEmbedder(loadAiServerConfig(base))?.id).toBe('glove-100d-sif-v1@256');
    expect(configuredEmbedder(loadAiServerConfig({ ...base, OPENAI_API_KEY: 'sk-x' }))?.id).toBe(
      'text-embedding-3-small@256',
    );
    expect(
      configuredEmbedder(loadAiServerConfig({ ...base, OPENAI_API_KEY: 'sk-x', EMBEDDINGS: 'local' }))?.id,
    ).toBe('glove-100d-sif-v1@256');
    expect(configuredEmbedder(loadAiServerConfig({ ...base, EMBEDDINGS: 'none' }))).toBeUndefined();
  });

  it('offers a lane the other model: the word vectors beside a provider, the provider beside them', () => {
    const ids = (env: Record<string, string>) => {
      const config = loadAiServerConfig({ ...base, ...env });
      return laneEmbedders(config, configuredEmbedder(config)).map((e) => e.id);
    };
    expect(ids({ OPENAI_API_KEY: 'sk-x' })).toEqual(['glove-100d-sif-v1@256']);
    expect(ids({ OPENAI_API_KEY: 'sk-x', EMBEDDINGS: 'local' })).toEqual(['text-embedding-3-small@256']);
    expect(ids({})).toEqual([]);
  });

  it('refuses EMBEDDINGS=openai without a key, and a relevance floor out of range, naming the variable', () => {
    expect(() => configuredEmbedder(loadAiServerConfig({ ...base, EMBEDDINGS: 'openai' }))).toThrow(
      /OPENAI_API_KEY/,
    );
    expect(() => loadAiServerConfig({ ...base, EMBEDDINGS: 'glove' })).toThrow(/EMBEDDINGS/);
    expect(() => loadAiServerConfig({ ...base, KNOWLEDGE_RELEVANCE_FLOOR: '1.5' })).toThrow(
      /KNOWLEDGE_RELEVANCE_FLOOR/,
    );
    expect(loadAiServerConfig({ ...base, KNOWLEDGE_RELEVANCE_FLOOR: '0.3' }).KNOWLEDGE_RELEVANCE_FLOOR).toBe(
      0.3,
    );
  });
});

describe('vectors of different models', () => {
  let db: AiDatabase;
  beforeAll(async () => {
    db = await openAiDatabase({ dataDir: 'memory' });
    await db.sql.query('INSERT INTO "Brand" (id, name) VALUES ($1, $2)', ['b1', 'Brand']);
  });
  afterAll(async () => {
    await db.close();
  });

  it('are never compared: articles of the old model are re-embedded on the next ingest', async () => {
    const other: Embedder = { ...embedder, id: 'another-model@256', embed: (t) => embedder.embed(t) };
    const articles = [{ externalId: 'a1', title: 'Refunds', body: 'Refunds reach your card in a week.' }];
    const first = new KnowledgeStore(db.sql, embedder);
    const second = new KnowledgeStore(db.sql, other);
    try {
      await first.ingest('b1', articles);
      const [q] = await embedder.embed(['refund']);
      expect(await first.vectorSearch('b1', q!, 5, embedder.id)).toHaveLength(1);
      expect(await second.vectorSearch('b1', q!, 5, other.id)).toEqual([]);
      expect((await second.ingest('b1', articles))[0]!.status).toBe('updated');
      expect(await second.vectorSearch('b1', q!, 5, other.id)).toHaveLength(1);
      expect(await first.vectorSearch('b1', q!, 5, embedder.id)).toEqual([]);
    } finally {
      await first.close();
      await second.close();
    }
  });
});

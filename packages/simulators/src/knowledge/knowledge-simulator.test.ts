import OpenAI from 'openai';
import { afterEach, describe, expect, it } from 'vitest';
import { cosine, type KnowledgeSimulator, simulatedEmbedding, startKnowledgeSimulator } from './index.ts';

let sim: KnowledgeSimulator | undefined;
afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

const client = (s: KnowledgeSimulator) =>
  new OpenAI({ apiKey: 'sk-test', baseURL: s.openaiBaseUrl, maxRetries: 0 });

describe('embeddings simulator through the openai SDK', () => {
  it('answers embeddings.create with the requested dimensions, unit vectors, in input order', async () => {
    sim = await startKnowledgeSimulator();
    const res = await client(sim).embeddings.create({
      model: 'text-embedding-3-small',
      input: ['How do I reset my password?', 'Shipping takes three days'],
      dimensions: 256,
      encoding_format: 'float',
    });
    expect(res.object).toBe('list');
    expect(res.model).toBe('text-embedding-3-small');
    expect(res.data.map((d) => d.index)).toEqual([0, 1]);
    for (const d of res.data) {
      expect(d.embedding).toHaveLength(256);
      expect(Math.hypot(...d.embedding)).toBeCloseTo(1, 5);
    }
    expect(res.usage.total_tokens).toBeGreaterThan(0);
    expect(res.data[0]!.embedding).toEqual(simulatedEmbedding('How do I reset my password?', 256));
  });

  it("decodes the SDK's default base64 encoding to the same vector", async () => {
    sim = await startKnowledgeSimulator();
    const res = await client(sim).embeddings.create({
      model: 'text-embedding-3-small',
      input: 'refund my order',
    });
    expect(res.data[0]!.embedding).toHaveLength(1536);
    const expected = simulatedEmbedding('refund my order', 1536);
    res.data[0]!.embedding.forEach((x, i) => {
      expect(x).toBeCloseTo(expected[i]!, 6);
    });
  });

  it('puts paraphrases closer than unrelated text', () => {
    const dims = 512;
    const a = simulatedEmbedding('How can I get my money back for a damaged item?', dims);
    const b = simulatedEmbedding('Refunds for broken products', dims);
    const c = simulatedEmbedding('Changing the language of the mobile app', dims);
    expect(cosine(a, b)).toBeGreaterThan(cosine(a, c) + 0.1);
    const d = simulatedEmbedding('I forgot my passcode and cannot sign in', dims);
    const e = simulatedEmbedding('Reset your password to log in again', dims);
    expect(cosine(d, e)).toBeGreaterThan(cosine(d, b) + 0.1);
  });

  it('answers OpenAI-shaped errors the SDK raises as typed errors', async () => {
    sim = await startKnowledgeSimulator({ apiKey: 'sk-right' });
    await expect(
      client(sim).embeddings.create({ model: 'text-embedding-3-small', input: 'x' }),
    ).rejects.toMatchObject({
      status: 401,
      code: 'invalid_api_key',
    });
    const ok = new OpenAI({ apiKey: 'sk-right', baseURL: sim.openaiBaseUrl, maxRetries: 0 });
    await expect(ok.embeddings.create({ model: 'no-such-model', input: 'x' })).rejects.toMatchObject({
      status: 404,
    });
    await expect(
      ok.embeddings.create({ model: 'text-embedding-3-small', input: 'x', dimensions: 5000 }),
    ).rejects.toMatchObject({ status: 400, param: 'dimensions' });
    await expect(ok.embeddings.create({ model: 'text-embedding-3-small', input: [] })).rejects.toMatchObject({
      status: 400,
      param: 'input',
    });
    sim.failNext('embeddings', 1, 503);
    await expect(ok.embeddings.create({ model: 'text-embedding-3-small', input: 'x' })).rejects.toMatchObject(
      {
        status: 503,
      },
    );
    expect((await ok.embeddings.create({ model: 'text-embedding-3-small', input: 'x' })).data).toHaveLength(
      1,
    );
    expect(sim.stats.embeddingRequests).toBe(5);
  });
});

describe('rerank simulator (text-embeddings-inference shape)', () => {
  it('scores by overlap and returns [{index, score}] best first', async () => {
    sim = await startKnowledgeSimulator();
    const texts = [
      'Opening hours of our stores on public holidays',
      'How to request a refund for a damaged order',
      'Refund policy: refunds are issued within 5 days for damaged or defective items',
    ];
    const res = await fetch(sim.rerankUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: 'refund for a broken item', texts }),
    });
    expect(res.status).toBe(200);
    const body = (await res.json()) as Array<{ index: number; score: number }>;
    expect(body).toHaveLength(3);
    expect(body.map((r) => r.index).slice(-1)).toEqual([0]);
    for (const r of body) expect(r.score).toBeGreaterThanOrEqual(0);
    for (const r of body) expect(r.score).toBeLessThanOrEqual(1);
    expect(body[0]!.score).toBeGreaterThanOrEqual(body[1]!.score);

    const raw = (await (
      await fetch(sim.rerankUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query: 'refund', texts: ['refund'], raw_scores: true, return_text: true }),
      })
    ).json()) as Array<{ index: number; score: number; text: string }>;
    expect(raw[0]!.score).toBeGreaterThan(1);
    expect(raw[0]!.text).toBe('refund');
  });

  it('answers 422 for a bad body', async () => {
    sim = await startKnowledgeSimulator();
    const res = await fetch(sim.rerankUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: 'x', texts: [] }),
    });
    expect(res.status).toBe(422);
    expect(await res.json()).toMatchObject({ error_type: 'Validation' });
  });
});

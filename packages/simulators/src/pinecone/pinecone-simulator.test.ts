/**
 * Fidelity: the real SDK (`@pinecone-database/pinecone` 8.2.0) against the simulator. Behaviour from
 * Pinecone's docs: "Upsert records", "Query data", "Filter by metadata", "Delete records" (by id, by
 * metadata filter, a whole namespace), "Check data freshness" (describe_index_stats), "Database limits"
 * (2 MB / 1,000 records per upsert, top_k ≤ 10,000, ≤ 1,000 ids per delete, dense vectors need a
 * non-zero value, null metadata values refused) and "Errors" (400 INVALID ARGUMENT, 401, 404).
 */
import { Errors, Pinecone } from '@pinecone-database/pinecone';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type PineconeSimulator, startPineconeSimulator } from './index.ts';

const DIM = 4;
let sim: PineconeSimulator;
let pc: Pinecone;

beforeAll(async () => {
  sim = await startPineconeSimulator({ apiKey: 'pc-test', indexName: 'kb', dimension: DIM });
  pc = new Pinecone({ apiKey: 'pc-test', controllerHostUrl: sim.controllerUrl, maxRetries: 0 });
});
afterAll(() => sim.close());

describe('Pinecone simulator through the SDK', () => {
  it('resolves the index host through describe_index, then upserts and queries with a filter and topK', async () => {
    const ns = pc.index({ name: 'kb' }).namespace('brand-a');
    await ns.upsert({
      records: [
        { id: 'a#1', values: [1, 0, 0, 0], metadata: { brandId: 'a', articleId: 'x', tags: ['ship'] } },
        { id: 'a#2', values: [0.9, 0.1, 0, 0], metadata: { brandId: 'a', articleId: 'y' } },
        { id: 'a#3', values: [0, 1, 0, 0], metadata: { brandId: 'a', articleId: 'y' } },
      ],
    });
    expect(sim.requests.describe).toBe(1);
    const all = await ns.query({ vector: [1, 0, 0, 0], topK: 2, includeMetadata: true });
    expect(all.matches.map((m) => m.id)).toEqual(['a#1', 'a#2']);
    expect(all.matches[0]!.score).toBeCloseTo(1);
    expect(all.matches[0]!.metadata).toEqual({ brandId: 'a', articleId: 'x', tags: ['ship'] });
    const filtered = await ns.query({ vector: [1, 0, 0, 0], topK: 5, filter: { articleId: { $eq: 'y' } } });
    expect(filtered.matches.map((m) => m.id)).toEqual(['a#2', 'a#3']);
    const listField = await ns.query({ vector: [1, 0, 0, 0], topK: 5, filter: { tags: { $in: ['ship'] } } });
    expect(listField.matches.map((m) => m.id)).toEqual(['a#1']);
    const other = await pc
      .index({ name: 'kb' })
      .namespace('brand-b')
      .query({ vector: [1, 0, 0, 0], topK: 5 });
    expect(other.matches).toEqual([]);
  });

  it('deletes by ids, by metadata filter and a whole namespace; describe_index_stats counts per namespace', async () => {
    const ns = pc.index({ name: 'kb' }).namespace('brand-d');
    await ns.upsert({
      records: [1, 2, 3, 4].map((i) => ({
        id: `d#${i}`,
        values: [i, 1, 0, 0],
        metadata: { articleId: i < 3 ? 'p' : 'q' },
      })),
    });
    expect((await ns.describeIndexStats()).namespaces?.['brand-d']?.recordCount).toBe(4);
    await ns.deleteMany({ ids: ['d#4'] });
    expect(sim.count('brand-d')).toBe(3);
    await ns.deleteMany({ filter: { articleId: { $eq: 'p' } } });
    expect(sim.count('brand-d')).toBe(1);
    await ns.deleteAll();
    expect(sim.count('brand-d')).toBe(0);
  });

  it('refuses what Pinecone refuses, with its error shapes', async () => {
    const ns = pc.index({ name: 'kb' }).namespace('brand-e');
    await expect(ns.upsert({ records: [{ id: 'x', values: [1, 2] }] })).rejects.toThrow(
      /Vector dimension 2 does not match the dimension of the index 4/,
    );
    await expect(ns.upsert({ records: [{ id: 'x', values: [0, 0, 0, 0] }] })).rejects.toBeInstanceOf(
      Errors.PineconeBadRequestError,
    );
    await expect(
      ns.upsert({ records: [{ id: 'x', values: [1, 0, 0, 0], metadata: { a: null as unknown as string } }] }),
    ).rejects.toThrow(/got 'null' for field 'a'/);
    await expect(ns.query({ vector: [1, 0, 0, 0], topK: 10_001 })).rejects.toThrow(
      /less than or equal to 10000/,
    );
    await expect(ns.query({ vector: [1, 0, 0, 0], topK: 1, filter: { a: { $regex: 'x' } } })).rejects.toThrow(
      /\$regex is not a valid operator/,
    );
    await expect(ns.deleteMany({ ids: Array.from({ length: 1001 }, (_, i) => `id${i}`) })).rejects.toThrow(
      /limit is 1000/,
    );
    await expect(
      pc
        .index({ name: 'missing' })
        .namespace('x')
        .query({ vector: [1, 0, 0, 0], topK: 1 }),
    ).rejects.toBeInstanceOf(Errors.PineconeNotFoundError);
    const wrongKey = new Pinecone({ apiKey: 'nope', controllerHostUrl: sim.controllerUrl, maxRetries: 0 });
    await expect(wrongKey.describeIndex('kb')).rejects.toBeInstanceOf(Errors.PineconeAuthorizationError);
    const raw = await fetch(`${sim.indexHost}/query`, {
      method: 'POST',
      headers: { 'api-key': 'pc-test', 'content-type': 'application/json' },
      body: '{"topK":0,"vector":[1,0,0,0]}',
    });
    expect(raw.status).toBe(400);
    expect(await raw.json()).toEqual({ code: 3, message: 'topK must be a positive integer', details: [] });
  });

  it('injects server errors the SDK sees as retryable', async () => {
    const ns = pc.index({ name: 'kb' }).namespace('brand-f');
    sim.failNext('upsert', 1, 503);
    await expect(ns.upsert({ records: [{ id: 'f', values: [1, 0, 0, 0] }] })).rejects.toThrow();
    await ns.upsert({ records: [{ id: 'f', values: [1, 0, 0, 0] }] });
    expect(sim.count('brand-f')).toBe(1);
  });

  it('answers any request body with a 2xx or a 4xx, never a 5xx (fast-check)', async () => {
    const paths = ['/query', '/vectors/upsert', '/vectors/delete', '/describe_index_stats'];
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...paths), fc.oneof(fc.json(), fc.string()), async (path, body) => {
        const res = await fetch(`${sim.indexHost}${path}`, {
          method: 'POST',
          headers: { 'api-key': 'pc-test', 'content-type': 'application/json' },
          body,
        });
        expect(res.status).toBeLessThan(500);
        await res.arrayBuffer();
      }),
      { numRuns: 150 },
    );
  });
});

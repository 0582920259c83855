// The standing fuzz suite and the OpenAPI contract of ai-server: every operation of its own document
// is fed hostile input generated from its schemas (no 5xx, field-naming 400s, still responsive), the
// document validates as OpenAPI 3, covers every route, and documents every status the routes answered.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { registeredRoutes } from '@switchboard/service-kit';
import { describeOpenApiContract, type OpenApiDoc } from '@switchboard/service-kit/testing/openapi-contract';
import { happyPathProblems } from '@switchboard/service-kit/testing/openapi-happy-paths';
import { fuzzOperations } from '@switchboard/service-kit/testing/route-fuzz';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { aiServerHappyRows } from './testing/happy-paths.ts';
import {
  brand,
  OPERATOR_TOKEN,
  profileBody,
  service,
  startTestApp,
  type TestApp,
} from './testing/test-app.ts';

/** A brand tool's endpoint: answers every call with a small JSON result. */
async function startToolEndpoint(): Promise<{ url: string; close(): Promise<void> }> {
  const server = createServer((_req, res) => {
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ status: 'shipped', eta: '2026-12-09' }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/orders`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

let t: TestApp;
let apiKey: string;
let doc: OpenApiDoc;
let seen: Map<string, Set<number>>;

beforeAll(async () => {
  // A Monday noon in New York, with a dialer that accepts every call, so an outbound call can be placed.
  let sid = 0;
  t = await startTestApp({
    now: () => new Date('2026-12-07T17:00:00Z'),
    outbound: {
      dialer: {
        place: async () => ({ ok: true, callSid: `CA${String(++sid).padStart(32, '0')}`, status: 'queued' }),
      },
    },
  });
  ({ apiKey } = await t.createBrand('Fuzzed brand'));
  await t.app.inject({
    method: 'POST',
    url: '/admin/profiles',
    headers: brand(apiKey),
    payload: profileBody('fuzz-profile'),
  });
  doc = (await t.app.inject({ url: '/openapi.json' })).json();
});
afterAll(async () => {
  await t.close();
});

describe('ai-server under hostile input', () => {
  it('answers every generated request below 500, naming the field in each 400', async () => {
    seen = await fuzzOperations(t.app, doc, {
      headers: (path) =>
        path.startsWith('/admin')
          ? brand(apiKey)
          : path.startsWith('/operator')
            ? { authorization: `Bearer ${OPERATOR_TOKEN}` }
            : service,
      knownParams: { key: ['fuzz-profile'], profileKey: ['fuzz-profile'] },
      numRuns: 12,
    });
    const started = performance.now();
    expect((await t.app.inject({ url: '/health-check/live' })).statusCode).toBe(200);
    expect(performance.now() - started).toBeLessThan(1000);
  }, 600_000);
});

await describeOpenApiContract({
  doc: () => doc,
  routes: () => registeredRoutes(t.app),
  seen: () => seen,
  happyPathProblems: async () => {
    const tool = await startToolEndpoint();
    try {
      const { apiKey: happyKey } = await t.createBrand('Happy path');
      return await happyPathProblems(t.app, doc, aiServerHappyRows(happyKey, tool.url));
    } finally {
      await tool.close();
    }
  },
});

describe('success statuses', () => {
  it('are the documented ones: creations 201, deletions 204', async () => {
    // Creations answer 201 and deletions 204, as documented.
    const created = await t.app.inject({
      method: 'POST',
      url: '/admin/api-keys',
      headers: brand(apiKey),
      payload: {},
    });
    expect(created.statusCode).toBe(201);
    expect(doc.paths['/admin/api-keys']!.post!.responses).toHaveProperty('201');
    const deleted = await t.app.inject({
      method: 'DELETE',
      url: `/admin/api-keys/${created.json().id}`,
      headers: brand(apiKey),
    });
    expect(deleted.statusCode).toBe(204);
    expect(doc.paths['/admin/api-keys/{id}']!.delete!.responses).toHaveProperty('204');
  });
});

describe('answers refused before any route runs', () => {
  it('carry nosniff and no-store and echo nothing: 414, 400 and 404', async () => {
    const app = t.app;
    const answers = [
      await app.inject({ url: `/admin/profiles/${'k'.repeat(150)}`, headers: brand(apiKey) }),
      await app.inject({ url: '/admin/profiles/%E0%A4%Ak', headers: brand(apiKey) }),
      await app.inject({ url: '/no-such-route-kkk', headers: brand(apiKey) }),
    ];
    expect(answers.map((a) => a.statusCode)).toEqual([414, 400, 404]);
    for (const a of answers) {
      expect(a.headers['x-content-type-options']).toBe('nosniff');
      expect(a.headers['cache-control']).toBe('no-store');
      expect(a.body).not.toMatch(/kkk/);
    }
  });
});

// The standing fuzz suite and the OpenAPI contract of ai-server: every operation of its own document
// is fed hostile input generated from its schemas (no 5xx, field-naming 400s, still responsive), the
// document validates as OpenAPI 3, covers every route, and documents every status the routes answered.
import { registeredRoutes } from '@switchboard/service-kit';
import { describeOpenApiContract, type OpenApiDoc } from '@switchboard/service-kit/testing/openapi-contract';
import { fuzzOperations } from '@switchboard/service-kit/testing/route-fuzz';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  brand,
  OPERATOR_TOKEN,
  profileBody,
  service,
  startTestApp,
  type TestApp,
} from './testing/test-app.ts';

let t: TestApp;
let apiKey: string;
let doc: OpenApiDoc;
let seen: Map<string, Set<number>>;

beforeAll(async () => {
  t = await startTestApp();
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

await describeOpenApiContract({ doc: () => doc, routes: () => registeredRoutes(t.app), seen: () => seen });

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

// The standing fuzz suite and the OpenAPI contract of ai-server: every operation of its own document
// is fed hostile input generated from its schemas (no 5xx, field-naming 400s, still responsive), the
// document validates as OpenAPI 3, covers every route, and documents every status the routes answered.
import { Validator } from '@seriousme/openapi-schema-validator';
import { registeredRoutes } from '@switchboard/service-kit';
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
let doc: { paths: Record<string, Record<string, { responses: Record<string, unknown> }>> };
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

const openApiPath = (url: string) => url.replace(/:(\w+)/g, '{$1}');

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

describe('the OpenAPI document', () => {
  it('is a valid OpenAPI 3 document', async () => {
    const result = await new Validator().validate(doc as never);
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
  });

  it('documents every route, with response schemas and error answers', () => {
    const documented = new Set(
      Object.entries(doc.paths).flatMap(([path, ops]) =>
        Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`),
      ),
    );
    const routes = registeredRoutes(t.app)
      .filter((r) => !r.endsWith(' /openapi.json'))
      .map((r) => {
        const [m, u] = r.split(' ') as [string, string];
        return `${m} ${openApiPath(u)}`;
      });
    expect(routes.filter((r) => !documented.has(r))).toEqual([]);
    for (const [path, ops] of Object.entries(doc.paths))
      for (const [method, op] of Object.entries(ops)) {
        const statuses = Object.keys(op.responses);
        expect(
          statuses.some((s) => s.startsWith('2')),
          `${method} ${path}`,
        ).toBe(true);
        expect(statuses, `${method} ${path}`).toContain('400');
      }
  });

  it('documents each status the routes answered, and the right success status', async () => {
    const undocumented = [...seen].flatMap(([op, statuses]) => {
      const [m, p] = op.split(' ') as [string, string];
      const responses = doc.paths[p]![m.toLowerCase()]!.responses;
      return [...statuses].filter((s) => !(String(s) in responses)).map((s) => `${op} ${s}`);
    });
    expect(undocumented).toEqual([]);
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

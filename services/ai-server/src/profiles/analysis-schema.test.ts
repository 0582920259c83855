// A profile's post-call analysis schema: accepted only when OpenAI's strict structured outputs would
// accept it (a 400 naming the place otherwise), handed to the call path as {name, version, schema}.
// The property checks ai-server's rules against the chat simulator's (which follows the API's refusals).
import { strictSchemaProblem as simulatorProblem } from '@switchboard/simulators/openai-chat';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { brand, profileBody, service, startTestApp, type TestApp } from '../testing/test-app.ts';
import { strictSchemaProblem } from './analysis-schema-check.ts';

let t: TestApp;
let apiKey: string;
beforeAll(async () => {
  t = await startTestApp();
  ({ apiKey } = await t.createBrand());
  await t.app.inject({
    method: 'POST',
    url: '/admin/profiles',
    headers: brand(apiKey),
    payload: profileBody('sales'),
  });
});
afterAll(() => t.close());

const patch = (analysisSchema: unknown) =>
  t.app.inject({
    method: 'PATCH',
    url: '/admin/profiles/sales',
    headers: brand(apiKey),
    payload: { analysisSchema },
  });

const good = {
  type: 'object',
  properties: {
    summary: { type: 'string' },
    leadScore: { type: 'integer' },
    topics: {
      type: 'array',
      items: {
        type: 'object',
        properties: { name: { type: 'string' } },
        required: ['name'],
        additionalProperties: false,
      },
    },
  },
  required: ['summary', 'leadScore', 'topics'],
  additionalProperties: false,
};

describe('analysisSchema', () => {
  it('is stored and handed to the call path with a name and a content version', async () => {
    expect((await patch(good)).statusCode).toBe(200);
    const view = (await t.app.inject({ url: '/internal/profiles/sales', headers: service })).json();
    expect(view.analysisSchema).toEqual({
      name: 'sales_analysis',
      version: expect.stringMatching(/^[0-9a-f]{12}$/),
      schema: good,
    });
    const version = view.analysisSchema.version;
    await patch({
      ...good,
      properties: { ...good.properties, summary: { type: 'string', description: 'Two lines.' } },
    });
    const changed = (await t.app.inject({ url: '/internal/profiles/sales', headers: service })).json();
    expect(changed.analysisSchema.version).not.toBe(version);
    expect((await patch(null)).statusCode).toBe(200);
    expect(
      (await t.app.inject({ url: '/internal/profiles/sales', headers: service })).json().analysisSchema,
    ).toBeNull();
  });

  it.each([
    [
      { type: 'array', items: { type: 'string' } },
      'body.analysisSchema must be a JSON Schema with type "object"',
    ],
    [{ ...good, additionalProperties: true }, 'body.analysisSchema.additionalProperties must be false'],
    [
      { ...good, required: ['summary'] },
      'body.analysisSchema.required must list every property (missing "leadScore")',
    ],
    [
      {
        ...good,
        properties: {
          ...good.properties,
          topics: { type: 'array', items: { type: 'object', properties: { name: { type: 'string' } } } },
        },
      },
      'body.analysisSchema.properties.topics.items.additionalProperties must be false',
    ],
    [
      { ...good, properties: { ...good.properties, summary: { allOf: [{ type: 'string' }] } } },
      'body.analysisSchema.properties.summary.allOf is not supported',
    ],
  ])('refuses a schema strict mode refuses, naming the place (%#)', async (schema, message) => {
    const res = await patch(schema);
    expect(res.statusCode).toBe(400);
    expect(res.json().error.message).toContain(message);
  });

  it('accepts exactly the schemas the structured-output simulator accepts', () => {
    const leaf = fc.oneof(
      fc.constantFrom('string', 'integer', 'number', 'boolean').map((type) => ({ type })),
      fc.constant({ type: 'string', enum: ['a', 'b'] }),
      fc.constant({ allOf: [{ type: 'string' }] }),
      fc.constant({ description: 'no type' }),
    );
    const node: fc.Arbitrary<Record<string, unknown>> = fc.letrec<{ node: Record<string, unknown> }>(
      (tie) => ({
        node: fc.oneof(
          { depthSize: 'small', withCrossShrink: true },
          leaf,
          fc
            .tuple(
              fc.dictionary(fc.constantFrom('a', 'b', 'c', 'd'), tie('node'), { maxKeys: 3 }),
              fc.boolean(),
              fc.boolean(),
            )
            .map(([properties, closed, allRequired]) => ({
              type: 'object',
              properties,
              required: allRequired ? Object.keys(properties) : Object.keys(properties).slice(1),
              ...(closed ? { additionalProperties: false } : {}),
            })),
          tie('node').map((items) => ({ type: 'array', items })),
        ),
      }),
    ).node;
    fc.assert(
      fc.property(node, (schema) => {
        expect(strictSchemaProblem(schema) === undefined, JSON.stringify(schema)).toBe(
          simulatorProblem(schema) === null,
        );
      }),
      { numRuns: 400 },
    );
  });
});

/**
 * The simulated model's answers against OpenAI's promise for strict structured outputs: whatever
 * schema strict mode accepts, the answer matches it (Structured Outputs guide: "the model will always
 * follow the exact schema"). Schemas are generated within the strict subset and checked by the same
 * rules the endpoint refuses with.
 */
import { Ajv } from 'ajv';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { answerFor, readTranscript } from './answer.ts';
import { strictSchemaProblem } from './strict-schema.ts';

const leaf = fc.oneof(
  fc.constant({ type: 'string' }),
  fc.constant({ type: 'boolean' }),
  fc.constant({ type: 'null' }),
  fc.record({
    type: fc.constant('integer'),
    minimum: fc.integer({ min: -5, max: 5 }),
    maximum: fc.integer({ min: 6, max: 200 }),
  }),
  fc.record({ type: fc.constant('number'), minimum: fc.constant(0), maximum: fc.constant(1) }),
  fc
    .uniqueArray(fc.string({ minLength: 1, maxLength: 8 }), { minLength: 1, maxLength: 4 })
    .map((e) => ({ type: 'string', enum: e })),
  fc.constant({ type: ['string', 'null'] }),
);
const key = fc.stringMatching(/^[a-zA-Z_][a-zA-Z0-9_]{0,11}$/);

const { schema } = fc.letrec<{ schema: object; object: object }>((tie) => ({
  schema: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    leaf,
    tie('object'),
    fc.record({ type: fc.constant('array'), items: tie('schema') }),
    fc.record({ anyOf: fc.tuple(tie('schema'), fc.constant({ type: 'null' })) }),
  ),
  object: fc.dictionary(key, tie('schema'), { maxKeys: 5 }).map((props) => ({
    type: 'object',
    properties: props,
    required: Object.keys(props),
    additionalProperties: false,
  })),
}));
const rootSchema = fc.dictionary(key, schema, { minKeys: 1, maxKeys: 6 }).map((props) => ({
  type: 'object',
  properties: props,
  required: Object.keys(props),
  additionalProperties: false,
}));

describe('answers to strict schemas', () => {
  it('match every schema strict mode accepts, for any transcript', () => {
    const ajv = new Ajv({ strict: false });
    fc.assert(
      fc.property(rootSchema, fc.string({ maxLength: 200 }), (s, transcript) => {
        fc.pre(strictSchemaProblem(s) === null);
        const value = answerFor(s as Record<string, unknown>, readTranscript(transcript));
        expect(ajv.validate(s, value), JSON.stringify(ajv.errors)).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it('reads the same transcript the same way, and different calls differently', () => {
    const angry = 'caller: my order is late and I am upset, I want a refund';
    const happy = 'caller: thanks, great service, what is the price of the tent? I want to buy one';
    expect(readTranscript(angry)).toEqual(readTranscript(angry));
    expect(readTranscript(angry)).toMatchObject({ sentiment: 'negative', intent: 'returns' });
    expect(readTranscript(happy)).toMatchObject({ sentiment: 'positive', intent: 'sales' });
    expect(readTranscript(happy).leadScore).toBeGreaterThan(readTranscript(angry).leadScore);
  });

  it('refuses a schema whose root is not an object, with the API wording', () => {
    expect(strictSchemaProblem({ type: 'array', items: { type: 'string' } })).toBe(
      `schema must be a JSON Schema of 'type: "object"', got 'type: "array"'.`,
    );
  });
});

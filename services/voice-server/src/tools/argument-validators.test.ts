import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compiledSchemaCount, MAX_COMPILED_SCHEMAS, validatorFor } from './argument-validators.ts';

const lookup = () => ({
  type: 'object',
  properties: { query: { type: 'string' } },
  required: ['query'],
  additionalProperties: false,
});

describe('validatorFor', () => {
  it('compiles a schema once for every call that uses it (equal schemas, distinct objects)', () => {
    const first = validatorFor(lookup());
    const second = validatorFor(lookup());
    expect(second).toBe(first);
    expect(first({ query: 'refunds' })).toBe(true);
    expect(first({})).toBe(false);
    expect(first({ query: 'x', extra: 1 })).toBe(false);
  });

  it('is not affected when the profile changes its schema object afterwards', () => {
    const schema = { type: 'object', properties: { n: { type: 'integer' } }, required: ['n'] };
    const validate = validatorFor(schema);
    schema.required = [];
    expect(validate({})).toBe(false);
    expect(validatorFor(schema)({})).toBe(true);
  });

  it('keeps two schemas that declare the same $id apart (two brands may)', () => {
    const a = validatorFor({ $id: 'https://brand.example/args', type: 'object', required: ['a'] });
    const b = validatorFor({ $id: 'https://brand.example/args', type: 'object', required: ['b'] });
    expect(a({ a: 1 })).toBe(true);
    expect(a({ b: 1 })).toBe(false);
    expect(b({ b: 1 })).toBe(true);
    expect(b({ a: 1 })).toBe(false);
  });

  it('throws for a schema that does not compile', () => {
    expect(() => validatorFor({ type: 'no-such-type' })).toThrow();
  });

  it('holds at most MAX_COMPILED_SCHEMAS, and an evicted schema compiles again correctly', () => {
    for (let i = 0; i < MAX_COMPILED_SCHEMAS + 20; i++)
      validatorFor({ type: 'object', properties: { [`p${i}`]: { type: 'string' } }, required: [`p${i}`] });
    expect(compiledSchemaCount()).toBe(MAX_COMPILED_SCHEMAS);
    const again = validatorFor({ type: 'object', properties: { p0: { type: 'string' } }, required: ['p0'] });
    expect(again({ p0: 'x' })).toBe(true);
    expect(again({ p0: 1 })).toBe(false);
  });

  it('answers any JSON value against a compiled schema without throwing', () => {
    const validate = validatorFor(lookup());
    fc.assert(
      fc.property(fc.jsonValue(), (v) => {
        expect(typeof validate(v)).toBe('boolean');
      }),
    );
  });
});

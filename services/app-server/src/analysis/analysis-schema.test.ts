import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type AnalysisSchema,
  AnalysisValidationError,
  DEFAULT_ANALYSIS_SCHEMA,
  validateAnalysis,
} from './analysis-schema.ts';

const good = {
  summary: 'Asked about returns.',
  sentiment: 'neutral',
  intent: 'returns',
  resolution: 'resolved',
  leadScore: 40,
};

describe('validateAnalysis', () => {
  it('accepts an answer that matches the schema and reads the five fields', () => {
    const { fields, result } = validateAnalysis(JSON.stringify(good), DEFAULT_ANALYSIS_SCHEMA);
    expect(fields).toEqual(good);
    expect(result).toEqual(good);
  });

  it.each([
    ['not JSON', '{"summary":', /not JSON/],
    ['a missing field', JSON.stringify({ ...good, leadScore: undefined }), /leadScore/],
    [
      'a sentiment outside the enum',
      JSON.stringify({ ...good, sentiment: 'furious' }),
      /sentiment must be equal to one of the allowed values/,
    ],
    ['an extra field', JSON.stringify({ ...good, extra: 1 }), /additional properties/],
    ['a fractional lead score', JSON.stringify({ ...good, leadScore: 4.5 }), /leadScore must be integer/],
    ['an array', '[]', /must be object/],
  ])('refuses %s as retryable', (_name, text, message) => {
    let err: unknown;
    try {
      validateAnalysis(text, DEFAULT_ANALYSIS_SCHEMA);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(AnalysisValidationError);
    expect((err as AnalysisValidationError).retryable).toBe(true);
    expect((err as Error).message).toMatch(message);
  });

  it('keeps a profile schema’s extra fields in the result and clamps an out-of-range score', () => {
    const profile: AnalysisSchema = {
      name: 'custom',
      version: '3',
      schema: {
        type: 'object',
        properties: { ...(DEFAULT_ANALYSIS_SCHEMA.schema.properties as object), product: { type: 'string' } },
        required: [...(DEFAULT_ANALYSIS_SCHEMA.schema.required as string[]), 'product'],
        additionalProperties: false,
      },
    };
    const { fields, result } = validateAnalysis(
      JSON.stringify({ ...good, leadScore: 250, product: 'tent' }),
      profile,
    );
    expect(fields.leadScore).toBe(100);
    expect(result.product).toBe('tent');
  });

  it('reads null for a known field a profile schema types differently', () => {
    const profile: AnalysisSchema = { name: 'x', version: '1', schema: { type: 'object' } };
    expect(validateAnalysis('{"sentiment":3,"summary":"  "}', profile).fields).toMatchObject({
      sentiment: null,
      summary: null,
    });
  });

  it('answers any model text with typed fields or an AnalysisValidationError, nothing else', () => {
    const answer = fc.oneof(
      fc.string(),
      fc.jsonValue().map((v) => JSON.stringify(v)),
      fc
        .record({
          summary: fc.oneof(fc.string(), fc.integer()),
          sentiment: fc.oneof(fc.constantFrom('positive', 'neutral', 'negative', 'mixed'), fc.string()),
          intent: fc.string(),
          resolution: fc.constantFrom('resolved', 'unresolved', 'escalated', 'follow_up', 'other'),
          leadScore: fc.oneof(fc.integer(), fc.double(), fc.constant(null)),
        })
        .map((v) => JSON.stringify(v)),
    );
    fc.assert(
      fc.property(answer, (text) => {
        try {
          const { fields } = validateAnalysis(text, DEFAULT_ANALYSIS_SCHEMA);
          expect(typeof fields.summary === 'string' || fields.summary === null).toBe(true);
          expect(
            fields.leadScore === null ||
              (Number.isInteger(fields.leadScore) && fields.leadScore >= 0 && fields.leadScore <= 100),
          ).toBe(true);
        } catch (err) {
          expect(err).toBeInstanceOf(AnalysisValidationError);
        }
      }),
      { numRuns: 500 },
    );
  });
});

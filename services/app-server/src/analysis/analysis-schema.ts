import { Ajv, type ValidateFunction } from 'ajv';

/** Bumped whenever the instructions or the transcript rendering change; stored with every result. */
export const ANALYSIS_PROMPT_VERSION = 'call-analysis/2';

export const SENTIMENTS = ['positive', 'neutral', 'negative', 'mixed'] as const;
export const RESOLUTIONS = ['resolved', 'unresolved', 'escalated', 'follow_up'] as const;

/** A JSON Schema the analysis answer must match, with the name and version recorded beside the result. */
export interface AnalysisSchema {
  /** `^[a-zA-Z0-9_-]{1,64}$`, as OpenAI's `json_schema.name` requires. */
  name: string;
  version: string;
  schema: Record<string, unknown>;
}

/**
 * The built-in schema, written to the rules of OpenAI's strict structured outputs: every property
 * required, `additionalProperties: false`, only supported keywords. A profile's schema may add fields;
 * the five below are the ones app-server files, filters and aggregates.
 */
export const DEFAULT_ANALYSIS_SCHEMA: AnalysisSchema = Object.freeze({
  name: 'call_analysis',
  version: '1',
  schema: {
    type: 'object',
    properties: {
      summary: {
        type: 'string',
        description: 'Two or three sentences on what the caller wanted and what happened.',
      },
      sentiment: { type: 'string', enum: [...SENTIMENTS], description: "The caller's overall sentiment." },
      intent: {
        type: 'string',
        description:
          'The main reason for the call, as a short snake_case label (e.g. order_status, returns).',
      },
      resolution: {
        type: 'string',
        enum: [...RESOLUTIONS],
        description: 'How the call ended for the caller.',
      },
      leadScore: {
        type: 'integer',
        description:
          'How likely the caller is to buy or buy more, from 0 (not at all) to 100 (ready to buy).',
      },
    },
    required: ['summary', 'sentiment', 'intent', 'resolution', 'leadScore'],
    additionalProperties: false,
  },
});

/** The fields app-server keeps in columns, read from a validated answer. */
export interface AnalysisFields {
  summary: string | null;
  sentiment: string | null;
  intent: string | null;
  resolution: string | null;
  leadScore: number | null;
}

/** The answer did not match the schema: worth another try (the model may answer better), never stored. */
export class AnalysisValidationError extends Error {
  readonly retryable = true;
  constructor(readonly problems: string[]) {
    super(`analysis answer does not match the schema: ${problems.join('; ')}`);
    this.name = 'AnalysisValidationError';
  }
}

const ajv = new Ajv({ allErrors: true, strict: false });
// Compiled once per schema version (a compile costs far more than a validation).
const compiled = new Map<string, ValidateFunction>();

function validatorFor(s: AnalysisSchema): ValidateFunction {
  const key = `${s.name}@${s.version}:${JSON.stringify(s.schema)}`;
  let v = compiled.get(key);
  if (!v) {
    v = ajv.compile(s.schema);
    if (compiled.size > 200) compiled.clear();
    compiled.set(key, v);
  }
  return v;
}

/**
 * Parses the model's text and checks it against the schema; the five known fields are read with
 * their types checked again (a profile schema may type them differently, or leave them out).
 */
export function validateAnalysis(
  text: string,
  s: AnalysisSchema,
): { result: Record<string, unknown>; fields: AnalysisFields } {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new AnalysisValidationError(['the answer is not JSON']);
  }
  const validate = validatorFor(s);
  if (!validate(value)) {
    const problems = (validate.errors ?? [])
      .slice(0, 5)
      .map((e) => `${e.instancePath || '/'} ${e.message ?? 'is invalid'}`);
    throw new AnalysisValidationError(problems);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new AnalysisValidationError(['the answer is not an object']);
  const result = value as Record<string, unknown>;
  const text256 = (v: unknown, max: number) =>
    typeof v === 'string' && v.trim() ? v.trim().slice(0, max) : null;
  const score = result.leadScore;
  return {
    result,
    fields: {
      summary: text256(result.summary, 4000),
      sentiment: text256(result.sentiment, 64),
      intent: text256(result.intent, 64),
      resolution: text256(result.resolution, 64),
      leadScore:
        typeof score === 'number' && Number.isFinite(score)
          ? Math.max(0, Math.min(100, Math.round(score)))
          : null,
    },
  };
}

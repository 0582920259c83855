/**
 * The JSON Schema of a call scenario (draft-07). The YAML parser validates every file against it, and
 * `call-sim schema` prints it for editors (yaml-language-server reads a `$schema` comment).
 */

const phrase = { type: 'string', minLength: 1, maxLength: 500 } as const;
const e164 = { type: 'string', pattern: '^\\+[1-9][0-9]{6,14}$' } as const;
const ms = (max: number) => ({ type: 'number', minimum: 0, maximum: max }) as const;
const hhmm = { type: 'string', pattern: '^([01][0-9]|2[0-3]):[0-5][0-9]$' } as const;

const valueMatcher = {
  oneOf: [
    { type: ['string', 'number', 'boolean'] },
    {
      type: 'object',
      additionalProperties: false,
      minProperties: 1,
      maxProperties: 1,
      properties: {
        equals: { type: ['string', 'number', 'boolean'] },
        contains: phrase,
        matches: { type: 'string', minLength: 1 },
        present: { type: 'boolean' },
      },
    },
  ],
} as const;

/** A BCP 47 language tag (`es`, `en-US`, `zh-Hant-TW`). */
const languageTag = { type: 'string', pattern: '^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*$' } as const;

/** Text the simulated model says: plain, or per language (`{en: …, es: …}`; the first is the default). */
const agentText = {
  oneOf: [
    phrase,
    {
      type: 'object',
      minProperties: 1,
      propertyNames: languageTag,
      additionalProperties: phrase,
    },
  ],
} as const;

const toolName = { type: 'string', pattern: '^[A-Za-z0-9_-]{1,64}$' } as const;

const expectations = {
  type: 'object',
  additionalProperties: false,
  properties: {
    tools: {
      type: 'array',
      items: {
        oneOf: [
          toolName,
          {
            type: 'object',
            additionalProperties: false,
            required: ['name'],
            properties: {
              name: toolName,
              args: { type: 'object', additionalProperties: valueMatcher },
            },
          },
        ],
      },
    },
    avoidTools: { type: 'array', items: toolName },
    says: { type: 'array', items: phrase },
    avoids: { type: 'array', items: phrase },
    replyWithinMs: { type: 'number', exclusiveMinimum: 0, maximum: 120_000 },
    transfer: {
      oneOf: [
        { const: false },
        { type: 'object', additionalProperties: false, properties: { to: { type: 'string', minLength: 1 } } },
      ],
    },
    callback: {
      oneOf: [
        { const: false },
        {
          type: 'object',
          additionalProperties: false,
          properties: {
            day: { type: 'string', pattern: '^(today|tomorrow|[0-9]{4}-[0-9]{2}-[0-9]{2})$' },
            from: hhmm,
            to: hhmm,
            reason: valueMatcher,
          },
        },
      ],
    },
    ended: {
      type: 'object',
      additionalProperties: false,
      minProperties: 1,
      properties: {
        by: { enum: ['agent', 'caller'] },
        reason: { type: 'string', pattern: '^[a-z_]{1,40}$' },
      },
    },
    bargeIn: {
      type: 'object',
      additionalProperties: false,
      properties: { stoppedWithinMs: { type: 'number', exclusiveMinimum: 0, maximum: 60_000 } },
    },
    interruptions: { type: 'integer', minimum: 0, maximum: 1000 },
    /** An outbound call's recorded outcome: field (a dotted path reaches into objects) → matcher. */
    outcome: { type: 'object', minProperties: 1, additionalProperties: valueMatcher },
    /** The language of the agent's replies. */
    language: languageTag,
  },
} as const;

/** The whole call's expectations: a turn's, and the call's languages and language switches. */
const callExpectations = {
  ...expectations,
  properties: {
    ...expectations.properties,
    languages: { type: 'array', minItems: 1, maxItems: 20, items: languageTag },
    switches: {
      type: 'array',
      maxItems: 20,
      items: {
        type: 'object',
        additionalProperties: false,
        properties: {
          from: languageTag,
          to: languageTag,
          how: { enum: ['detected', 'asked'] },
          served: { type: 'boolean' },
        },
      },
    },
  },
} as const;

/** What an outbound scenario asks the product to call for (`POST /admin/outbound-calls`). */
const outbound = {
  type: 'object',
  additionalProperties: false,
  required: ['profile', 'task'],
  properties: {
    profile: { type: 'string', pattern: '^[a-z0-9][a-z0-9-]{0,63}$' },
    task: { type: 'string', minLength: 1, maxLength: 4000 },
    context: { type: 'object' },
    outcomeSchema: { type: 'object' },
  },
} as const;

const agentScript = {
  type: 'object',
  additionalProperties: false,
  properties: {
    say: agentText,
    tools: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['name'],
        properties: { name: toolName, args: { type: 'object' } },
      },
    },
    afterTools: agentText,
    latencyMs: ms(60_000),
  },
} as const;

const turnCommon = {
  label: { type: 'string', minLength: 1, maxLength: 200 },
  interrupt: {
    type: 'object',
    additionalProperties: false,
    required: ['afterMs'],
    properties: { afterMs: ms(120_000) },
  },
  expect: expectations,
  agent: agentScript,
} as const;

/** One turn kind: its own key plus the common fields. */
const turn = (key: string, value: object, more: object = {}) => ({
  type: 'object',
  additionalProperties: false,
  required: [key],
  properties: { [key]: value, ...more, ...turnCommon },
});

/** The keys that say what a turn is; exactly one per turn. */
export const TURN_KINDS = ['say', 'wav', 'dtmf', 'silenceMs', 'noiseMs', 'pauseMs', 'hangup'] as const;

const line = {
  type: 'object',
  additionalProperties: false,
  properties: {
    seed: { type: 'integer' },
    noiseFloorDbfs: { type: 'number', minimum: -120, maximum: 0 },
    echo: {
      type: 'object',
      additionalProperties: false,
      required: ['delayMs', 'attenuationDb'],
      properties: { delayMs: ms(2000), attenuationDb: { type: 'number', minimum: 0, maximum: 120 } },
    },
    jitter: {
      type: 'object',
      additionalProperties: false,
      required: ['maxMs'],
      properties: { maxMs: ms(2000) },
    },
    bursts: {
      type: 'object',
      additionalProperties: false,
      required: ['everyMs', 'holdFrames'],
      properties: {
        everyMs: { type: 'number', minimum: 20 },
        holdFrames: { type: 'integer', minimum: 1, maximum: 500 },
      },
    },
    lossRate: { type: 'number', minimum: 0, maximum: 1 },
  },
} as const;

/** The schema of each kind of turn, by the key that says what the turn is. */
export const TURN_SCHEMAS: Record<(typeof TURN_KINDS)[number], object> = {
  say: turn('say', phrase, { language: languageTag }),
  wav: turn('wav', { type: 'string', minLength: 1 }),
  dtmf: turn('dtmf', { type: 'string', pattern: '^[0-9*#A-Da-d]{1,32}$' }),
  silenceMs: turn('silenceMs', { type: 'number', minimum: 20, maximum: 600_000 }),
  noiseMs: turn('noiseMs', { type: 'number', minimum: 20, maximum: 5000 }),
  pauseMs: {
    type: 'object',
    additionalProperties: false,
    required: ['pauseMs'],
    properties: { pauseMs: ms(600_000), label: turnCommon.label },
  },
  hangup: {
    type: 'object',
    additionalProperties: false,
    required: ['hangup'],
    properties: { hangup: { const: true }, label: turnCommon.label },
  },
};

const scenarioProperties = (turnItems: object) => ({
  name: { type: 'string', minLength: 1, maxLength: 200 },
  description: { type: 'string' },
  direction: { enum: ['inbound', 'outbound'] },
  outbound,
  to: e164,
  from: e164,
  timezone: { type: 'string', minLength: 1, maxLength: 64 },
  line,
  quietMs: { type: 'number', minimum: 100, maximum: 30_000 },
  greeting: agentText,
  language: languageTag,
  turns: { type: 'array', minItems: 1, maxItems: 200, items: turnItems },
  expect: callExpectations,
});

/** The scenario schema, as editors read it. */
export const SCENARIO_SCHEMA = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  title: 'call-sim scenario',
  type: 'object',
  additionalProperties: false,
  required: ['turns'],
  properties: scenarioProperties({ oneOf: Object.values(TURN_SCHEMAS) }),
};

/**
 * The same schema with turns left open: the parser checks each turn against its own kind's schema, so
 * an error names the field of that kind rather than every alternative.
 */
export const SCENARIO_OUTLINE_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  required: ['turns'],
  properties: scenarioProperties({ type: 'object' }),
};

/** JSON schemas of the bot-profile bodies (Fastify validates them; the OpenAPI document shows them). */
import { agentFields } from './agent-graph.ts';
import { languagesSchema } from './profile-languages.ts';
import { transcriberSchema, voiceSchema } from './voice-schema.ts';

export const PROFILE_KEY_PATTERN = '^[a-z0-9][a-z0-9_-]{1,62}$';
/**
 * How the call path names a profile: its key, or `<brandId>:<key>` when another brand uses the same
 * key (the profile lookup answers whichever is needed).
 */
export const PROFILE_REF_PATTERN = '^([0-9a-f-]{36}:)?[a-z0-9][a-z0-9_-]{1,62}$';
export const E164_PATTERN = '^\\+[1-9][0-9]{6,14}$';
export const SIP_DOMAIN_PATTERN = '^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\\.)+[a-z]{2,63}$';
export const APPLICATION_SID_PATTERN = '^AP[0-9a-f]{32}$';
/** A phone number, or a SIP URI for SIP transfers. */
export const TRANSFER_TARGET_PATTERN = '^(\\+[1-9][0-9]{6,14}|sips?:[^\\s]+)$';
/** Longest after-hours message: about 30 s of speech. */
export const AFTER_HOURS_MAX_CHARS = 500;
const TIME_PATTERN = '^(([01][0-9]|2[0-3]):[0-5][0-9]|24:00)$';

const timeRanges = {
  type: 'array',
  maxItems: 8,
  items: {
    type: 'object',
    additionalProperties: false,
    required: ['open', 'close'],
    properties: {
      open: { type: 'string', pattern: TIME_PATTERN },
      close: { type: 'string', pattern: TIME_PATTERN },
    },
  },
} as const;

const weekdayProps = Object.fromEntries(
  ['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday'].map((d) => [d, timeRanges]),
);

/** Fields a brand may set on a profile; all but `key` may change later. */
export const profileFields = {
  name: { type: 'string', minLength: 1, maxLength: 200 },
  language: { type: 'string', pattern: '^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$' },
  /** The languages served, the first one first (`language` and `greeting` follow it); [] clears. */
  languages: languagesSchema,
  greeting: { type: ['string', 'null'], maxLength: 2000 },
  promptTemplate: { type: 'string', minLength: 1, maxLength: 50_000 },
  companyContext: { type: 'string', maxLength: 50_000 },
  voice: voiceSchema,
  transcriber: transcriberSchema,
  timezone: { type: 'string', minLength: 1, maxLength: 64 },
  businessHours: { type: 'object', additionalProperties: false, properties: weekdayProps },
  holidays: {
    type: 'array',
    maxItems: 366,
    items: {
      type: 'object',
      additionalProperties: false,
      required: ['date'],
      properties: {
        date: { type: 'string', pattern: '^([0-9]{4}-)?[0-9]{2}-[0-9]{2}$' },
        name: { type: 'string', maxLength: 200 },
        hours: timeRanges,
      },
    },
  },
  vadThreshold: { type: 'number', minimum: 0, maximum: 1 },
  inactivity: {
    type: 'object',
    additionalProperties: false,
    required: ['promptAfterSec', 'endAfterSec'],
    properties: {
      promptAfterSec: { type: 'integer', minimum: 1, maximum: 600 },
      endAfterSec: { type: 'integer', minimum: 1, maximum: 3600 },
    },
  },
  maxDurationSec: { type: 'integer', minimum: 30, maximum: 4 * 3600 },
  transferTarget: { type: ['string', 'null'], pattern: TRANSFER_TARGET_PATTERN, maxLength: 300 },
  outboundCallerId: { type: ['string', 'null'], pattern: E164_PATTERN },
  voicemailMessage: { type: ['string', 'null'], minLength: 1, maxLength: 1000 },
  /** Said (then the call ends) while the AI agent cannot take calls and no transfer target is set. */
  afterHoursMessage: {
    type: ['string', 'null'],
    minLength: 1,
    maxLength: AFTER_HOURS_MAX_CHARS,
    pattern: '\\S',
  },
  recording: {
    type: ['object', 'null'],
    additionalProperties: false,
    required: ['enabled'],
    properties: {
      enabled: { type: 'boolean' },
      consentNotice: { type: ['string', 'null'], minLength: 1, maxLength: 500 },
    },
  },
  outboundRetry: {
    type: ['object', 'null'],
    additionalProperties: false,
    required: ['attempts', 'backoffSec'],
    properties: {
      attempts: { type: 'integer', minimum: 2, maximum: 5 },
      backoffSec: { type: 'integer', minimum: 1, maximum: 86_400 },
    },
  },
  /** Seconds a Realtime client secret minted for apps lives (the API accepts 10–7200). */
  clientSecretTtlSec: { type: 'integer', minimum: 10, maximum: 7200 },
  /** The JSON Schema post-call analysis answers with (strict structured-output subset); null: the default. */
  analysisSchema: { type: ['object', 'null'], additionalProperties: true },
  phoneNumbers: {
    type: 'array',
    maxItems: 100,
    uniqueItems: true,
    items: { type: 'string', pattern: E164_PATTERN },
  },
  sipDomains: {
    type: 'array',
    maxItems: 100,
    uniqueItems: true,
    items: { type: 'string', pattern: SIP_DOMAIN_PATTERN },
  },
  applicationSids: {
    type: 'array',
    maxItems: 100,
    uniqueItems: true,
    items: { type: 'string', pattern: APPLICATION_SID_PATTERN },
  },
  /** Specialist agents the call hands over between (see agent-graph.ts). */
  ...agentFields,
} as const;

export const createProfileBody = {
  type: 'object',
  additionalProperties: false,
  required: ['key', 'name', 'promptTemplate', 'voice'],
  properties: { key: { type: 'string', pattern: PROFILE_KEY_PATTERN }, ...profileFields },
} as const;

export const updateProfileBody = {
  type: 'object',
  additionalProperties: false,
  minProperties: 1,
  properties: profileFields,
} as const;

export const profileKeyParams = {
  type: 'object',
  required: ['key'],
  properties: { key: { type: 'string', pattern: PROFILE_KEY_PATTERN } },
} as const;

/** Path parameters of the call-path routes: a profile reference. */
export const profileRefParams = {
  type: 'object',
  required: ['key'],
  properties: { key: { type: 'string', pattern: PROFILE_REF_PATTERN } },
} as const;

/** Response schemas of the profile routes; value shapes come from the request schemas. */
import {
  answer,
  arr,
  bool,
  dateTime,
  int,
  nullable,
  num,
  obj,
  openObject,
  str,
} from '@switchboard/service-kit';
import { agentSchema } from './agent-graph.ts';
import { LANGUAGE_LINE_KEYS } from './profile-languages.ts';
import { profileFields } from './profile-schema.ts';

/** A profile as a call needs it (`BotProfileDto`); `greeting` is absent when the model opens. */
export const profileDtoSchema = obj(
  {
    key: str,
    brandId: str,
    name: str,
    language: str,
    languages: arr(
      obj(
        {
          tag: str,
          greeting: str,
          // Every line optional (OpenAPI 3.0 has no empty `required`).
          lines: { type: 'object', properties: Object.fromEntries(LANGUAGE_LINE_KEYS.map((k) => [k, str])) },
          instructions: str,
          voice: str,
          transcriptionLanguage: str,
          knowledgeLanguage: str,
        },
        ['lines', 'instructions', 'voice', 'transcriptionLanguage', 'knowledgeLanguage'],
      ),
    ),
    greeting: str,
    voice: profileFields.voice,
    transcriber: profileFields.transcriber,
    vadThreshold: num,
    inactivity: profileFields.inactivity,
    maxDurationSec: int,
    transferTarget: nullable(str),
    outboundCallerId: nullable(str),
    afterHoursMessage: nullable(str),
    recording: obj({ enabled: bool, consentNotice: nullable(str) }),
    analysisSchema: nullable(obj({ name: str, version: str, schema: openObject })),
    timezone: str,
    phoneNumbers: arr(str),
    sipDomains: arr(str),
    applicationSids: arr(str),
    agents: arr(agentSchema),
    entryAgent: nullable(str),
    returnRequired: bool,
  },
  ['greeting', 'languages'],
);

/** A profile as its brand manages it (`AdminProfileDto`). */
export const adminProfileSchema = obj(
  {
    id: str,
    ...profileDtoSchema.properties,
    promptTemplate: str,
    companyContext: str,
    businessHours: profileFields.businessHours,
    holidays: profileFields.holidays,
    creditSeconds: int,
    voicemailMessage: nullable(str),
    clientSecretTtlSec: int,
    outboundRetry: profileFields.outboundRetry,
    createdAt: dateTime,
    updatedAt: dateTime,
  },
  ['greeting', 'languages'],
);

export const profileListResponse = answer("The brand's profiles", obj({ profiles: arr(adminProfileSchema) }));
export const adminProfileResponse = answer('The profile', adminProfileSchema);
export const profileSummaryResponse = answer(
  'The profile answering the call',
  obj({ key: str, brandId: str, name: str }),
);
export const profileDtoResponse = answer('The profile', profileDtoSchema);

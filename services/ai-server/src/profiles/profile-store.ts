import type {
  BotProfileDto,
  BotProfileSummary,
  InactivityConfig,
  ProfileLanguageDto,
  ProfileLookupQuery,
  RecordingConfig,
  TranscriberConfig,
  VoiceConfig,
} from '@switchboard/service-kit/clients/ai-server';
import {
  type BotProfile,
  Prisma,
  type PrismaClient,
  type ProfileAddress,
} from '../../generated/prisma/client.ts';
import { AiErrors } from '../errors.ts';
import {
  type Holiday,
  isValidTimezone,
  validateSchedule,
  type WeeklyHours,
} from '../prompts/business-hours.ts';
import { unknownPlaceholders } from '../prompts/system-prompt.ts';
import {
  type AgentInput,
  agentGraphOf,
  agentGraphProblems,
  CALL_BUILTIN_TOOLS,
  mergedGraph,
  NO_AGENTS,
} from './agent-graph.ts';
import { analysisSchemaOf, strictSchemaProblem } from './analysis-schema-check.ts';
import { languageColumns, languageProblems, languagesOf } from './profile-languages.ts';
import { currentVoice } from './stored-voice.ts';
import { transcriberProblems, voiceProblems } from './voice-schema.ts';

export type AddressKind = 'phone' | 'sip_domain' | 'application_sid';

/** Profile fields as the admin API accepts them (all optional on update). */
export interface ProfileInput {
  key?: string;
  name?: string;
  language?: string;
  /** The languages served, the first one first; an empty list: `language` alone. */
  languages?: ProfileLanguageDto[];
  greeting?: string | null;
  promptTemplate?: string;
  companyContext?: string;
  voice?: VoiceConfig;
  transcriber?: TranscriberConfig | null;
  timezone?: string;
  businessHours?: WeeklyHours;
  holidays?: Holiday[];
  vadThreshold?: number;
  inactivity?: InactivityConfig;
  maxDurationSec?: number;
  transferTarget?: string | null;
  outboundCallerId?: string | null;
  /** Said after the beep when an outbound call reaches an answering machine; null: hang up. */
  voicemailMessage?: string | null;
  /** Said when the AI agent cannot take calls and no transfer target is set; null: the platform's apology. */
  afterHoursMessage?: string | null;
  /** Busy and no-answer outbound calls are tried again: `attempts` in all, waiting `backoffSec`, doubling. */
  outboundRetry?: OutboundRetry | null;
  /** Call recording with its consent notice; null turns it off. */
  recording?: { enabled: boolean; consentNotice?: string | null } | null;
  /** Lifetime of the Realtime client secrets minted for apps, 10–7200 s. */
  clientSecretTtlSec?: number;
  /** The JSON Schema post-call analysis answers with; null: the default schema. */
  analysisSchema?: Record<string, unknown> | null;
  phoneNumbers?: string[];
  sipDomains?: string[];
  applicationSids?: string[];
  /** Specialist agents; an empty list makes the profile one agent again. */
  agents?: AgentInput[];
  entryAgent?: string | null;
  returnRequired?: boolean;
}

/** How a profile retries busy and no-answer outbound calls. */
export interface OutboundRetry {
  attempts: number;
  backoffSec: number;
}

/** A new profile: key, name, template and voice are required. */
export type CreateProfileInput = ProfileInput & {
  key: string;
  name: string;
  promptTemplate: string;
  voice: VoiceConfig;
};

/** The admin view: everything a brand configured, plus credits and timestamps. */
export interface AdminProfileDto extends BotProfileDto {
  id: string;
  promptTemplate: string;
  companyContext: string;
  businessHours: WeeklyHours;
  holidays: Holiday[];
  creditSeconds: number;
  voicemailMessage: string | null;
  clientSecretTtlSec: number;
  outboundRetry: OutboundRetry | null;
  createdAt: string;
  updatedAt: string;
}

type ProfileRow = BotProfile & { addresses: ProfileAddress[] };

/** Ask "are you still there?" after 30 s of silence, end 30 s later (the product default). */
export const DEFAULT_INACTIVITY: InactivityConfig = { promptAfterSec: 30, endAfterSec: 30 };

/** The call-path view of a profile. */
export function toProfileDto(p: ProfileRow): BotProfileDto {
  const of = (kind: AddressKind) =>
    p.addresses
      .filter((a) => a.kind === kind)
      .map((a) => a.value)
      .sort();
  return {
    key: p.key,
    brandId: p.brandId,
    name: p.name,
    language: p.language,
    ...(languagesOf(p.languages) ? { languages: languagesOf(p.languages) } : {}),
    ...(p.greeting ? { greeting: p.greeting } : {}),
    voice: currentVoice(p.voice),
    transcriber: (p.transcriber as unknown as TranscriberConfig | null) ?? null,
    vadThreshold: p.vadThreshold,
    inactivity: p.inactivity as unknown as InactivityConfig,
    maxDurationSec: p.maxDurationSec,
    transferTarget: p.transferTarget,
    outboundCallerId: p.outboundCallerId,
    afterHoursMessage: p.afterHoursMessage,
    timezone: p.timezone,
    phoneNumbers: of('phone'),
    sipDomains: of('sip_domain'),
    applicationSids: of('application_sid'),
    recording: recordingOf(p.recording),
    analysisSchema: analysisSchemaOf(p.key, p.analysisSchema),
    ...agentGraphOf(p.agents),
  };
}

/** The stored recording setting, off when unset. */
function recordingOf(stored: unknown): RecordingConfig {
  const r = stored as { enabled?: unknown; consentNotice?: unknown } | null;
  return {
    enabled: r?.enabled === true,
    consentNotice: typeof r?.consentNotice === 'string' ? r.consentNotice : null,
  };
}

function recordingJson(r: NonNullable<ProfileInput['recording']>) {
  return json({ enabled: r.enabled, consentNotice: r.consentNotice ?? null });
}

export function toAdminProfileDto(p: ProfileRow): AdminProfileDto {
  return {
    id: p.id,
    ...toProfileDto(p),
    promptTemplate: p.promptTemplate,
    companyContext: p.companyContext,
    businessHours: p.businessHours as unknown as WeeklyHours,
    holidays: p.holidays as unknown as Holiday[],
    creditSeconds: p.creditSeconds,
    voicemailMessage: p.voicemailMessage,
    clientSecretTtlSec: p.clientSecretTtlSec,
    outboundRetry: (p.outboundRetry as unknown as OutboundRetry | null) ?? null,
    createdAt: p.createdAt.toISOString(),
    updatedAt: p.updatedAt.toISOString(),
  };
}

/** Checks what JSON schema can't: time zone, template placeholders, schedule, watchdog order. */
export function profileProblems(input: ProfileInput): string[] {
  const problems: string[] = [...voiceProblems(input.voice), ...transcriberProblems(input.transcriber)];
  if (input.timezone !== undefined && !isValidTimezone(input.timezone))
    problems.push('body.timezone is not a known IANA time zone');
  if (input.promptTemplate !== undefined) {
    const unknown = unknownPlaceholders(input.promptTemplate);
    if (unknown.length)
      problems.push(
        `body.promptTemplate uses unknown placeholder${unknown.length > 1 ? 's' : ''} ${unknown.map((u) => `{{${u}}}`).join(', ')}`,
      );
  }
  problems.push(...validateSchedule(input.businessHours ?? {}, input.holidays ?? []).map((p) => `body.${p}`));
  if (input.inactivity && input.inactivity.endAfterSec < input.inactivity.promptAfterSec)
    problems.push('body.inactivity.endAfterSec must be at least promptAfterSec');
  if (input.analysisSchema) {
    const problem = strictSchemaProblem(input.analysisSchema);
    if (problem) problems.push(problem);
  }
  return problems;
}

function addressesOf(input: ProfileInput): Array<{ kind: AddressKind; value: string }> | undefined {
  if (!input.phoneNumbers && !input.sipDomains && !input.applicationSids) return undefined;
  return [
    ...(input.phoneNumbers ?? []).map((value) => ({ kind: 'phone' as const, value })),
    ...(input.sipDomains ?? []).map((value) => ({ kind: 'sip_domain' as const, value: value.toLowerCase() })),
    ...(input.applicationSids ?? []).map((value) => ({ kind: 'application_sid' as const, value })),
  ];
}

const json = (v: unknown) => v as Prisma.InputJsonValue;

/** Bot profiles, always read and written within one brand except for the internal call-path reads. */
export class ProfileStore {
  constructor(private readonly prisma: PrismaClient) {}

  async create(brandId: string, input: CreateProfileInput): Promise<ProfileRow> {
    const graph = mergedGraph(NO_AGENTS, input);
    const problems = [
      ...profileProblems(input),
      ...languageProblems(input.languages, input.voice),
      ...agentGraphProblems(graph, new Set(CALL_BUILTIN_TOOLS)),
    ];
    const langs = languageColumns(input, undefined);
    if (typeof langs === 'string') problems.push(langs);
    if (problems.length || typeof langs === 'string')
      throw AiErrors.invalidProfile(problems[0]!, { problems });
    const addresses = addressesOf(input) ?? [];
    return this.write(async (tx) => {
      // Keys are the brand's own names: only the brand's own profiles can clash (nothing is said about others').
      if (await tx.botProfile.findFirst({ where: { brandId, key: input.key }, select: { id: true } }))
        throw AiErrors.profileKeyTaken(`this brand already has a profile with key ${input.key}`);
      await assertAddressesFree(tx, addresses);
      const created = await tx.botProfile.create({
        data: {
          brandId,
          key: input.key,
          name: input.name,
          language: langs.language ?? input.language ?? 'en-US',
          greeting: langs.greeting ?? input.greeting ?? null,
          ...(langs.languages ? { languages: json(langs.languages) } : {}),
          promptTemplate: input.promptTemplate,
          companyContext: input.companyContext ?? '',
          voice: json(input.voice),
          transcriber: input.transcriber ? json(input.transcriber) : Prisma.DbNull,
          timezone: input.timezone ?? 'UTC',
          businessHours: json(input.businessHours ?? {}),
          holidays: json(input.holidays ?? []),
          // High for phone lines, so background noise does not barge in; a profile may lower it.
          vadThreshold: input.vadThreshold ?? 0.9,
          inactivity: json(input.inactivity ?? DEFAULT_INACTIVITY),
          maxDurationSec: input.maxDurationSec ?? 1800,
          transferTarget: input.transferTarget ?? null,
          outboundCallerId: input.outboundCallerId ?? null,
          voicemailMessage: input.voicemailMessage ?? null,
          afterHoursMessage: input.afterHoursMessage ?? null,
          ...(input.clientSecretTtlSec !== undefined ? { clientSecretTtlSec: input.clientSecretTtlSec } : {}),
          ...(input.analysisSchema ? { analysisSchema: json(input.analysisSchema) } : {}),
          ...(input.outboundRetry ? { outboundRetry: json(input.outboundRetry) } : {}),
          ...(input.recording ? { recording: recordingJson(input.recording) } : {}),
          ...(graph.agents.length ? { agents: json(graph) } : {}),
          addresses: { create: addresses },
        },
        include: { addresses: true },
      });
      return created;
    });
  }

  async update(brandId: string, key: string, patch: ProfileInput): Promise<ProfileRow> {
    const problems = profileProblems(patch);
    if (problems.length) throw AiErrors.invalidProfile(problems[0]!, { problems });
    return this.write(async (tx) => {
      const existing = await tx.botProfile.findFirst({
        where: { key, brandId },
        include: { addresses: true },
      });
      if (!existing) throw AiErrors.profileNotFound(`no profile ${key}`);
      const langs = checkedLanguages(existing, patch);
      const graph = await this.checkedGraph(tx, existing, patch);
      // Addresses are replaced per kind: a patch naming only phoneNumbers keeps the SIP domains.
      const given = addressesOf(patch);
      if (given) {
        const kinds = new Set<AddressKind>([
          ...(patch.phoneNumbers ? (['phone'] as const) : []),
          ...(patch.sipDomains ? (['sip_domain'] as const) : []),
          ...(patch.applicationSids ? (['application_sid'] as const) : []),
        ]);
        await assertAddressesFree(tx, given, existing.id);
        await tx.profileAddress.deleteMany({ where: { profileId: existing.id, kind: { in: [...kinds] } } });
        if (given.length)
          await tx.profileAddress.createMany({ data: given.map((a) => ({ ...a, profileId: existing.id })) });
      }
      const data: Prisma.BotProfileUpdateInput = {};
      if (patch.name !== undefined) data.name = patch.name;
      if (patch.language !== undefined) data.language = patch.language;
      if (patch.greeting !== undefined) data.greeting = patch.greeting;
      if (patch.promptTemplate !== undefined) data.promptTemplate = patch.promptTemplate;
      if (patch.companyContext !== undefined) data.companyContext = patch.companyContext;
      if (patch.voice !== undefined) data.voice = json(patch.voice);
      if (patch.transcriber !== undefined)
        data.transcriber = patch.transcriber ? json(patch.transcriber) : Prisma.DbNull;
      if (patch.timezone !== undefined) data.timezone = patch.timezone;
      if (patch.businessHours !== undefined) data.businessHours = json(patch.businessHours);
      if (patch.holidays !== undefined) data.holidays = json(patch.holidays);
      if (patch.vadThreshold !== undefined) data.vadThreshold = patch.vadThreshold;
      if (patch.inactivity !== undefined) data.inactivity = json(patch.inactivity);
      if (patch.maxDurationSec !== undefined) data.maxDurationSec = patch.maxDurationSec;
      if (patch.transferTarget !== undefined) data.transferTarget = patch.transferTarget;
      if (patch.outboundCallerId !== undefined) data.outboundCallerId = patch.outboundCallerId;
      if (patch.voicemailMessage !== undefined) data.voicemailMessage = patch.voicemailMessage;
      if (patch.afterHoursMessage !== undefined) data.afterHoursMessage = patch.afterHoursMessage;
      if (patch.clientSecretTtlSec !== undefined) data.clientSecretTtlSec = patch.clientSecretTtlSec;
      if (patch.analysisSchema !== undefined)
        data.analysisSchema = patch.analysisSchema ? json(patch.analysisSchema) : Prisma.DbNull;
      if (patch.recording !== undefined)
        data.recording = patch.recording ? recordingJson(patch.recording) : Prisma.DbNull;
      if (patch.outboundRetry !== undefined)
        data.outboundRetry = patch.outboundRetry ? json(patch.outboundRetry) : Prisma.DbNull;
      if (graph) data.agents = graph.agents.length ? json(graph) : Prisma.DbNull;
      if (langs.languages !== undefined)
        data.languages = langs.languages ? json(langs.languages) : Prisma.DbNull;
      if (langs.language !== undefined) data.language = langs.language;
      if (langs.greeting !== undefined) data.greeting = langs.greeting;
      return tx.botProfile.update({ where: { id: existing.id }, data, include: { addresses: true } });
    });
  }

  list(brandId: string): Promise<ProfileRow[]> {
    return this.prisma.botProfile.findMany({
      where: { brandId },
      include: { addresses: true },
      orderBy: { key: 'asc' },
    });
  }

  /** One of the brand's profiles; PROFILE_NOT_FOUND for another brand's (existence is not revealed). */
  async getForBrand(brandId: string, key: string): Promise<ProfileRow> {
    const p = await this.prisma.botProfile.findFirst({
      where: { key, brandId },
      include: { addresses: true },
    });
    if (!p) throw AiErrors.profileNotFound(`no profile ${key}`);
    return p;
  }

  async delete(brandId: string, key: string): Promise<void> {
    const { count } = await this.prisma.botProfile.deleteMany({ where: { key, brandId } });
    if (!count) throw AiErrors.profileNotFound(`no profile ${key}`);
  }

  /**
   * Any brand's profile by call-path reference (behind the service token): `<brandId>:<key>`, or a bare
   * key that only one brand uses (PROFILE_KEY_AMBIGUOUS when several do).
   */
  async getByRef(ref: string): Promise<ProfileRow> {
    const qualified = /^([0-9a-f-]{36}):(.+)$/.exec(ref);
    const rows = await this.prisma.botProfile.findMany({
      where: qualified ? { brandId: qualified[1]!, key: qualified[2]! } : { key: ref },
      include: { addresses: true },
      take: 2,
    });
    if (!rows.length) throw AiErrors.profileNotFound(`no profile ${ref}`);
    if (rows.length > 1)
      throw AiErrors.profileKeyAmbiguous(`several brands use profile key ${ref}; use <brandId>:<key>`);
    return rows[0]!;
  }

  /** The reference the call path uses for a profile: its key, brand-qualified when the key is shared. */
  async callRef(p: { brandId: string; key: string }): Promise<string> {
    const shared = await this.prisma.botProfile.count({ where: { key: p.key, NOT: { brandId: p.brandId } } });
    return shared ? `${p.brandId}:${p.key}` : p.key;
  }

  /** The profile answering a call: SIP domain first, then the dialled number, then the application SID. */
  async lookup(q: ProfileLookupQuery): Promise<BotProfileSummary | undefined> {
    const tries: Array<{ kind: AddressKind; value: string }> = [];
    if (q.sipDomain) tries.push({ kind: 'sip_domain', value: q.sipDomain.trim().toLowerCase() });
    if (q.to) {
      const sipUser = /^sips?:([^@;]+)@/i.exec(q.to.trim())?.[1];
      tries.push({ kind: 'phone', value: (sipUser ?? q.to).trim() });
    }
    if (q.applicationSid) tries.push({ kind: 'application_sid', value: q.applicationSid.trim() });
    for (const t of tries) {
      const hit = await this.prisma.profileAddress.findUnique({
        where: { kind_value: t },
        include: { profile: { select: { key: true, brandId: true, name: true } } },
      });
      if (hit) return { ...hit.profile, key: await this.callRef(hit.profile) };
    }
    return undefined;
  }

  /** The agent graph a patch leaves, checked against the profile's tools; undefined: the patch keeps it. */
  private async checkedGraph(
    tx: Prisma.TransactionClient,
    existing: BotProfile,
    patch: ProfileInput,
  ): Promise<ReturnType<typeof mergedGraph> | undefined> {
    if (patch.agents === undefined && patch.entryAgent === undefined && patch.returnRequired === undefined)
      return undefined;
    const graph = mergedGraph(agentGraphOf(existing.agents), patch);
    const own = await tx.dynamicTool.findMany({ where: { profileId: existing.id }, select: { name: true } });
    const problems = agentGraphProblems(graph, new Set([...CALL_BUILTIN_TOOLS, ...own.map((t) => t.name)]));
    if (problems.length) throw AiErrors.invalidProfile(problems[0]!, { problems });
    return graph;
  }

  private async write<T>(fn: (tx: Prisma.TransactionClient) => Promise<T>): Promise<T> {
    try {
      return await this.prisma.$transaction(fn);
    } catch (err) {
      // A concurrent writer won the race the pre-checks guard against.
      if (err instanceof Prisma.PrismaClientKnownRequestError && err.code === 'P2002')
        throw AiErrors.addressTaken('a profile key or address is already in use');
      throw err;
    }
  }
}

/** The language columns a patch leaves, its languages checked against the voice the profile will have. */
function checkedLanguages(
  existing: BotProfile,
  patch: ProfileInput,
): ReturnType<typeof languageColumns> & object {
  const stored = languagesOf(existing.languages);
  const problems =
    patch.languages !== undefined || patch.voice !== undefined
      ? languageProblems(patch.languages ?? stored, patch.voice ?? currentVoice(existing.voice))
      : [];
  const langs = languageColumns(patch, stored);
  if (typeof langs === 'string') problems.push(langs);
  if (problems.length || typeof langs === 'string') throw AiErrors.invalidProfile(problems[0]!, { problems });
  return langs;
}

async function assertAddressesFree(
  tx: Prisma.TransactionClient,
  addresses: Array<{ kind: AddressKind; value: string }>,
  ownProfileId?: string,
): Promise<void> {
  if (!addresses.length) return;
  const taken = await tx.profileAddress.findMany({
    where: {
      OR: addresses.map((a) => ({ kind: a.kind, value: a.value })),
      ...(ownProfileId ? { NOT: { profileId: ownProfileId } } : {}),
    },
    select: { kind: true, value: true },
  });
  if (taken.length) {
    const t = taken[0]!;
    const field =
      t.kind === 'phone' ? 'phoneNumbers' : t.kind === 'sip_domain' ? 'sipDomains' : 'applicationSids';
    const index = addresses.filter((a) => a.kind === t.kind).findIndex((a) => a.value === t.value);
    // The index, not the value: error messages reach logs, phone numbers must not.
    throw AiErrors.addressTaken(`body.${field}[${index}] already routes to another profile`);
  }
}

import { answer, Errors, int, nullable, obj, str } from '@switchboard/service-kit';
import type { FastifyInstance } from 'fastify';
import { newApiKey } from '../auth/api-keys.ts';
import type { Authenticator } from '../auth/authenticator.ts';
import { hashPassword, MIN_PASSWORD_LENGTH } from '../auth/passwords.ts';
import { callSidParams, externalId, isKnownTimeZone } from '../conversations/schemas.ts';
import type { ConversationService } from '../conversations/service.ts';
import { brandDto, conversationDto, staffDto } from '../domain/dto.ts';
import { brandSchema, conversationSchema, staffSchema } from '../domain/dto-schemas.ts';
import { E164_PATTERN } from '../staff/staff-phone-store.ts';
import { type AppStore, type BrandPatch, SlugTakenError, StaffExistsError } from '../store/store.ts';

export const createStaffBody = {
  type: 'object',
  additionalProperties: false,
  required: ['brandId', 'email', 'password'],
  properties: {
    brandId: externalId,
    email: { type: 'string', format: 'email', maxLength: 254 },
    password: { type: 'string', minLength: MIN_PASSWORD_LENGTH, maxLength: 200 },
    displayName: { type: 'string', minLength: 1, maxLength: 120 },
    /** The staff member's own phone (E.164), offered as "transfer to my phone" in the live monitor. */
    phone: { type: 'string', pattern: E164_PATTERN },
  },
} as const;

export const createApiKeyBody = {
  type: 'object',
  additionalProperties: false,
  required: ['brandId', 'label'],
  properties: { brandId: externalId, label: { type: 'string', minLength: 1, maxLength: 120 } },
} as const;

const staffIdParams = {
  type: 'object',
  required: ['id'],
  properties: { id: { type: 'string', pattern: '^[0-9a-f-]{36}$' } },
} as const;

const setBrandBody = {
  type: 'object',
  additionalProperties: false,
  required: ['brandId'],
  properties: { brandId: externalId },
} as const;

/** Lower-case letters, digits and inner dashes: what staff type at sign-in ("acme", "acme-eu"). */
export const brandSlug = {
  type: 'string',
  minLength: 1,
  maxLength: 63,
  pattern: '^[a-z0-9]([a-z0-9-]*[a-z0-9])?$',
} as const;

const brandIdParams = {
  type: 'object',
  required: ['brandId'],
  properties: { brandId: externalId },
} as const;

export const putBrandBody = {
  type: 'object',
  additionalProperties: false,
  properties: {
    // One schema with both types, not anyOf: under anyOf the validator coerces "" to null, so an
    // empty slug would silently clear the brand's slug instead of being refused.
    slug: { ...brandSlug, type: ['string', 'null'] },
    name: { type: ['string', 'null'], minLength: 1, maxLength: 120 },
    timezone: { type: ['string', 'null'], minLength: 1, maxLength: 64 },
    /** Days call recordings are kept (then deleted at Twilio); null: until staff delete them. */
    recordingRetentionDays: { type: ['integer', 'null'], minimum: 1, maximum: 3650 },
    /** Whether app-server places the brand's booked callbacks itself (through ai-server) when their window opens. */
    autoPlaceCallbacks: { type: 'boolean' },
  },
} as const;

export interface NewStaffRequest {
  brandId: string;
  email: string;
  password: string;
  displayName?: string;
  phone?: string;
}

/** Creates a staff account (shared by the admin route and the CLI). Throws 409 when it exists. */
export async function createStaffAccount(store: AppStore, input: NewStaffRequest) {
  try {
    return await store.createStaff({
      brandId: input.brandId,
      email: input.email.trim().toLowerCase(),
      displayName: input.displayName?.trim() || input.email.trim(),
      passwordHash: await hashPassword(input.password),
    });
  } catch (err) {
    if (err instanceof StaffExistsError) throw Errors.conflict(err.message);
    throw err;
  }
}

/** Operator routes behind the service token: staff accounts, brand API keys, a conversation's brand. */
export async function adminRoutes(
  app: FastifyInstance,
  opts: { store: AppStore; auth: Authenticator; service: ConversationService },
): Promise<void> {
  const { store, service } = opts;
  app.addHook('preHandler', opts.auth.requireServiceToken);

  app.post<{ Body: NewStaffRequest }>(
    '/admin/staff',
    {
      schema: {
        body: createStaffBody,
        response: {
          201: answer('Created', obj({ staff: obj({ ...staffSchema.properties, phone: nullable(str) }) })),
        },
      },
    },
    async (req, reply) => {
      const { phone, ...account } = req.body;
      const staff = await createStaffAccount(store, account);
      if (phone) await store.staffPhones().set(staff.brandId, staff.id, phone);
      return reply.status(201).send({ staff: { ...staffDto(staff), phone: phone ?? null } });
    },
  );

  app.post<{ Body: { brandId: string; label: string } }>(
    '/admin/api-keys',
    {
      schema: {
        body: createApiKeyBody,
        response: {
          201: answer(
            'Created; the full key is shown only here',
            obj({ id: str, brandId: str, label: str, key: str }),
          ),
        },
      },
    },
    async (req, reply) => {
      const made = newApiKey();
      const key = await store.createApiKey({
        id: made.id,
        brandId: req.body.brandId,
        label: req.body.label,
        secretHash: made.secretHash,
      });
      // The full key is shown once; only its hash is kept.
      return reply.status(201).send({ id: key.id, brandId: key.brandId, label: key.label, key: made.key });
    },
  );

  // Disables a staff account and ends its sessions (their cookies and live streams stop at once).
  app.post<{ Params: { id: string } }>(
    '/admin/staff/:id/disable',
    {
      schema: {
        params: staffIdParams,
        response: { 200: answer('Disabled; its sessions are ended', obj({ staff: staffSchema })) },
      },
    },
    async (req) => {
      const staff = await opts.auth.disableStaff(req.params.id);
      if (!staff) throw Errors.notFound('no such staff account');
      return { staff: staffDto(staff) };
    },
  );

  // A brand's sign-in slug, display name and time zone (ids stay as voice-server and the API use them).
  app.put<{
    Params: { brandId: string };
    Body: BrandPatch & { recordingRetentionDays?: number | null; autoPlaceCallbacks?: boolean };
  }>(
    '/admin/brands/:brandId',
    {
      schema: {
        params: brandIdParams,
        body: putBrandBody,
        response: {
          200: answer(
            'The brand as stored',
            obj({
              brand: obj({
                ...brandSchema.properties,
                recordingRetentionDays: nullable(int),
                autoPlaceCallbacks: { type: 'boolean' },
              }),
            }),
          ),
        },
      },
    },
    async (req) => {
      const { recordingRetentionDays, autoPlaceCallbacks, ...patch } = req.body;
      const tz = patch.timezone;
      if (typeof tz === 'string' && !isKnownTimeZone(tz))
        throw Errors.badRequest('body.timezone is not a known IANA time zone');
      try {
        const brandId = req.params.brandId;
        if (recordingRetentionDays !== undefined)
          await store.recordings().setRetention(brandId, recordingRetentionDays);
        if (autoPlaceCallbacks !== undefined)
          await store.callbackPlacements().setAutoPlace(brandId, autoPlaceCallbacks);
        const brand = brandDto(await store.putBrand(brandId, patch));
        return {
          brand: {
            ...brand,
            recordingRetentionDays: await store.recordings().retentionOf(brandId),
            autoPlaceCallbacks: await store.callbackPlacements().autoPlaceOf(brandId),
          },
        };
      } catch (err) {
        if (err instanceof SlugTakenError) throw Errors.conflict('body.slug is taken by another brand');
        throw err;
      }
    },
  );

  app.put<{ Params: { callSid: string }; Body: { brandId: string } }>(
    '/admin/conversations/:callSid/brand',
    {
      schema: {
        params: callSidParams,
        body: setBrandBody,
        response: {
          200: answer('The conversation, now of that brand', obj({ conversation: conversationSchema })),
        },
      },
    },
    async (req) => ({
      conversation: conversationDto(await service.setBrand(req.params.callSid, req.body.brandId)),
    }),
  );
}

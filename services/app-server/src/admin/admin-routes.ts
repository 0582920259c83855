import { Errors } from '@switchboard/service-kit';
import type { FastifyInstance } from 'fastify';
import { newApiKey } from '../auth/api-keys.ts';
import type { Authenticator } from '../auth/authenticator.ts';
import { hashPassword, MIN_PASSWORD_LENGTH } from '../auth/passwords.ts';
import { callSidParams, externalId } from '../conversations/schemas.ts';
import type { ConversationService } from '../conversations/service.ts';
import { conversationDto, staffDto } from '../domain/dto.ts';
import { type AppStore, StaffExistsError } from '../store/store.ts';

export const createStaffBody = {
  type: 'object',
  additionalProperties: false,
  required: ['brandId', 'email', 'password'],
  properties: {
    brandId: externalId,
    email: { type: 'string', format: 'email', maxLength: 254 },
    password: { type: 'string', minLength: MIN_PASSWORD_LENGTH, maxLength: 200 },
    displayName: { type: 'string', minLength: 1, maxLength: 120 },
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

export interface NewStaffRequest {
  brandId: string;
  email: string;
  password: string;
  displayName?: string;
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
    { schema: { body: createStaffBody } },
    async (req, reply) => {
      const staff = await createStaffAccount(store, req.body);
      return reply.status(201).send({ staff: staffDto(staff) });
    },
  );

  app.post<{ Body: { brandId: string; label: string } }>(
    '/admin/api-keys',
    { schema: { body: createApiKeyBody } },
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
    { schema: { params: staffIdParams } },
    async (req) => {
      const staff = await opts.auth.disableStaff(req.params.id);
      if (!staff) throw Errors.notFound('no such staff account');
      return { staff: staffDto(staff) };
    },
  );

  app.put<{ Params: { callSid: string }; Body: { brandId: string } }>(
    '/admin/conversations/:callSid/brand',
    { schema: { params: callSidParams, body: setBrandBody } },
    async (req) => ({
      conversation: conversationDto(await service.setBrand(req.params.callSid, req.body.brandId)),
    }),
  );
}

import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import type { FeatureOptions } from '../context.ts';
import { AiErrors } from '../errors.ts';
import { E164_PATTERN, PROFILE_KEY_PATTERN } from '../profiles/profile-schema.ts';
import { adminDoc, adminScope, internalDoc, internalScope } from '../route-helpers.ts';
import { isKnownTimezone } from './calling-hours.ts';
import { doNotCallRoutes } from './do-not-call-routes.ts';
import {
  outboundCallResponse,
  outboundEventResponse,
  placedCallResponse,
  repeatedCallResponse,
} from './outbound-responses.ts';
import {
  type CreateOutboundCall,
  createOutboundCall,
  type OutboundEvent,
  outboundView,
  recordOutboundEvent,
} from './outbound-service.ts';
import { webhookRoutes } from './webhook-routes.ts';

const idParams = {
  type: 'object',
  required: ['id'],
  properties: { id: { type: 'string', pattern: '^[0-9a-f-]{36}$' } },
} as const;

const createBody = {
  type: 'object',
  additionalProperties: false,
  required: ['to', 'profileKey', 'task', 'idempotencyKey'],
  properties: {
    to: { type: 'string', pattern: E164_PATTERN, description: 'The number to call, E.164' },
    profileKey: { type: 'string', pattern: PROFILE_KEY_PATTERN },
    task: {
      type: 'string',
      minLength: 1,
      maxLength: 4000,
      description: 'What the agent should do, in words',
    },
    idempotencyKey: { type: 'string', minLength: 1, maxLength: 200 },
    context: {
      type: 'object',
      maxProperties: 50,
      additionalProperties: { type: ['string', 'number', 'boolean', 'null'], maxLength: 2000 },
    },
    outcomeSchema: { type: 'object', description: 'JSON Schema (type: object) of the outcome to record' },
    calleeTimezone: { type: 'string', maxLength: 64, description: "Overrides the number's time zone" },
  },
} as const;

const internalCreateBody = {
  ...createBody,
  required: [...createBody.required, 'brandId'],
  properties: { ...createBody.properties, brandId: { type: 'string', pattern: '^[0-9a-f-]{36}$' } },
} as const;

/** Checks what the body schema cannot, then places the call; a refusal's retry-after becomes a header. */
async function placeCall(
  ctx: FeatureOptions['ctx'],
  brandId: string,
  body: CreateOutboundCall,
  reply: FastifyReply,
): Promise<FastifyReply> {
  if (body.outcomeSchema) {
    const problem = ctx.tools.schemaProblem(body.outcomeSchema);
    if (problem) throw AiErrors.invalidOutboundCall(`body.outcomeSchema ${problem}`);
  }
  const longName = Object.keys(body.context ?? {}).find((k) => k.length > 100);
  if (longName !== undefined)
    throw AiErrors.invalidOutboundCall('body.context has a name longer than 100 characters');
  if (body.calleeTimezone !== undefined && !isKnownTimezone(body.calleeTimezone))
    throw AiErrors.invalidOutboundCall('body.calleeTimezone is not a known IANA time zone');
  try {
    const { created, call } = await createOutboundCall(ctx, brandId, body);
    return reply.status(created ? 201 : 200).send(call);
  } catch (err) {
    const retryAfterSec = (err as { details?: { retryAfterSec?: unknown } }).details?.retryAfterSec;
    if (typeof retryAfterSec === 'number') reply.header('retry-after', String(retryAfterSec));
    throw err;
  }
}

const TWILIO_STATUSES = [
  'queued',
  'initiated',
  'ringing',
  'in-progress',
  'completed',
  'busy',
  'no-answer',
  'failed',
  'canceled',
];

const eventBody = {
  type: 'object',
  additionalProperties: false,
  required: ['callSid'],
  properties: {
    callSid: { type: 'string', pattern: '^CA[0-9a-fA-F]{32}$' },
    status: { type: 'string', enum: TWILIO_STATUSES },
    answeredBy: { type: 'string', maxLength: 64 },
    durationSec: { type: 'integer', minimum: 0, maximum: 86_400 },
    voicemail: { type: 'string', enum: ['left_message', 'hung_up'] },
  },
} as const;

/** Outbound calls: the brand's API (place, look up) and voice-server's reports. */
export const outboundPlugin: FastifyPluginAsync<FeatureOptions> = async (app, { ctx }) => {
  adminScope(app, ctx, (admin) => {
    doNotCallRoutes(admin, ctx);
    webhookRoutes(admin, ctx);
    admin.post<{ Body: CreateOutboundCall }>(
      '/admin/outbound-calls',
      {
        schema: {
          ...adminDoc(
            'outbound calls',
            'Place a call: the agent calls `to` with a task; answers at once with the call id (the same one again for a repeated idempotency key)',
          ),
          body: createBody,
          response: { 200: repeatedCallResponse, 201: placedCallResponse },
        },
      },
      async (req, reply) => placeCall(ctx, req.brandId, req.body, reply),
    );

    admin.get<{ Params: { id: string } }>(
      '/admin/outbound-calls/:id',
      {
        schema: {
          ...adminDoc(
            'outbound calls',
            'An outbound call: status, outcome, conversation link, outcome webhook delivery',
          ),
          params: idParams,
          response: { 200: outboundCallResponse },
        },
      },
      async (req) => {
        const call = await ctx.prisma.outboundCall.findFirst({
          where: { id: req.params.id, brandId: req.brandId },
          include: { profile: { select: { key: true } } },
        });
        if (!call) throw AiErrors.outboundCallNotFound(`no outbound call ${req.params.id}`);
        return { ...outboundView(call, ctx.outbound), webhook: await ctx.webhooks.deliveryOf(call.id) };
      },
    );
  });

  internalScope(app, ctx, (internal) => {
    internal.post<{ Body: CreateOutboundCall & { brandId: string } }>(
      '/internal/outbound-calls',
      {
        schema: {
          ...internalDoc(
            'outbound calls',
            "Place a call for a brand (app-server's booked callbacks): the same rules and answers as the brand's own route",
          ),
          body: internalCreateBody,
          response: { 200: repeatedCallResponse, 201: placedCallResponse },
        },
      },
      async (req, reply) => {
        const { brandId, ...body } = req.body;
        return placeCall(ctx, brandId, body, reply);
      },
    );
    internal.post<{ Params: { id: string }; Body: OutboundEvent }>(
      '/internal/outbound-calls/:id/events',
      {
        schema: {
          ...internalDoc(
            'call path',
            "An outbound call's news from Twilio (status, AMD verdict, voicemail); answers its profile, voicemail message and AMD verdict so far",
          ),
          params: idParams,
          body: eventBody,
          response: { 200: outboundEventResponse },
        },
      },
      async (req) => recordOutboundEvent(ctx, req.params.id, req.body),
    );
  });
};

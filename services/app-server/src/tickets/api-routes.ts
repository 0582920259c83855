import { answer, Errors, nullable, obj } from '@switchboard/service-kit';
import type { FastifyInstance } from 'fastify';
import type { Principal } from '../auth/authenticator.ts';
import { placementDto, placementSchema } from '../callbacks/placement-dto.ts';
import type { ConversationService } from '../conversations/service.ts';
import { callbackWithTicketDto, ticketDto } from '../domain/dto.ts';
import { callbackWithTicketSchema, pageOf, ticketSchema } from '../domain/dto-schemas.ts';
import {
  callbackQuerySchema,
  parseCallbackQuery,
  parseTicketQuery,
  ticketQuerySchema,
} from '../domain/queries.ts';
import {
  CALLBACK_STATUSES,
  type CallbackStatus,
  TICKET_PRIORITIES,
  TICKET_STATUSES,
} from '../domain/types.ts';
import type { AppStore, TicketPatch } from '../store/store.ts';

export interface TicketApiOptions {
  store: AppStore;
  service: ConversationService;
}

const idParams = {
  type: 'object',
  required: ['id'],
  properties: { id: { type: 'string', minLength: 1, maxLength: 64 } },
} as const;

export const ticketPatchBody = {
  type: 'object',
  additionalProperties: false,
  minProperties: 1,
  properties: {
    status: { type: 'string', enum: TICKET_STATUSES },
    priority: { type: 'string', enum: TICKET_PRIORITIES },
    assignee: { type: ['string', 'null'], minLength: 1, maxLength: 200 },
  },
} as const;

export const callbackPatchBody = {
  type: 'object',
  additionalProperties: false,
  required: ['status'],
  properties: { status: { type: 'string', enum: CALLBACK_STATUSES } },
} as const;

/** Staff JSON API for tickets and callbacks; every route is scoped to the principal's brand. */
export async function ticketApiRoutes(app: FastifyInstance, opts: TicketApiOptions): Promise<void> {
  const { store, service } = opts;
  const brandOf = (req: { principal?: Principal }): string => req.principal!.brandId;

  const ticketDoc = { 200: answer('The ticket, with its callback', ticketSchema) };
  const callbackDoc = { 200: answer('The callback, with its ticket', callbackWithTicketSchema) };
  const ticketsDoc = {
    querystring: ticketQuerySchema,
    response: { 200: answer('A page of tickets, newest first', pageOf(ticketSchema)) },
  };
  app.get('/api/tickets', { schema: ticketsDoc }, async (req) => {
    const page = await store.listTickets(
      brandOf(req),
      parseTicketQuery(req.query as Record<string, unknown>),
    );
    return { items: page.items.map(ticketDto), nextCursor: page.nextCursor };
  });

  app.get<{ Params: { id: string } }>(
    '/api/tickets/:id',
    { schema: { params: idParams, response: ticketDoc } },
    async (req) => {
      const ticket = await store.getTicket(brandOf(req), req.params.id);
      if (!ticket) throw Errors.notFound('no such ticket');
      return ticketDto(ticket);
    },
  );

  app.patch<{ Params: { id: string }; Body: TicketPatch }>(
    '/api/tickets/:id',
    { schema: { params: idParams, body: ticketPatchBody, response: ticketDoc } },
    async (req) => ticketDto(await service.updateTicket(brandOf(req), req.params.id, req.body)),
  );

  const callbackWithPlacement = obj({
    ...callbackWithTicketSchema.properties,
    placement: nullable(placementSchema),
  });
  const callbacksDoc = {
    querystring: callbackQuerySchema,
    response: {
      200: answer(
        "A page of callbacks, soonest first, each with its placement when app-server placed it itself (the brand's autoPlaceCallbacks)",
        pageOf(callbackWithPlacement),
      ),
    },
  };
  app.get('/api/callbacks', { schema: callbacksDoc }, async (req) => {
    const page = await store.listCallbacks(
      brandOf(req),
      parseCallbackQuery(req.query as Record<string, unknown>),
    );
    const placements = await store.callbackPlacements().forCallbacks(page.items.map((c) => c.id));
    return {
      items: page.items.map((c) => {
        const placement = placements.get(c.id);
        return { ...callbackWithTicketDto(c), placement: placement ? placementDto(placement) : null };
      }),
      nextCursor: page.nextCursor,
    };
  });

  app.get<{ Params: { id: string } }>(
    '/api/callbacks/:id',
    {
      schema: {
        params: idParams,
        response: {
          200: answer(
            "The callback, with its ticket and, when app-server placed it itself (the brand's autoPlaceCallbacks), the outbound call",
            callbackWithPlacement,
          ),
        },
      },
    },
    async (req) => {
      const callback = await store.getCallback(brandOf(req), req.params.id);
      if (!callback) throw Errors.notFound('no such callback');
      const placement = await store.callbackPlacements().forCallback(callback.id);
      return { ...callbackWithTicketDto(callback), placement: placement ? placementDto(placement) : null };
    },
  );

  app.patch<{ Params: { id: string }; Body: { status: CallbackStatus } }>(
    '/api/callbacks/:id',
    { schema: { params: idParams, body: callbackPatchBody, response: callbackDoc } },
    async (req) =>
      callbackWithTicketDto(await service.updateCallbackStatus(brandOf(req), req.params.id, req.body.status)),
  );
}

import { answer, arr, Errors, nullable, obj } from '@switchboard/service-kit';
import type { FastifyInstance } from 'fastify';
import type { Principal } from '../auth/authenticator.ts';
import { conversationDto, conversationSummaryDto, messageDto, ticketDto } from '../domain/dto.ts';
import {
  conversationSchema,
  conversationSummarySchema,
  messageSchema,
  pageOf,
  recordingSchema,
  ticketSchema,
} from '../domain/dto-schemas.ts';
import { conversationQuerySchema, parseConversationQuery } from '../domain/queries.ts';
import { followLive, type LiveDeps } from '../live/follow.ts';
import type { LiveEvent } from '../live/hub.ts';
import type { SseStream } from '../live/sse.ts';
import { type RecordingService, recordingDto } from '../recordings/recording-service.ts';
import type { AppStore } from '../store/store.ts';

export interface ConversationApiOptions {
  store: AppStore;
  live: LiveDeps;
  /** The conversation's recording joins its detail when given. */
  recordings?: RecordingService;
}

const idParams = {
  type: 'object',
  required: ['id'],
  properties: { id: { type: 'string', minLength: 1, maxLength: 64 } },
} as const;

/** Live streams take the id to catch up from as Last-Event-ID, or as this parameter. */
export const liveQuery = {
  type: 'object',
  properties: { lastEventId: { type: 'string', description: 'the id of the last event received' } },
} as const;

/** A live event as the JSON API streams it. */
export function sendApiEvent(stream: SseStream, e: LiveEvent): void {
  if (e.type === 'conversation')
    stream.send('conversation', { conversation: conversationDto(e.conversation) }, e.id);
  else if (e.type === 'message')
    stream.send('message', { conversationId: e.conversation.id, message: messageDto(e.message) }, e.id);
  else if (e.type === 'ticket')
    stream.send('ticket', { conversationId: e.conversation.id, ticket: ticketDto(e.ticket) }, e.id);
  // Audio levels are the staff monitor's; the API's streams do not carry them.
}

/** A Last-Event-ID older than what is kept: the client should fetch afresh. */
async function sendReset(stream: SseStream, reason: 'new' | 'gone'): Promise<void> {
  if (reason === 'gone')
    stream.send('reset', { reason: 'the changes since Last-Event-ID are no longer kept' });
}

/** Staff JSON API for conversations; every route is scoped to the principal's brand. */
export async function conversationApiRoutes(
  app: FastifyInstance,
  opts: ConversationApiOptions,
): Promise<void> {
  const { store, live } = opts;
  const principal = (req: { principal?: Principal }): Principal => req.principal!;

  const listDoc = {
    querystring: conversationQuerySchema,
    response: { 200: answer('A page of conversations, newest first', pageOf(conversationSummarySchema)) },
  };
  app.get('/api/conversations', { schema: listDoc }, async (req) => {
    const filter = parseConversationQuery(req.query as Record<string, unknown>);
    const page = await store.listConversations(principal(req).brandId, filter);
    return { items: page.items.map(conversationSummaryDto), nextCursor: page.nextCursor };
  });

  app.get<{ Params: { id: string } }>(
    '/api/conversations/:id',
    {
      schema: {
        params: idParams,
        response: {
          200: answer(
            'The conversation, its transcript in order and its tickets, oldest first',
            obj(
              {
                conversation: conversationSchema,
                messages: arr(messageSchema),
                tickets: arr(ticketSchema),
                recording: nullable(recordingSchema),
              },
              ['recording'],
            ),
          ),
        },
      },
    },
    async (req) => {
      const brandId = principal(req).brandId;
      const conversation = await store.getConversation(brandId, req.params.id);
      if (!conversation) throw Errors.notFound('no such conversation');
      const [messages, tickets, recording] = await Promise.all([
        store.listMessages(conversation.id),
        store.listTickets(brandId, { conversationId: conversation.id, limit: 1000 }),
        opts.recordings?.forConversation(conversation.id) ?? null,
      ]);
      return {
        conversation: conversationDto(conversation),
        recording: recordingDto(conversation.id, recording),
        messages: messages.map(messageDto),
        tickets: tickets.items.map(ticketDto).reverse(),
      };
    },
  );

  app.get<{ Params: { id: string } }>(
    '/api/conversations/:id/events',
    { schema: { params: idParams, querystring: liveQuery } },
    async (req, reply) => {
      const brandId = principal(req).brandId;
      const conversation = await store.getConversation(brandId, req.params.id);
      if (!conversation) throw Errors.notFound('no such conversation');
      await followLive(req, reply, live, {
        scope: { conversationId: conversation.id },
        brandId,
        send: sendApiEvent,
        start: sendReset,
      });
    },
  );

  app.get('/api/events', { schema: { querystring: liveQuery } }, async (req, reply) => {
    const brandId = principal(req).brandId;
    await followLive(req, reply, live, { scope: { brandId }, brandId, send: sendApiEvent, start: sendReset });
  });
}

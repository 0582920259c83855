import { Errors } from '@switchboard/service-kit';
import type { FastifyInstance } from 'fastify';
import type { Principal } from '../auth/authenticator.ts';
import { conversationDto, conversationSummaryDto, messageDto, ticketDto } from '../domain/dto.ts';
import { conversationQuerySchema, parseConversationQuery } from '../domain/queries.ts';
import type { LiveEvent, LiveHub } from '../live/hub.ts';
import { openSse, type SseRegistry, type SseStream } from '../live/sse.ts';
import type { AppStore } from '../store/store.ts';

export interface ConversationApiOptions {
  store: AppStore;
  hub: LiveHub;
  sse: SseRegistry;
}

const idParams = {
  type: 'object',
  required: ['id'],
  properties: { id: { type: 'string', minLength: 1, maxLength: 64 } },
} as const;

/** A live event as the JSON API streams it. */
export function sendApiEvent(stream: SseStream, e: LiveEvent): void {
  if (e.type === 'conversation')
    stream.send('conversation', { conversation: conversationDto(e.conversation) });
  else if (e.type === 'message')
    stream.send('message', { conversationId: e.conversation.id, message: messageDto(e.message) });
  else stream.send('ticket', { conversationId: e.conversation.id, ticket: ticketDto(e.ticket) });
}

/** Staff JSON API for conversations; every route is scoped to the principal's brand. */
export async function conversationApiRoutes(
  app: FastifyInstance,
  opts: ConversationApiOptions,
): Promise<void> {
  const { store, hub, sse } = opts;
  const principal = (req: { principal?: Principal }): Principal => req.principal!;

  app.get('/api/conversations', { schema: { querystring: conversationQuerySchema } }, async (req) => {
    const filter = parseConversationQuery(req.query as Record<string, unknown>);
    const page = await store.listConversations(principal(req).brandId, filter);
    return { items: page.items.map(conversationSummaryDto), nextCursor: page.nextCursor };
  });

  app.get<{ Params: { id: string } }>(
    '/api/conversations/:id',
    { schema: { params: idParams } },
    async (req) => {
      const brandId = principal(req).brandId;
      const conversation = await store.getConversation(brandId, req.params.id);
      if (!conversation) throw Errors.notFound('no such conversation');
      const [messages, tickets] = await Promise.all([
        store.listMessages(conversation.id),
        store.listTickets(brandId, { conversationId: conversation.id, limit: 1000 }),
      ]);
      return {
        conversation: conversationDto(conversation),
        messages: messages.map(messageDto),
        tickets: tickets.items.map(ticketDto).reverse(),
      };
    },
  );

  app.get<{ Params: { id: string } }>(
    '/api/conversations/:id/events',
    { schema: { params: idParams } },
    async (req, reply) => {
      const conversation = await store.getConversation(principal(req).brandId, req.params.id);
      if (!conversation) throw Errors.notFound('no such conversation');
      const stream = openSse(req, reply, sse);
      const brandId = principal(req).brandId;
      const off = hub.subscribeConversation(conversation.id, (e) => {
        // A conversation moved to another brand stops streaming to this one.
        if (e.conversation.brandId === brandId) sendApiEvent(stream, e);
      });
      void stream.closed.then(off);
    },
  );

  app.get('/api/events', async (req, reply) => {
    const stream = openSse(req, reply, sse);
    const off = hub.subscribeBrand(principal(req).brandId, (e) => sendApiEvent(stream, e));
    void stream.closed.then(off);
  });
}

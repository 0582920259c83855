import { answer, bool, Errors, int, obj, oneOf, str } from '@switchboard/service-kit';
import {
  APP_SERVER_PATHS,
  type CallbackTicketCreated,
  type CallbackTicketInput,
  type CallLevels,
  type ConversationEnd,
  type ConversationStart,
  type HandoffTicketCreated,
  type HandoffTicketInput,
  type TranscriptMessage,
} from '@switchboard/service-kit/clients/app-server';
import type { FastifyInstance, preHandlerHookHandler } from 'fastify';
import { CONVERSATION_STATUSES } from '../domain/types.ts';
import type { AppMetrics } from '../metrics.ts';
import {
  appendMessagesBody,
  callbackTicketBody,
  callLevelsBody,
  callSidParams,
  conversationEndBody,
  conversationStartBody,
  handoffTicketBody,
  isKnownTimeZone,
} from './schemas.ts';
import type { ConversationService } from './service.ts';

export interface InternalRoutesOptions {
  service: ConversationService;
  /** Admits only the service token. */
  requireService: preHandlerHookHandler;
  /** Counts and times message ingest. */
  metrics?: AppMetrics;
}

type CallSidParams = { callSid: string };

const started = obj({ conversationId: str, created: bool });
const handoff = obj({ ticketId: str });
const callback = obj({ ticketId: str, callbackId: str });

/** voice-server's routes: start, transcript sync, end, tickets. All idempotent. */
export async function internalRoutes(app: FastifyInstance, opts: InternalRoutesOptions): Promise<void> {
  const { service } = opts;
  app.addHook('preHandler', opts.requireService);

  app.post<{ Body: ConversationStart }>(
    APP_SERVER_PATHS.conversations,
    {
      schema: {
        body: conversationStartBody,
        response: {
          200: answer('Already known (a repeated start changes nothing)', started),
          201: answer('Started', started),
        },
      },
    },
    async (req, reply) => {
      const { conversation, created } = await service.start(req.body);
      return reply.status(created ? 201 : 200).send({ conversationId: conversation.id, created });
    },
  );

  app.post<{ Params: CallSidParams; Body: { messages: TranscriptMessage[] } }>(
    '/internal/conversations/:callSid/messages',
    {
      // Transcripts are third-party text: repaired and noted on the message, never refused for it.
      config: { textPolicy: 'sanitize', jsonOverDepth: 'replace', jsonMaxDepth: 40 },
      schema: {
        params: callSidParams,
        body: appendMessagesBody,
        response: {
          200: answer('Messages stored (repeats by sequence are kept once)', obj({ stored: int })),
        },
      },
    },
    async (req) => {
      const startedAt = performance.now();
      const stored = await service.appendMessages(req.params.callSid, req.body.messages, req.textRepairs);
      if (opts.metrics) {
        for (const m of stored) opts.metrics.messagesIngested.inc({ role: m.role });
        opts.metrics.ingestLatency.observe((performance.now() - startedAt) / 1000);
      }
      return { stored: stored.length };
    },
  );

  // A live call's audio levels for the staff monitor, about once a second; passed on, not stored.
  app.post<{ Params: CallSidParams; Body: CallLevels }>(
    '/internal/conversations/:callSid/levels',
    {
      schema: {
        params: callSidParams,
        body: callLevelsBody,
        response: {
          200: answer(
            'Passed on to the views following the call; live: false once the call is over',
            obj({ live: bool }),
          ),
        },
      },
    },
    async (req) => ({ live: await service.levels(req.params.callSid, req.body) }),
  );

  app.post<{ Params: CallSidParams; Body: ConversationEnd }>(
    '/internal/conversations/:callSid/end',
    {
      schema: {
        params: callSidParams,
        body: conversationEndBody,
        response: {
          200: answer(
            'Ended (a repeated end changes nothing)',
            obj({ conversationId: str, status: oneOf(...CONVERSATION_STATUSES) }),
          ),
        },
      },
    },
    async (req) => {
      const c = await service.end(req.params.callSid, req.body);
      return { conversationId: c.id, status: c.status };
    },
  );

  app.post<{ Params: CallSidParams; Body: HandoffTicketInput }>(
    '/internal/conversations/:callSid/tickets/handoff',
    {
      schema: {
        params: callSidParams,
        body: handoffTicketBody,
        response: {
          200: answer('The ticket this idempotency key created before', handoff),
          201: answer('Created', handoff),
        },
      },
    },
    async (req, reply) => {
      const { ticket, created } = await service.createHandoffTicket(req.params.callSid, req.body);
      const body: HandoffTicketCreated = { ticketId: ticket.id };
      return reply.status(created ? 201 : 200).send(body);
    },
  );

  app.post<{ Params: CallSidParams; Body: CallbackTicketInput }>(
    '/internal/conversations/:callSid/tickets/callback',
    {
      schema: {
        params: callSidParams,
        body: callbackTicketBody,
        response: {
          200: answer('The callback this idempotency key created before', callback),
          201: answer('Created', callback),
        },
      },
    },
    async (req, reply) => {
      const b = req.body;
      if (!isKnownTimeZone(b.timezone))
        throw Errors.badRequest('body.timezone is not a known IANA time zone');
      if (b.windowStart && b.windowEnd && Date.parse(b.windowEnd) < Date.parse(b.windowStart))
        throw Errors.badRequest('body.windowEnd must not be before body.windowStart');
      const { ticket, created } = await service.createCallbackTicket(req.params.callSid, b);
      const body: CallbackTicketCreated = { ticketId: ticket.id, callbackId: ticket.callback!.id };
      return reply.status(created ? 201 : 200).send(body);
    },
  );
}

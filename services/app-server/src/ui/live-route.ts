import type { FastifyReply, FastifyRequest } from 'fastify';
import { analysisPanel } from '../analysis/pages.ts';
import type { Conversation } from '../domain/types.ts';
import { followLive, type LiveDeps } from '../live/follow.ts';
import type { LiveEvent } from '../live/hub.ts';
import type { SseStream } from '../live/sse.ts';
import { monitorPanel } from '../monitor/views.ts';
import type { AppStore } from '../store/store.ts';
import { distinctToolCalls, figuresPanel } from './figures.ts';
import { messageItem } from './turn.ts';
import { callHeader, markerItem, markerOrder, ticketsPanel, transcriptEntries } from './views.ts';

/** Figures are re-rendered at most this often while turns arrive. */
const FIGURES_EVERY_MS = 250;

export interface LiveConversationOptions {
  store: AppStore;
  live: LiveDeps;
  conversation: Conversation;
  /** The reader's brand (the stream closes if the conversation leaves it). */
  brandId: string;
  /** The zone when the call reported none. */
  brandZone: string;
  opikUiUrl: string | undefined;
  /** Whether post-call analysis is on (the analysis panel says so when it is not). */
  analysisEnabled: boolean;
  /** The reader's own phone, offered as a transfer target in the monitor. */
  myPhone?: string | null;
}

/**
 * The conversation page's event stream: rendered (and escaped) fragments the page script places.
 * `item` upserts a transcript item by id and order, `replace` swaps an element. A first connect gets
 * the whole current state; a reconnect with Last-Event-ID gets only what changed since.
 */
export async function liveConversationRoute(
  req: FastifyRequest,
  reply: FastifyReply,
  o: LiveConversationOptions,
): Promise<void> {
  const { store } = o;
  const id = o.conversation.id;
  const zone = o.conversation.timezone ?? o.brandZone;
  const self = `/conversations/${id}`;
  const ticketsOf = async () =>
    (await store.listTickets(o.brandId, { conversationId: id, limit: 1000 })).items.reverse();

  let figuresTimer: NodeJS.Timeout | undefined;
  const sendFigures = async (stream: SseStream) => {
    const [c, messages] = await Promise.all([store.getConversation(o.brandId, id), store.listMessages(id)]);
    if (c) stream.send('replace', { id: 'call-figures', html: figuresPanel(c, messages).value });
  };
  const figuresSoon = (stream: SseStream) => {
    figuresTimer ??= setTimeout(() => {
      figuresTimer = undefined;
      sendFigures(stream).catch((err) => req.log.warn({ err }, 'live figures failed'));
    }, FIGURES_EVERY_MS);
  };

  const sendAnalysis = async (stream: SseStream, c: Conversation) => {
    const analysis = await store.analyses().get(id);
    const panel = analysisPanel({ conversation: c, analysis, enabled: o.analysisEnabled, timeZone: zone });
    stream.send('replace', { id: 'call-analysis', html: panel.value });
  };

  const send = async (stream: SseStream, e: LiveEvent) => {
    if (e.type === 'message') {
      const m = e.message;
      if ((m.role === 'tool' || m.toolName !== null) && m.itemId !== null) {
        // Each tool call once, as on the page: a call recorded again shows only its chosen record.
        const records = (await store.listMessages(id)).filter(
          (r) => (r.role === 'tool' || r.toolName !== null) && r.itemId === m.itemId,
        );
        const kept = distinctToolCalls(records)[0]?.sequence ?? m.sequence;
        for (const r of records)
          if (r.sequence !== kept && r.sequence !== m.sequence)
            stream.send('remove', { id: `msg-${r.sequence}` });
        if (kept !== m.sequence) {
          stream.send('remove', { id: `msg-${m.sequence}` }, e.id);
          figuresSoon(stream);
          return;
        }
      }
      stream.send(
        'item',
        { id: `msg-${m.sequence}`, order: m.sequence, html: messageItem(m, zone).value },
        e.id,
      );
      figuresSoon(stream);
    } else if (e.type === 'levels') {
      stream.send('levels', e.levels);
    } else if (e.type === 'conversation') {
      stream.send(
        'replace',
        { id: 'call-header', html: callHeader(e.conversation, o.opikUiUrl, zone).value },
        e.id,
      );
      stream.send('replace', {
        id: 'call-monitor',
        html: monitorPanel(e.conversation, undefined, o.myPhone).value,
      });
      await sendAnalysis(stream, e.conversation);
      figuresSoon(stream);
    } else {
      const order = markerOrder(e.ticket);
      stream.send(
        'item',
        { id: `marker-${e.ticket.id}`, order, html: markerItem(e.ticket, order, zone).value },
        e.id,
      );
      stream.send('replace', {
        id: 'tickets-panel',
        html: ticketsPanel(await ticketsOf(), self, zone, o.opikUiUrl).value,
      });
    }
  };

  const snapshot = async (stream: SseStream) => {
    const [current, messages, tickets] = await Promise.all([
      store.getConversation(o.brandId, id),
      store.listMessages(id),
      ticketsOf(),
    ]);
    if (!current) return stream.close();
    stream.send('replace', { id: 'call-header', html: callHeader(current, o.opikUiUrl, zone).value });
    stream.send('replace', { id: 'call-monitor', html: monitorPanel(current, undefined, o.myPhone).value });
    stream.send('replace', { id: 'call-figures', html: figuresPanel(current, messages).value });
    await sendAnalysis(stream, current);
    for (const e of transcriptEntries(messages, tickets, zone))
      stream.send('item', { id: e.id, order: e.order, html: e.html.value });
    stream.send('replace', {
      id: 'tickets-panel',
      html: ticketsPanel(tickets, self, zone, o.opikUiUrl).value,
    });
  };

  const stream = await followLive(req, reply, o.live, {
    scope: { conversationId: id },
    brandId: o.brandId,
    send,
    start: snapshot,
  });
  void stream.closed.then(() => clearTimeout(figuresTimer));
}

import type { FastifyReply, FastifyRequest } from 'fastify';
import type { LiveFeed, LiveScope } from './feed.ts';
import type { LiveEvent, LiveHub } from './hub.ts';
import type { LiveRelay } from './relay.ts';
import { openSse, type SseRegistry, type SseStream } from './sse.ts';

/** What every live stream needs. */
export interface LiveDeps {
  hub: LiveHub;
  relay: LiveRelay;
  feed: LiveFeed;
  sse: SseRegistry;
}

export interface FollowOptions {
  scope: LiveScope;
  /** The reader's brand: events of conversations in another brand never reach them. */
  brandId: string;
  /** Sends one event; events are sent one at a time, in order. */
  send(stream: SseStream, e: LiveEvent): Promise<void> | void;
  /** Without a Last-Event-ID to catch up from (a first connect, or one older than what is kept). */
  start?(stream: SseStream, reason: 'new' | 'gone'): Promise<void>;
}

/** The id a reconnecting stream catches up from: the Last-Event-ID header, or `?lastEventId=`. */
export function lastEventId(req: FastifyRequest): number | undefined {
  const header = req.headers['last-event-id'];
  const query = (req.query as Record<string, unknown> | undefined)?.lastEventId;
  const raw = typeof header === 'string' && header !== '' ? header : query;
  if (typeof raw !== 'string' || !/^\d{1,15}$/.test(raw)) return undefined;
  return Number(raw);
}

/**
 * Opens a live stream: subscribes first (changes meanwhile wait in a queue), then catches up from the
 * Last-Event-ID (the changes since, as they are now) or sends `start`'s snapshot, then an event
 * `ready` whose id marks where the stream stands, then the queued and later changes, each with its id.
 * A change may arrive twice around a reconnect; each carries its current state, so repeats are harmless.
 */
export async function followLive(
  req: FastifyRequest,
  reply: FastifyReply,
  deps: LiveDeps,
  o: FollowOptions,
): Promise<SseStream> {
  const since = lastEventId(req);
  const stream = openSse(req, reply, deps.sse);
  const forConversation = 'conversationId' in o.scope;
  let chain = Promise.resolve();
  const sendOne = async (e: LiveEvent) => {
    if (e.conversation.brandId !== o.brandId) {
      // A conversation moved to another brand stops streaming to this one.
      if (forConversation) stream.close();
      return;
    }
    await o.send(stream, e);
  };
  const push = (e: LiveEvent) => {
    chain = chain.then(() => sendOne(e)).catch((err) => req.log.warn({ err }, 'live update failed'));
  };
  let queue: LiveEvent[] | undefined = [];
  const listener = (e: LiveEvent) => (queue ? queue.push(e) : push(e));
  const off =
    'brandId' in o.scope
      ? deps.hub.subscribeBrand(o.scope.brandId, listener)
      : deps.hub.subscribeConversation(o.scope.conversationId, listener);
  void stream.closed.then(off);
  try {
    const mark = await deps.feed.latestId();
    const missed = since === undefined ? undefined : await deps.feed.since(o.scope, since);
    if (missed === undefined || missed === 'gone') await o.start?.(stream, missed ? 'gone' : 'new');
    else for (const e of await deps.relay.resolve(missed)) await sendOne(e);
    stream.send('ready', { lastEventId: mark, caughtUp: Array.isArray(missed) }, mark);
  } catch (err) {
    req.log.warn({ err }, 'live stream could not start');
    stream.close();
    return stream;
  }
  const pending = queue;
  queue = undefined;
  for (const e of pending) push(e);
  return stream;
}

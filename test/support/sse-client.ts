// A server-sent events reader over fetch, for following a stream from outside the process.

export interface SseEvent {
  event: string;
  id?: string;
  data: string;
}

export interface SseConnection {
  /** Events so far, in arrival order. */
  readonly events: SseEvent[];
  /** Resolves with the first event (past or future) that matches. */
  waitFor(match: (e: SseEvent) => boolean, timeoutMs?: number): Promise<SseEvent>;
  /** The id of the last event that carried one (what a browser sends back as Last-Event-ID). */
  lastEventId(): string | undefined;
  /** Drops the connection, as a network failure would. */
  drop(): void;
}

/** Opens `url` as an event stream with the given headers (cookie, Last-Event-ID). */
export async function openSse(url: string, headers: Record<string, string>): Promise<SseConnection> {
  const controller = new AbortController();
  const res = await fetch(url, {
    headers: { accept: 'text/event-stream', ...headers },
    signal: controller.signal,
  });
  if (res.status !== 200 || !res.body) throw new Error(`event stream answered ${res.status}`);
  const events: SseEvent[] = [];
  const waiters = new Set<() => void>();
  let lastId: string | undefined;
  void (async () => {
    const decoder = new TextDecoder();
    let buffer = '';
    try {
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
        buffer += decoder.decode(chunk, { stream: true });
        let end = buffer.indexOf('\n\n');
        while (end >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          end = buffer.indexOf('\n\n');
          const e: SseEvent = { event: 'message', data: '' };
          for (const line of block.split('\n')) {
            const colon = line.indexOf(':');
            if (colon <= 0) continue;
            const field = line.slice(0, colon);
            const value = line.slice(colon + 1).replace(/^ /, '');
            if (field === 'event') e.event = value;
            else if (field === 'id') e.id = value;
            else if (field === 'data') e.data += value;
          }
          if (e.id !== undefined) lastId = e.id;
          if (!e.data && e.id === undefined) continue;
          events.push(e);
          for (const w of [...waiters]) w();
        }
      }
    } catch {
      // dropped
    }
  })();
  return {
    events,
    lastEventId: () => lastId,
    drop: () => controller.abort(),
    waitFor(match, timeoutMs = 10_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const found = events.find(match);
          if (!found) return false;
          waiters.delete(check);
          clearTimeout(timer);
          resolve(found);
          return true;
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(
            new Error(
              `no matching event within ${timeoutMs} ms; got ${events.map((e) => e.event).join(', ')}`,
            ),
          );
        }, timeoutMs);
        if (!check()) waiters.add(check);
      });
    },
  };
}

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, msg, seedCall, staffCookie, startBody, startHarness } from '../testing/harness.ts';
import { type SseEvent, SseReader } from '../testing/sse-reader.ts';

// Streams carry the shared feed's ids; a stream reopened with Last-Event-ID gets what it missed.
describe('live streams catching up after a dropped connection', () => {
  let h: Harness;
  let baseUrl: string;
  let cookie: string;
  beforeAll(async () => {
    h = await startHarness({ store: 'prisma' });
    baseUrl = await h.app.listen({ host: '127.0.0.1', port: 0 });
    cookie = await staffCookie(h, 'acme');
  }, 60_000);
  afterAll(async () => h.close());

  const append = (callSid: string, messages: unknown[]) =>
    h.app.inject({
      method: 'POST',
      url: `/internal/conversations/${callSid}/messages`,
      headers: h.serviceHeaders,
      payload: { messages },
    });
  const sequences = (events: SseEvent[]) =>
    events
      .filter((e) => e.event === 'message')
      .map((e) => (e.data as { message: { sequence: number } }).message.sequence);
  const ready = (e: SseEvent) => e.event === 'ready';

  it('sends the JSON stream the messages written while it was away, in order, then live ones', async () => {
    const start = startBody();
    const id = await seedCall(h, start, [msg(1)]);
    const first = await SseReader.open(`${baseUrl}/api/conversations/${id}/events`, { cookie });
    await first.next(ready);
    await append(start.callSid, [msg(2), msg(3)]);
    await first.next((e) => sequences([e])[0] === 3);
    const last = first.events.filter((e) => e.id !== undefined).at(-1)!.id!;
    expect(first.events.filter((e) => e.event === 'message').every((e) => /^\d+$/.test(e.id ?? ''))).toBe(
      true,
    );
    first.close();

    for (let s = 4; s <= 12; s++) await append(start.callSid, [msg(s, { text: `while away ${s}` })]);
    const again = await SseReader.open(`${baseUrl}/api/conversations/${id}/events`, {
      cookie,
      'last-event-id': last,
    });
    expect((await again.next(ready)).data).toMatchObject({ caughtUp: true });
    expect(sequences(again.events).filter((s) => s > 3)).toEqual([4, 5, 6, 7, 8, 9, 10, 11, 12]);
    await append(start.callSid, [msg(13)]);
    await again.next((e) => sequences([e])[0] === 13);
    again.close();

    // The same through the query parameter (for clients that cannot set headers).
    const byQuery = await SseReader.open(`${baseUrl}/api/events?lastEventId=${last}`, { cookie });
    await byQuery.next(ready);
    expect(sequences(byQuery.events).filter((s) => s > 3)).toEqual([4, 5, 6, 7, 8, 9, 10, 11, 12, 13]);
    byQuery.close();
  });

  it('tells a JSON stream to start over when its Last-Event-ID is no longer kept, and ignores a malformed one', async () => {
    const mem = await startHarness();
    try {
      const url = await mem.app.listen({ host: '127.0.0.1', port: 0 });
      const memCookie = await staffCookie(mem, 'acme');
      const id = await seedCall(mem, startBody(), [msg(1)]);
      // More changes than the feed keeps: id 1 is long gone.
      await mem.store.liveFeed().append(
        Array.from({ length: 10_050 }, (_, i) => ({
          brandId: 'acme',
          conversationId: id,
          kind: 'message' as const,
          ref: String(1000 + i),
        })),
      );
      const stale = await SseReader.open(`${url}/api/conversations/${id}/events`, {
        cookie: memCookie,
        'last-event-id': '1',
      });
      await stale.next((e) => e.event === 'reset');
      expect((await stale.next(ready)).data).toMatchObject({ caughtUp: false });
      stale.close();
      const bad = await SseReader.open(`${url}/api/conversations/${id}/events`, {
        cookie: memCookie,
        'last-event-id': '12abc',
      });
      expect(bad.status).toBe(200);
      expect((await bad.next(ready)).data).toMatchObject({ caughtUp: false });
      expect(bad.events.some((e) => e.event === 'reset')).toBe(false);
      bad.close();
    } finally {
      await mem.close();
    }
  });

  it('sends the page stream only what changed since its Last-Event-ID, not the whole page again', async () => {
    const start = startBody();
    const id = await seedCall(h, start, [msg(1), msg(2)]);
    const first = await SseReader.open(`${baseUrl}/conversations/${id}/live`, { cookie });
    await first.next(ready);
    // A first connect gets the page's current state.
    expect(first.events.filter((e) => e.event === 'item').map((e) => (e.data as { id: string }).id)).toEqual([
      'msg-1',
      'msg-2',
    ]);
    const mark = (await first.next(ready)).id!;
    first.close();
    await append(start.callSid, [msg(3, { text: 'said while the page was offline' })]);
    const again = await SseReader.open(`${baseUrl}/conversations/${id}/live`, {
      cookie,
      'last-event-id': mark,
    });
    await again.next(ready);
    const items = again.events
      .filter((e) => e.event === 'item')
      .map((e) => e.data as { id: string; html: string });
    // msg-3, plus at most changes from the last few seconds sent again (each carries its current state).
    expect(items.map((i) => i.id)).toContain('msg-3');
    expect(items.find((i) => i.id === 'msg-3')!.html).toContain('said while the page was offline');
    // No snapshot: the tickets panel (part of every snapshot) is not sent again.
    const replaced = again.events
      .filter((e) => e.event === 'replace')
      .map((e) => (e.data as { id: string }).id);
    expect(replaced).not.toContain('tickets-panel');
    again.close();
  });
});

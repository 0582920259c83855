import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  brandKey,
  type Harness,
  msg,
  seedCall,
  staffCookie,
  startBody,
  startHarness,
} from '../testing/harness.ts';
import { type SseEvent, SseReader } from '../testing/sse-reader.ts';

describe('live updates (server-sent events)', () => {
  let h: Harness;
  let baseUrl: string;
  const readers: SseReader[] = [];
  beforeEach(async () => {
    h = await startHarness();
    baseUrl = await h.app.listen({ host: '127.0.0.1', port: 0 });
  });
  afterEach(async () => {
    for (const r of readers.splice(0)) r.close();
    await h.close();
  });

  const open = async (path: string, headers: Record<string, string>) => {
    const r = await SseReader.open(`${baseUrl}${path}`, headers);
    readers.push(r);
    return r;
  };
  const append = (callSid: string, messages: unknown[]) =>
    h.app.inject({
      method: 'POST',
      url: `/internal/conversations/${callSid}/messages`,
      headers: h.serviceHeaders,
      payload: { messages },
    });
  const isMessage = (sequence: number) => (e: SseEvent) =>
    e.event === 'message' && (e.data as { message: { sequence: number } }).message.sequence === sequence;

  it("streams a conversation's new and updated messages, tickets and its end as JSON", async () => {
    const cookie = await staffCookie(h, 'acme');
    const start = startBody();
    const id = await seedCall(h, start, [msg(1)]);
    const stream = await open(`/api/conversations/${id}/events`, { cookie });
    expect(stream.status).toBe(200);
    while (h.hub.size === 0) await new Promise((r) => setTimeout(r, 5));

    await append(start.callSid, [msg(2, { text: 'live words' })]);
    const e = await stream.next(isMessage(2));
    expect(e.data).toMatchObject({
      conversationId: id,
      message: { sequence: 2, text: 'live words', role: 'agent' },
    });

    await append(start.callSid, [msg(2, { text: 'live words, corrected' })]);
    await stream.next(
      (x) => isMessage(2)(x) && (x.data as { message: { text: string } }).message.text.endsWith('corrected'),
    );

    await h.app.inject({
      method: 'POST',
      url: `/internal/conversations/${start.callSid}/tickets/handoff`,
      headers: h.serviceHeaders,
      payload: { summary: 'help', transcriptExcerpt: '', knowledgeChunkIds: [] },
    });
    await stream.next((x) => x.event === 'ticket');
    await h.app.inject({
      method: 'POST',
      url: `/internal/conversations/${start.callSid}/end`,
      headers: h.serviceHeaders,
      payload: { endReason: 'caller_hangup', endedAt: '2026-11-21T10:02:00Z', durationSec: 120 },
    });
    const ended = await stream.next((x) => x.event === 'conversation');
    expect(ended.data).toMatchObject({ conversation: { id, status: 'ended' } });
  });

  it("a brand's stream carries its own brand's events and never another's", async () => {
    const acmeKey = await brandKey(h, 'acme');
    const globexKey = await brandKey(h, 'globex');
    const acmeStream = await open('/api/events', { authorization: acmeKey });
    const globexStream = await open('/api/events', { authorization: globexKey });
    while (h.hub.size < 2) await new Promise((r) => setTimeout(r, 5));

    const acmeCall = startBody({ brandId: 'acme' });
    await seedCall(h, acmeCall, [msg(1, { text: 'for acme only' })]);
    const globexCall = startBody({ brandId: 'globex' });
    await seedCall(h, globexCall, [msg(1, { text: 'for globex only' })]);

    await acmeStream.next((e) => JSON.stringify(e.data).includes('for acme only'));
    await globexStream.next((e) => JSON.stringify(e.data).includes('for globex only'));
    expect(JSON.stringify(acmeStream.events)).not.toContain('globex');
    expect(JSON.stringify(globexStream.events)).not.toContain('for acme only');
    expect(JSON.stringify(globexStream.events)).not.toContain(acmeCall.callSid);
  });

  it('the UI stream sends a snapshot, then each new turn as escaped markup', async () => {
    const cookie = await staffCookie(h, 'acme');
    const start = startBody();
    const id = await seedCall(h, start, [msg(1, { text: 'already there' })]);
    const stream = await open(`/conversations/${id}/live`, { cookie });
    expect(stream.status).toBe(200);
    await stream.next((e) => e.event === 'replace' && (e.data as { id: string }).id === 'tickets-panel');
    expect(stream.events.some((e) => JSON.stringify(e.data).includes('already there'))).toBe(true);

    await append(start.callSid, [msg(2, { text: '<img src=x onerror=alert(1)> & <b>bold</b>' })]);
    const item = await stream.next((e) => e.event === 'item' && (e.data as { id: string }).id === 'msg-2');
    const data = item.data as { order: number; html: string };
    expect(data.order).toBe(2);
    expect(data.html).toContain('&lt;img src=x onerror=alert(1)&gt; &amp; &lt;b&gt;bold&lt;/b&gt;');
    expect(data.html).not.toContain('<img');
  });

  it('closing the app ends open streams', async () => {
    const cookie = await staffCookie(h, 'acme');
    const id = await seedCall(h, startBody());
    await open(`/conversations/${id}/live`, { cookie });
    await open('/api/events', { cookie });
    while (h.hub.size < 2) await new Promise((r) => setTimeout(r, 5));
    await h.app.close();
    expect(h.hub.size).toBe(0);
  });
});

import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryStore } from './memory-store.ts';
import { openPrismaStore } from './prisma-store.ts';
import { type AppStore, type MessageInput, type NewConversation, StaffExistsError } from './store.ts';

/** The same behaviour from both stores: the in-memory one earns its place in route tests by passing this. */
const stores: [string, () => Promise<AppStore>][] = [
  ['MemoryStore', async () => new MemoryStore()],
  ['PrismaStore (PGlite)', () => openPrismaStore({ dataDir: 'memory' })],
];

describe.each(stores)('%s', (_name, open) => {
  let store: AppStore;
  beforeAll(async () => {
    store = await open();
  }, 60_000);
  afterAll(async () => {
    await store?.close();
  });

  const brand = () => `brand-${randomUUID().slice(0, 8)}`;
  const conv = (over: Partial<NewConversation> = {}): NewConversation => ({
    callSid: `CA${randomUUID().replaceAll('-', '')}`,
    botProfileKey: 'profile',
    brandId: 'b',
    callerNumber: '+14155550123',
    isSip: false,
    startedAt: new Date('2026-11-21T10:00:00Z'),
    freshcallerCallId: null,
    timezone: null,
    ...over,
  });
  const m = (sequence: number, over: Partial<MessageInput> = {}): MessageInput => ({
    sequence,
    role: 'caller',
    text: `t${sequence}`,
    startedAt: new Date(Date.parse('2026-11-21T10:00:00Z') + sequence * 1000),
    source: 'realtime',
    ...over,
  });

  it('starts once per call SID and fills a missing brand later', async () => {
    const input = conv({ brandId: null });
    const a = await store.startConversation(input);
    expect(a.created).toBe(true);
    expect(a.conversation).toMatchObject({
      status: 'active',
      channel: 'PHONE',
      brandId: null,
      endedAt: null,
    });
    const b = await store.startConversation({ ...input, brandId: 'late', callerNumber: 'other' });
    expect(b).toMatchObject({
      created: false,
      conversation: { id: a.conversation.id, brandId: 'late', callerNumber: '+14155550123' },
    });
    const c = await store.startConversation({ ...input, brandId: 'third' });
    expect(c.conversation.brandId).toBe('late');
    expect((await store.findConversationByCallSid(input.callSid))?.id).toBe(a.conversation.id);
    expect(await store.findConversationByCallSid('CAnone')).toBeNull();
  });

  it('knows the brand of a bot profile only while one brand has used its key', async () => {
    const key = `p-${randomUUID()}`;
    expect(await store.brandOfBotProfile(key)).toBeNull();
    await store.startConversation(conv({ botProfileKey: key, brandId: null }));
    expect(await store.brandOfBotProfile(key)).toBeNull();
    await store.startConversation(
      conv({ botProfileKey: key, brandId: 'acme', startedAt: new Date('2026-01-01T00:00:00Z') }),
    );
    expect(await store.brandOfBotProfile(key)).toBe('acme');
    // Keys are unique per brand only: once two brands used it, it names neither.
    await store.startConversation(
      conv({ botProfileKey: key, brandId: 'globex', startedAt: new Date('2026-06-01T00:00:00Z') }),
    );
    expect(await store.brandOfBotProfile(key)).toBeNull();
  });

  it('upserts messages by sequence, keeps texts and tool data, returns them in order', async () => {
    const { conversation } = await store.startConversation(conv());
    await store.upsertMessages(conversation.id, [m(3), m(1, { text: null, itemId: 'i1' })]);
    const stored = await store.upsertMessages(conversation.id, [
      m(1, { text: 'hello', interrupted: true, responseMs: 300 }),
      m(2, {
        role: 'tool',
        source: 'tool',
        text: null,
        toolName: 'lookup',
        toolArguments: { q: 'x', n: [1, 2] },
        toolResult: 'plain string result',
      }),
    ]);
    expect(stored.map((s) => s.sequence)).toEqual([1, 2]);
    await store.upsertMessages(conversation.id, [m(1, { text: null }), m(3)]);
    const all = await store.listMessages(conversation.id);
    expect(all.map((x) => [x.sequence, x.text])).toEqual([
      [1, 'hello'],
      [2, null],
      [3, 't3'],
    ]);
    expect(all[0]).toMatchObject({ itemId: 'i1', interrupted: true, responseMs: 300, firstAudioMs: null });
    expect(all[1]).toMatchObject({
      toolName: 'lookup',
      toolArguments: { q: 'x', n: [1, 2] },
      toolResult: 'plain string result',
    });
    expect(all[2]).toMatchObject({
      toolName: null,
      toolArguments: null,
      toolResult: null,
      interrupted: false,
    });
  });

  it('keeps an external transcriber and its text on a caller turn once sent, and fills a failed one', async () => {
    const { conversation } = await store.startConversation(conv());
    await store.upsertMessages(conversation.id, [
      m(1, { role: 'caller', text: 'where is my order' }),
      m(2, { role: 'caller', text: null, transcription: 'failed' }),
    ]);
    await store.upsertMessages(conversation.id, [
      m(1, {
        role: 'caller',
        text: 'where is my order',
        transcriber: 'cartesia',
        transcriberText: 'where is my order?',
      }),
      m(2, { role: 'caller', text: 'can i return it', source: 'transcriber', transcriber: 'elevenlabs' }),
    ]);
    await store.upsertMessages(conversation.id, [m(1, { role: 'caller', text: 'where is my order' })]);
    const [first, second] = await store.listMessages(conversation.id);
    expect(first).toMatchObject({
      source: 'realtime',
      transcriber: 'cartesia',
      transcriberText: 'where is my order?',
    });
    expect(second).toMatchObject({
      text: 'can i return it',
      source: 'transcriber',
      transcriber: 'elevenlabs',
      transcriberText: null,
      transcription: 'failed',
    });
  });

  it('ends a conversation and sets a brand', async () => {
    const { conversation } = await store.startConversation(conv({ brandId: null }));
    const ended = await store.endConversation(conversation.id, {
      endReason: 'caller_hangup',
      endedAt: new Date('2026-11-21T10:05:00Z'),
      durationSec: 300.5,
      opikTraceId: 'tr',
    });
    expect(ended).toMatchObject({
      status: 'ended',
      durationSec: 300.5,
      opikTraceId: 'tr',
      endReason: 'caller_hangup',
    });
    expect((await store.setConversationBrand(conversation.id, 'x')).brandId).toBe('x');
  });

  it("lists a brand's conversations newest first with filters, counts and cursors", async () => {
    const b = brand();
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      const { conversation } = await store.startConversation(
        conv({
          brandId: b,
          callerNumber: `+1415555000${i}`,
          startedAt: new Date(Date.UTC(2026, 10, 10 + i)),
        }),
      );
      ids.push(conversation.id);
      await store.upsertMessages(conversation.id, [
        m(1, { text: i % 2 ? 'About my INVOICE 100%' : 'delivery' }),
      ]);
    }
    await store.startConversation(conv({ brandId: brand() }));
    await store.endConversation(ids[1]!, {
      endReason: 'x',
      endedAt: new Date(),
      durationSec: 1,
      opikTraceId: null,
    });
    await store.createTicket(ids[3]!, {
      kind: 'handoff',
      priority: 'normal',
      summary: 's',
      transcriptExcerpt: '',
      knowledgeChunkIds: [],
      transferTarget: null,
      idempotencyKey: null,
      opikTraceId: null,
    });

    const all = await store.listConversations(b, { limit: 50 });
    expect(all.items.map((c) => c.id)).toEqual([...ids].reverse());
    expect(all.nextCursor).toBeNull();
    expect(all.items.find((c) => c.id === ids[3])).toMatchObject({ messageCount: 1, openTicketCount: 1 });

    const window = await store.listConversations(b, {
      limit: 50,
      from: new Date(Date.UTC(2026, 10, 11)),
      to: new Date(Date.UTC(2026, 10, 13)),
    });
    expect(window.items.map((c) => c.id)).toEqual([ids[2], ids[1]]);
    expect((await store.listConversations(b, { limit: 50, caller: '55500' })).items).toHaveLength(5);
    expect(
      (await store.listConversations(b, { limit: 50, caller: '5550003' })).items.map((c) => c.id),
    ).toEqual([ids[3]]);
    expect((await store.listConversations(b, { limit: 50, caller: '555_003' })).items).toHaveLength(0);
    expect((await store.listConversations(b, { limit: 50, status: 'ended' })).items.map((c) => c.id)).toEqual(
      [ids[1]],
    );
    expect((await store.listConversations(b, { limit: 50, text: 'invoice' })).items.map((c) => c.id)).toEqual(
      [ids[3], ids[1]],
    );
    // LIKE wildcards in the search are literal characters.
    expect((await store.listConversations(b, { limit: 50, text: '100%' })).items).toHaveLength(2);
    expect((await store.listConversations(b, { limit: 50, text: 'inv_ice' })).items).toHaveLength(0);
    expect((await store.listConversations(b, { limit: 50, text: '%' })).items).toHaveLength(2);

    const p1 = await store.listConversations(b, { limit: 2 });
    const p2 = await store.listConversations(b, { limit: 2, cursor: p1.nextCursor! });
    const p3 = await store.listConversations(b, { limit: 2, cursor: p2.nextCursor! });
    expect([...p1.items, ...p2.items, ...p3.items].map((c) => c.id)).toEqual([...ids].reverse());
    expect(p3.nextCursor).toBeNull();
  });

  it('scopes reads to the brand', async () => {
    const b = brand();
    const { conversation } = await store.startConversation(conv({ brandId: b }));
    const { ticket } = await store.createTicket(conversation.id, {
      kind: 'callback',
      priority: 'high',
      summary: 'r',
      transcriptExcerpt: '',
      knowledgeChunkIds: [],
      transferTarget: null,
      idempotencyKey: null,
      opikTraceId: null,
      callback: { phone: '+1', windowStart: null, windowEnd: null, timezone: 'UTC', reason: 'r' },
    });
    expect(await store.getConversation(b, conversation.id)).not.toBeNull();
    expect(await store.getConversation('someone-else', conversation.id)).toBeNull();
    expect(await store.getTicket('someone-else', ticket.id)).toBeNull();
    expect(await store.getCallback('someone-else', ticket.callback!.id)).toBeNull();
    expect((await store.listTickets('someone-else', { limit: 50 })).items.map((t) => t.id)).not.toContain(
      ticket.id,
    );
    expect((await store.listCallbacks('someone-else', { limit: 50 })).items.map((c) => c.id)).not.toContain(
      ticket.callback!.id,
    );
  });

  it('creates tickets idempotently by key, records their place, and moves callbacks with tickets', async () => {
    const b = brand();
    const { conversation } = await store.startConversation(conv({ brandId: b }));
    await store.upsertMessages(conversation.id, [m(1), m(4), m(2)]);
    const input = {
      kind: 'callback' as const,
      priority: 'urgent' as const,
      summary: 'Call back',
      transcriptExcerpt: 'caller: call me',
      knowledgeChunkIds: ['k1', 'k2'],
      transferTarget: null,
      idempotencyKey: 'key-1',
      opikTraceId: '0193a5c2-7d1e-7b3f-9a40-5c2d1e0f7a11',
      callback: {
        phone: '+14155550123',
        windowStart: new Date('2026-11-22T09:00:00Z'),
        windowEnd: new Date('2026-11-22T11:00:00Z'),
        timezone: 'Europe/Berlin',
        reason: 'Call back',
      },
    };
    const first = await store.createTicket(conversation.id, input);
    expect(first.created).toBe(true);
    expect(first.ticket).toMatchObject({
      kind: 'callback',
      status: 'open',
      priority: 'urgent',
      afterSequence: 4,
      knowledgeChunkIds: ['k1', 'k2'],
      opikTraceId: '0193a5c2-7d1e-7b3f-9a40-5c2d1e0f7a11',
      callback: { status: 'scheduled', timezone: 'Europe/Berlin', conversationId: conversation.id },
    });
    const again = await store.createTicket(conversation.id, input);
    expect(again.created).toBe(false);
    expect(again.ticket.id).toBe(first.ticket.id);
    // Lists are newest first; let the clock move on so the two tickets do not share a millisecond
    // (a tie is broken by id, which is random).
    await new Promise((resolve) => setTimeout(resolve, 5));
    const other = await store.createTicket(conversation.id, { ...input, idempotencyKey: null });
    expect(other.ticket.id).not.toBe(first.ticket.id);

    const cbId = first.ticket.callback!.id;
    const done = await store.updateCallbackStatus(cbId, 'done');
    expect(done).toMatchObject({ status: 'done', ticket: { status: 'resolved' } });
    const rescheduled = await store.updateCallbackStatus(cbId, 'scheduled');
    expect(rescheduled.ticket.status).toBe('open');
    await store.updateTicket(first.ticket.id, { status: 'in_progress' });
    expect((await store.updateCallbackStatus(cbId, 'scheduled')).ticket.status).toBe('in_progress');
    const closed = await store.updateTicket(first.ticket.id, {
      status: 'closed',
      assignee: 'amy',
      priority: 'low',
    });
    expect(closed).toMatchObject({
      status: 'closed',
      assignee: 'amy',
      priority: 'low',
      callback: { status: 'cancelled' },
    });
    expect((await store.updateTicket(first.ticket.id, { assignee: null })).assignee).toBeNull();

    const list = await store.listTickets(b, { limit: 50, conversationId: conversation.id });
    expect(list.items.map((t) => t.id)).toEqual([other.ticket.id, first.ticket.id]);
    expect((await store.listTickets(b, { limit: 50, status: 'closed' })).items.map((t) => t.id)).toEqual([
      first.ticket.id,
    ]);
    expect((await store.listTickets(b, { limit: 50, kind: 'handoff' })).items).toEqual([]);
    expect((await store.listCallbacks(b, { limit: 50, status: 'cancelled' })).items.map((c) => c.id)).toEqual(
      [cbId],
    );
    const one = await store.getCallback(b, cbId);
    expect(one).toMatchObject({ id: cbId, ticket: { id: first.ticket.id, status: 'closed' } });
    const p1 = await store.listTickets(b, { limit: 1 });
    expect((await store.listTickets(b, { limit: 1, cursor: p1.nextCursor! })).items.map((t) => t.id)).toEqual(
      [first.ticket.id],
    );
  });

  it('keeps staff accounts unique per brand by lower-cased email, and API keys', async () => {
    const b = brand();
    const s = await store.createStaff({
      brandId: b,
      email: 'Ana@Example.com',
      displayName: 'Ana',
      passwordHash: 'h',
    });
    expect(s).toMatchObject({ email: 'ana@example.com', sessionVersion: 1, disabled: false });
    await expect(
      store.createStaff({ brandId: b, email: 'ana@example.com', displayName: 'x', passwordHash: 'h' }),
    ).rejects.toBeInstanceOf(StaffExistsError);
    await store.createStaff({
      brandId: brand(),
      email: 'ana@example.com',
      displayName: 'x',
      passwordHash: 'h',
    });
    expect((await store.findStaffByEmail(b, 'ANA@example.com'))?.id).toBe(s.id);
    expect(await store.findStaffByEmail('nope', 'ana@example.com')).toBeNull();
    expect((await store.getStaff(s.id))?.displayName).toBe('Ana');
    const k = await store.createApiKey({
      id: randomUUID().replaceAll('-', ''),
      brandId: b,
      label: 'l',
      secretHash: 'ab',
    });
    expect(await store.getApiKey(k.id)).toMatchObject({ brandId: b, revoked: false, secretHash: 'ab' });
    expect(await store.ping()).toBe(true);
  });
});

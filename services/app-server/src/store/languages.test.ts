import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LanguageSwitch } from '../domain/types.ts';
import { MemoryStore } from './memory-store.ts';
import { openPrismaStore } from './prisma-store.ts';
import type { AppStore, MessageInput, NewConversation } from './store.ts';

/** A call's languages and its language messages, the same from both stores. */
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

  const conv = (over: Partial<NewConversation> = {}): NewConversation => ({
    callSid: `CA${randomUUID().replaceAll('-', '')}`,
    botProfileKey: 'profile',
    brandId: 'b',
    callerNumber: '+14155550123',
    isSip: false,
    startedAt: new Date('2026-12-06T10:00:00Z'),
    freshcallerCallId: null,
    timezone: null,
    ...over,
  });
  const lang = (sequence: number, s: LanguageSwitch): MessageInput => ({
    sequence,
    role: 'system',
    text: null,
    startedAt: new Date(Date.parse('2026-12-06T10:00:00Z') + sequence * 1000),
    source: 'language',
    languageSwitch: s,
  });

  it('starts with the start language and adds each served switch once, in order', async () => {
    const { conversation: c } = await store.startConversation(conv({ language: 'en' }));
    expect(c.languages).toEqual(['en']);
    const stored = await store.upsertMessages(c.id, [
      lang(1, { from: 'en', to: 'es', how: 'detected', confidence: 0.93, served: true }),
    ]);
    expect(stored[0]?.languageSwitch).toEqual({
      from: 'en',
      to: 'es',
      how: 'detected',
      confidence: 0.93,
      served: true,
    });
    await store.upsertMessages(c.id, [
      lang(2, { from: 'es', to: 'EN', how: 'asked', served: true }),
      lang(3, { from: 'en', to: 'es', how: 'asked', served: true }),
      lang(4, { from: 'es', to: 'pt-BR', how: 'asked', served: true }),
    ]);
    expect((await store.getConversation('b', c.id))?.languages).toEqual(['en', 'es', 'pt-BR']);
    const messages = await store.listMessages(c.id);
    expect(messages.map((m) => [m.source, m.languageSwitch?.to])).toEqual([
      ['language', 'es'],
      ['language', 'EN'],
      ['language', 'es'],
      ['language', 'pt-BR'],
    ]);
  });

  it('records a request for a language not served without adding it', async () => {
    const { conversation: c } = await store.startConversation(conv({ language: 'en' }));
    await store.upsertMessages(c.id, [lang(1, { from: 'en', to: 'fr', how: 'asked', served: false })]);
    const after = await store.getConversation('b', c.id);
    expect(after?.languages).toEqual(['en']);
    expect((await store.listMessages(c.id))[0]?.languageSwitch).toEqual({
      from: 'en',
      to: 'fr',
      how: 'asked',
      served: false,
    });
  });

  it('takes the switch language as the first one when the start named none', async () => {
    const { conversation: c } = await store.startConversation(conv());
    expect(c.languages).toEqual([]);
    await store.upsertMessages(c.id, [lang(1, { from: 'en', to: 'de', how: 'detected', served: false })]);
    expect((await store.getConversation('b', c.id))?.languages).toEqual(['en']);
    await store.upsertMessages(c.id, [lang(2, { from: 'en', to: 'de', how: 'asked', served: true })]);
    expect((await store.getConversation('b', c.id))?.languages).toEqual(['en', 'de']);
  });

  it('fills the start language on a repeated start only when it had none', async () => {
    const input = conv();
    await store.startConversation(input);
    const again = await store.startConversation({ ...input, language: 'es' });
    expect(again.conversation.languages).toEqual(['es']);
    const third = await store.startConversation({ ...input, language: 'fr' });
    expect(third.conversation.languages).toEqual(['es']);
  });

  it('filters the list by language, by whole tag or primary subtag, with cursors', async () => {
    const brandId = `brand-${randomUUID().slice(0, 8)}`;
    const at = (h: number) => new Date(Date.UTC(2026, 11, 6, h));
    const start = async (h: number, language: string, to?: string) => {
      const { conversation } = await store.startConversation(conv({ brandId, language, startedAt: at(h) }));
      if (to)
        await store.upsertMessages(conversation.id, [
          lang(1, { from: language, to, how: 'detected', confidence: 0.9, served: true }),
        ]);
      return conversation.id;
    };
    const a = await start(1, 'en', 'es-MX');
    const b = await start(2, 'es');
    await start(3, 'en');
    const d = await start(4, 'en', 'es');
    await start(5, 'est');
    const ids = async (language: string, limit = 10, cursor?: string) => {
      const page = await store.listConversations(brandId, {
        language,
        limit,
        ...(cursor ? { cursor } : {}),
      });
      return { ids: page.items.map((c) => c.id), next: page.nextCursor };
    };
    expect((await ids('es')).ids).toEqual([d, b, a]);
    expect((await ids('es-mx')).ids).toEqual([a]);
    expect((await ids('fr')).ids).toEqual([]);
    const first = await ids('es', 2);
    expect(first.ids).toEqual([d, b]);
    expect((await ids('es', 2, first.next!)).ids).toEqual([a]);
    // The words search applies it too.
    await store.upsertMessages(d, [
      { sequence: 2, role: 'caller', text: 'hola factura', startedAt: at(4), source: 'realtime' },
    ]);
    await store.upsertMessages(b, [
      { sequence: 2, role: 'caller', text: 'hola factura', startedAt: at(2), source: 'realtime' },
    ]);
    const found = await store.listConversations(brandId, { text: 'factura', language: 'es', limit: 10 });
    expect(found.items.map((c) => c.id).sort()).toEqual([b, d].sort());
    const none = await store.listConversations(brandId, { text: 'factura', language: 'de', limit: 10 });
    expect(none.items).toEqual([]);
  });
});

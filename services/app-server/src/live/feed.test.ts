import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPrismaStore } from '../store/prisma-store.ts';
import type { AppStore } from '../store/store.ts';
import { compactRecord, type LiveFeed, type LiveRecord, type LiveRef, parseLivePayload } from './feed.ts';
import { MemoryLiveFeed } from './memory-feed.ts';
import { payloadChunks } from './sql-feed.ts';

const ref = (conversationId: string, kind: LiveRef['kind'], r: string | null, brandId = 'acme'): LiveRef => ({
  brandId,
  conversationId,
  kind,
  ref: r,
});

const kinds: [string, () => Promise<{ feed: LiveFeed; close(): Promise<void> }>][] = [
  ['in memory', async () => ({ feed: new MemoryLiveFeed(), close: async () => undefined })],
  [
    'on PGlite (live_event + LISTEN/NOTIFY)',
    async () => {
      const store: AppStore = await openPrismaStore({ dataDir: 'memory' });
      return { feed: store.liveFeed(), close: () => store.close() };
    },
  ],
];

describe.each(kinds)('the live feed %s', (_name, open) => {
  let feed: LiveFeed;
  let close: () => Promise<void>;
  beforeAll(async () => {
    ({ feed, close } = await open());
  }, 60_000);
  afterAll(async () => close());

  it('announces every change once, in the order appended, with growing ids', async () => {
    const heard: LiveRecord[] = [];
    const stop = await feed.listen((r) => heard.push(r));
    const start = await feed.latestId();
    const refs = Array.from({ length: 25 }, (_, i) => ref('c-order', 'message', String(i + 1)));
    await feed.append(refs.slice(0, 12));
    await feed.append([ref('c-order', 'conversation', null)]);
    await feed.append(refs.slice(12));
    await expect.poll(() => heard.length).toBe(26);
    stop();
    expect(heard.map((r) => r.id)).toEqual(Array.from({ length: 26 }, (_, i) => start + i + 1));
    expect(heard.filter((r) => r.kind === 'message').map((r) => r.ref)).toEqual(refs.map((r) => r.ref));
    expect(await feed.latestId()).toBe(start + 26);
  });

  it('catches a scope up from an id, in id order (past id 9), and leaves other scopes out', async () => {
    const before = await feed.latestId();
    await feed.append(Array.from({ length: 15 }, (_, i) => ref('c-scope', 'message', String(i + 1))));
    await feed.append([ref('c-other', 'message', '1', 'globex')]);
    const missed = await feed.since({ conversationId: 'c-scope' }, before + 4);
    expect(missed).not.toBe('gone');
    const records = missed as LiveRecord[];
    // Recent changes may be sent again (a later-numbered one can commit first): never fewer, never out of order.
    expect(records.filter((r) => r.id > before + 4).map((r) => r.ref)).toEqual(
      Array.from({ length: 11 }, (_, i) => String(i + 5)),
    );
    expect(records.map((r) => r.id)).toEqual([...records.map((r) => r.id)].sort((a, b) => a - b));
    expect(records.every((r) => r.conversationId === 'c-scope')).toBe(true);
    const brand = (await feed.since({ brandId: 'globex' }, before)) as LiveRecord[];
    expect(brand.map((r) => r.conversationId)).toEqual(['c-other']);
  });
});

describe('a feed that no longer has what a stream missed', () => {
  it('answers gone, so the stream starts over from a snapshot', async () => {
    const feed = new MemoryLiveFeed();
    await feed.append(Array.from({ length: 10_050 }, (_, i) => ref('c', 'message', String(i))));
    expect(await feed.since({ conversationId: 'c' }, 10)).toBe('gone');
    expect(await feed.since({ conversationId: 'c' }, 10_049)).toHaveLength(1);
  });

  it('answers gone on a database that kept nothing, for any id but 0', async () => {
    const store = await openPrismaStore({ dataDir: 'memory' });
    try {
      expect(await store.liveFeed().since({ brandId: 'acme' }, 5)).toBe('gone');
      expect(await store.liveFeed().since({ brandId: 'acme' }, 0)).toEqual([]);
    } finally {
      await store.close();
    }
  }, 60_000);
});

describe('announcements (NOTIFY payloads)', () => {
  const record = fc.record({
    id: fc.integer({ min: 1, max: 2 ** 40 }),
    brandId: fc.option(fc.string({ maxLength: 128 }), { nil: null }),
    conversationId: fc.string({ maxLength: 128 }),
    kind: fc.constantFrom('conversation' as const, 'message' as const, 'ticket' as const),
    ref: fc.option(fc.string({ maxLength: 128 }), { nil: null }),
  });

  it('split into payloads under the 8000-byte limit and parse back to the same records', () => {
    fc.assert(
      fc.property(fc.array(record, { maxLength: 200 }), (records) => {
        const chunks = payloadChunks(records);
        for (const c of chunks) expect(Buffer.byteLength(c)).toBeLessThan(8000);
        expect(chunks.flatMap(parseLivePayload)).toEqual(records);
      }),
    );
  });

  it('never throw on anything else, and keep only well-formed records', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string(),
          fc.json(),
          fc.jsonValue().map((v) => JSON.stringify([v])),
        ),
        (text) => {
          for (const r of parseLivePayload(text)) {
            expect(Number.isSafeInteger(r.id) && r.id > 0).toBe(true);
            expect(['conversation', 'message', 'ticket']).toContain(r.kind);
          }
        },
      ),
    );
    expect(parseLivePayload(JSON.stringify([compactRecord({ id: 3, ...ref('c', 'ticket', 't1') })]))).toEqual(
      [{ id: 3, ...ref('c', 'ticket', 't1') }],
    );
  });
});

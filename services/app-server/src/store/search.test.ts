// Search ranks by relevance: the conversation about what was asked comes first, on the in-memory
// store and on Postgres full text search (PGlite here; the same SQL on a Postgres server).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, msg, seedCall, staffCookie, startBody, startHarness } from '../testing/harness.ts';
import { relevance, stems } from './relevance.ts';

const CALLS: [string, string, string[]][] = [
  // name, startedAt (newest last), what was said
  [
    'shipping',
    '2026-11-20T09:00:00Z',
    [
      'Hi, what are your shipping times to Canada?',
      'Standard shipping takes five to seven business days; express shipping takes two.',
      'And the shipping times for Alaska?',
    ],
  ],
  [
    'one-word',
    '2026-11-21T09:00:00Z',
    ['I have a question about my invoice.', 'Shipping was included in the price.'],
  ],
  [
    'other-words',
    '2026-11-22T09:00:00Z',
    ['Three times I called about a refund.', 'Sorry about that, let me look.'],
  ],
  ['unrelated', '2026-11-23T09:00:00Z', ['Can I change my password?', 'Yes, from the account page.']],
];

describe.each(['memory', 'prisma'] as const)('conversation search, %s store', (kind) => {
  let h: Harness;
  let cookie: string;
  const ids = new Map<string, string>();
  beforeAll(async () => {
    h = await startHarness({ store: kind });
    cookie = await staffCookie(h, 'acme');
    for (const [name, startedAt, texts] of CALLS)
      ids.set(
        name,
        await seedCall(
          h,
          startBody({ startedAt }),
          texts.map((text, i) => msg(i + 1, { text })),
        ),
      );
  }, 60_000);
  afterAll(async () => h.close());

  const search = async (q: string, extra = '') => {
    const res = await h.app.inject({
      url: `/api/conversations?q=${encodeURIComponent(q)}${extra}`,
      headers: { cookie },
    });
    expect(res.statusCode).toBe(200);
    return res.json() as { items: { id: string }[]; nextCursor: string | null };
  };
  const names = (items: { id: string }[]) => items.map((i) => [...ids].find(([, id]) => id === i.id)?.[0]);

  it('puts the conversation about shipping times first, though three others are newer', async () => {
    const found = names((await search('shipping times')).items);
    expect(found[0]).toBe('shipping');
    expect(found).toContain('one-word');
    expect(found).toContain('other-words');
    expect(found).not.toContain('unrelated');
    expect(names((await search('Shipping')).items)[0]).toBe('shipping');
  });

  it('still finds a plain substring, and pages a ranked list by offset', async () => {
    expect(names((await search('passw')).items)).toEqual(['unrelated']);
    const first = await search('shipping times', '&limit=1');
    expect(names(first.items)).toEqual(['shipping']);
    const second = await search('shipping times', `&limit=1&cursor=${first.nextCursor}`);
    expect(second.items).toHaveLength(1);
    expect(names(second.items)[0]).not.toBe('shipping');
  });

  it('ranks inside the other filters, and answers a query of only common words without error', async () => {
    expect(names((await search('shipping times', '&to=2026-11-20')).items)).toEqual(['shipping']);
    // "the" has no lexemes for full text search; only substring matches remain.
    expect(names((await search('the')).items)).toEqual(expect.arrayContaining(['unrelated', 'shipping']));
  });
});

describe('relevance rules (in-memory store)', () => {
  it('stems the way a caller varies words', () => {
    expect(stems('Shipping times? Shipped!')).toEqual(['ship', 'time', 'ship']);
  });
  it('ranks all words, and the phrase, above one word said often', () => {
    const phrase = relevance(['what are your shipping times'], 'shipping times')!;
    const allWords = relevance(['times of shipping'], 'shipping times')!;
    const oneWord = relevance(['shipping shipping shipping shipping'], 'shipping times')!;
    expect(phrase).toBeGreaterThan(allWords);
    expect(allWords).toBeGreaterThan(oneWord);
    expect(relevance(['nothing here'], 'shipping times')).toBeUndefined();
  });
});

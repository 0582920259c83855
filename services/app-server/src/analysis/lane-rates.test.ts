/**
 * Resolution and hand-off rates per retrieval lane: fixture calls that searched through one lane or
 * the other, ended (some transferred) and analysed, give the expected figures from both stores and
 * through `GET /api/analyses/lanes` and the analytics page; another brand's calls never count; bad query strings are 400s.
 */
import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryStore } from '../store/memory-store.ts';
import { openPrismaStore } from '../store/prisma-store.ts';
import type { AppStore, MessageInput } from '../store/store.ts';
import { type Harness, staffCookie, startHarness } from '../testing/harness.ts';
import { laneRates } from './lane-rates.ts';

const at = (iso: string) => new Date(iso);

/** A call of `brandId` that searched through `lanes` in order, ended with `endReason`, analysed as `resolution`. */
async function call(
  store: AppStore,
  brandId: string,
  startedAt: string,
  lanes: string[],
  endReason: string,
  resolution: string | null,
): Promise<void> {
  const { conversation } = await store.startConversation({
    callSid: `CA${randomUUID().replaceAll('-', '')}`,
    botProfileKey: 'acme-support',
    brandId,
    callerNumber: '+14155550123',
    isSip: false,
    startedAt: at(startedAt),
    freshcallerCallId: null,
    timezone: null,
  });
  const messages: MessageInput[] = [
    { sequence: 1, role: 'caller', text: 'where is my parcel', startedAt: at(startedAt), source: 'realtime' },
    // Another tool's result naming a lane is not a knowledge search.
    {
      sequence: 2,
      role: 'tool',
      text: null,
      toolName: 'lookup_order',
      toolResult: { lane: 'not-a-lane' },
      startedAt: at(startedAt),
      source: 'tool',
    },
    ...lanes.map((lane, i) => ({
      sequence: 3 + i,
      role: 'tool' as const,
      text: null,
      toolName: 'get_knowledge',
      toolResult: { lane, results: [] },
      startedAt: at(startedAt),
      source: 'tool' as const,
    })),
  ];
  await store.upsertMessages(conversation.id, messages);
  await store.endConversation(conversation.id, {
    endReason,
    endedAt: at(startedAt),
    durationSec: 60,
    opikTraceId: null,
  });
  if (resolution === null) return;
  await store.analyses().saveResult(conversation.id, {
    fields: { summary: 'A call.', sentiment: 'neutral', intent: 'shipping', resolution, leadScore: 10 },
    result: {},
    model: 'gpt-4.1-mini',
    promptVersion: 'call-analysis/1',
    schemaVersion: 'call_analysis@1',
  });
}

/** Lane `pg`: 3 analysed calls, 2 resolved, 1 transferred. Lane `pc`: 2 analysed, 0 resolved, 1 transferred. */
async function seed(store: AppStore, brandId: string): Promise<void> {
  await call(store, brandId, '2026-11-20T09:00:00Z', ['pg'], 'caller_hangup', 'resolved');
  await call(store, brandId, '2026-11-20T10:00:00Z', ['pg', 'pg'], 'caller_hangup', 'resolved');
  // Served by pg first, then fell back to pc: counted under pg, the lane the call was assigned.
  await call(store, brandId, '2026-11-20T11:00:00Z', ['pg', 'pc'], 'transferred', 'escalated');
  await call(store, brandId, '2026-11-20T12:00:00Z', ['pc'], 'transferred', 'escalated');
  await call(store, brandId, '2026-11-20T13:00:00Z', ['pc'], 'caller_hangup', 'unresolved');
  // Not counted: never searched, not analysed, or outside the range below.
  await call(store, brandId, '2026-11-20T14:00:00Z', [], 'caller_hangup', 'resolved');
  await call(store, brandId, '2026-11-20T15:00:00Z', ['pc'], 'caller_hangup', null);
  await call(store, brandId, '2026-11-25T09:00:00Z', ['pc'], 'caller_hangup', 'resolved');
}

const expected = [
  { lane: 'pc', calls: 2, resolved: 0, handedOff: 1, resolutionRate: 0, handoffRate: 0.5 },
  { lane: 'pg', calls: 3, resolved: 2, handedOff: 1, resolutionRate: 0.667, handoffRate: 0.333 },
];
const range = { from: at('2026-11-20T00:00:00Z'), to: at('2026-11-21T00:00:00Z') };

describe.each([
  ['MemoryStore', async (): Promise<AppStore> => new MemoryStore()],
  ['PrismaStore (PGlite)', () => openPrismaStore({ dataDir: 'memory' })],
])('lane rates from %s', (_name, open) => {
  let store: AppStore;
  beforeAll(async () => {
    store = await open();
  }, 60_000);
  afterAll(async () => {
    await store?.close();
  });

  it('counts each analysed call under the lane of its first knowledge search, within the range', async () => {
    const brand = `b-${randomUUID().slice(0, 8)}`;
    const other = `o-${randomUUID().slice(0, 8)}`;
    await seed(store, brand);
    await call(store, other, '2026-11-20T09:00:00Z', ['pg'], 'transferred', 'unresolved');
    expect(laneRates(await store.analyses().lanePoints(brand, range))).toEqual(expected);
    expect(laneRates(await store.analyses().lanePoints(`${brand}-none`, range))).toEqual([]);
  });
});

describe('GET /api/analyses/lanes', () => {
  let h: Harness;
  let cookie: string;
  beforeAll(async () => {
    h = await startHarness();
    cookie = await staffCookie(h, 'acme');
    await seed(h.store, 'acme');
    await call(h.store, 'globex', '2026-11-20T09:00:00Z', ['pg'], 'transferred', 'unresolved');
    await call(h.store, 'globex', '2026-11-20T09:00:00Z', ['globex-lane'], 'transferred', 'unresolved');
  });
  afterAll(async () => {
    await h.close();
  });

  it("gives the brand's rates per lane over a date range, and nothing of another brand", async () => {
    const res = await h.app.inject({
      url: '/api/analyses/lanes?from=2026-11-20&to=2026-11-20',
      headers: { cookie },
    });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ lanes: expected });
    const all = await h.app.inject({ url: '/api/analyses/lanes', headers: { cookie } });
    expect(all.json().lanes.map((l: { lane: string }) => l.lane)).toEqual(['pc', 'pg']);
    expect(all.body).not.toContain('globex-lane');
  });

  it('shows the lanes side by side on the analytics page', async () => {
    const page = await h.app.inject({ url: '/analytics?from=2026-11-20&to=2026-11-20', headers: { cookie } });
    expect(page.statusCode).toBe(200);
    const row = (lane: string) => page.body.match(new RegExp(`<tr data-lane="${lane}">.*?</tr>`))?.[0] ?? '';
    expect(row('pg')).toMatch(/>3<.*>66\.7 %<.*>33\.3 %</);
    expect(row('pc')).toMatch(/>2<.*>0 %<.*>50 %</);
    expect(page.body).not.toContain('globex-lane');
  });

  it('answers any query string with 200 or a 400 naming the field, never a 5xx', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.dictionary(fc.constantFrom('from', 'to', 'limit', 'cursor', 'x'), fc.string({ maxLength: 40 })),
        async (q) => {
          const qs = new URLSearchParams(q).toString();
          const res = await h.app.inject({ url: `/api/analyses/lanes?${qs}`, headers: { cookie } });
          expect([200, 400]).toContain(res.statusCode);
          if (res.statusCode === 400) expect(res.body).toMatch(/from|to|limit|cursor|querystring/);
        },
      ),
      { numRuns: 60 },
    );
  });
});

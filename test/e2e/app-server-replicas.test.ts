// app-server as two replicas on one PostgreSQL server, as the Helm chart runs it: a staff viewer
// connected to replica A sees what voice-server writes through replica B, in order, and catches up
// after its connection drops (Last-Event-ID), even when it reconnects to the other replica or when
// a replica's own listening connection to Postgres is cut.
import { HttpAppServerClient, type TranscriptMessage } from '@switchboard/service-kit/clients/app-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ChildAppServer, startChildAppServer } from '../support/child-app-server.ts';
import { startTestPostgres, type TestPostgres } from '../support/postgres-server.ts';
import { openSse, type SseConnection } from '../support/sse-client.ts';

const SERVICE_TOKEN = 'replica-test-service-token';
const PASSWORD = 'replicas are fun 123';
const service = { authorization: `Bearer ${SERVICE_TOKEN}`, 'content-type': 'application/json' };

let pg: TestPostgres;
let a: ChildAppServer;
let b: ChildAppServer;

beforeAll(async () => {
  pg = await startTestPostgres();
  const env = {
    DATABASE_URL: pg.url,
    SERVICE_TOKEN,
    SESSION_SECRET: 'replica-test-session-secret-at-least-32-chars',
    COOKIE_SECURE: 'false',
    LOG_LEVEL: 'info',
  };
  // Started together: the migration run is advisory-locked, so each migration applies once.
  [a, b] = await Promise.all([startChildAppServer(env), startChildAppServer(env)]);
}, 180_000);

afterAll(async () => {
  await Promise.all([a?.stop(), b?.stop()]);
  pg?.stop();
}, 30_000);

// biome-ignore lint/suspicious/noExplicitAny: JSON answers are checked by the assertions that read them.
type Json = any;

async function call(
  base: string,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = service,
): Promise<{ status: number; headers: Headers; body: Json }> {
  const res = await fetch(`${base}${path}`, {
    method,
    headers,
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: res.status, headers: res.headers, body: await res.json().catch(() => undefined) };
}

const message = (sequence: number, text: string): TranscriptMessage => ({
  sequence,
  role: sequence % 2 ? 'caller' : 'agent',
  text,
  startedAt: new Date(Date.UTC(2026, 10, 21, 10, 0, sequence)).toISOString(),
  source: 'realtime',
});

const sequences = (s: SseConnection) =>
  s.events.filter((e) => e.event === 'message').map((e) => JSON.parse(e.data).message.sequence as number);

describe('app-server as two replicas on one Postgres', () => {
  it('streams to a viewer on A what is written through B, in order, and catches up after a drop', async () => {
    // An operator names the brand on B; its staff member signs in on A with the slug.
    expect(
      (await call(b.url, 'PUT', '/admin/brands/brand-7f3a', { slug: 'acme', timezone: 'America/New_York' }))
        .status,
    ).toBe(200);
    const staff = { brandId: 'brand-7f3a', email: 'dana@acme.test', password: PASSWORD, displayName: 'Dana' };
    expect((await call(a.url, 'POST', '/admin/staff', staff)).status).toBe(201);
    const signIn = await call(
      a.url,
      'POST',
      '/api/session',
      { brand: 'acme', email: 'dana@acme.test', password: PASSWORD },
      {
        'content-type': 'application/json',
      },
    );
    expect(signIn.status).toBe(200);
    const cookie = String(signIn.headers.get('set-cookie')).split(';')[0]!;

    // voice-server writes through B only.
    const voice = new HttpAppServerClient({ baseUrl: b.url, token: SERVICE_TOKEN });
    const callSid = 'CA00000000000000000000000000replica';
    await voice.startConversation({
      callSid,
      botProfileKey: 'acme-support',
      brandId: 'brand-7f3a',
      callerNumber: '+14155550100',
      isSip: false,
      startedAt: new Date().toISOString(),
      timezone: 'America/New_York',
    });
    const list = await call(a.url, 'GET', '/api/conversations', undefined, { cookie });
    const id = list.body.items[0].id as string;

    // The viewer follows the conversation on A.
    const viewer = await openSse(`${a.url}/api/conversations/${id}/events`, { cookie });
    await viewer.waitFor((e) => e.event === 'ready');
    await voice.appendMessages(callSid, [message(1, 'Hi, where is my parcel?'), message(2, 'Let me check.')]);
    await voice.appendMessages(callSid, [message(3, 'It is order 5531.')]);
    await viewer.waitFor((e) => e.event === 'message' && JSON.parse(e.data).message.sequence === 3);
    expect(sequences(viewer)).toEqual([1, 2, 3]);
    expect(JSON.parse(viewer.events.find((e) => e.event === 'message')!.data).message.text).toBe(
      'Hi, where is my parcel?',
    );

    // The connection drops; the call goes on through B meanwhile.
    const lastSeen = viewer.lastEventId();
    expect(lastSeen).toMatch(/^\d+$/);
    viewer.drop();
    await voice.appendMessages(callSid, [
      message(4, 'It left the depot this morning.'),
      message(5, 'Thanks!'),
    ]);

    // Reconnecting to A with Last-Event-ID brings exactly what was missed, in order, then live again.
    const back = await openSse(`${a.url}/api/conversations/${id}/events`, {
      cookie,
      'last-event-id': lastSeen!,
    });
    const ready = await back.waitFor((e) => e.event === 'ready');
    expect(JSON.parse(ready.data).caughtUp).toBe(true);
    expect(sequences(back).filter((s) => s > 3)).toEqual([4, 5]);
    await voice.appendMessages(callSid, [message(6, 'You are welcome.')]);
    await back.waitFor((e) => e.event === 'message' && JSON.parse(e.data).message.sequence === 6);
    expect(sequences(back).filter((s) => s > 3)).toEqual([4, 5, 6]);

    // The ids are the shared feed's: the same Last-Event-ID catches up on the other replica too.
    const other = await openSse(`${b.url}/api/conversations/${id}/events`, {
      cookie,
      'last-event-id': lastSeen!,
    });
    await other.waitFor((e) => e.event === 'ready');
    expect(sequences(other).filter((s) => s > 3)).toEqual([4, 5, 6]);
    back.drop();
    other.drop();

    // Ranked full text search runs on the Postgres server as on PGlite.
    const found = await call(a.url, 'GET', '/api/conversations?q=parcel%20depot', undefined, {
      cookie,
    });
    expect(found.body.items.map((c: { id: string }) => c.id)).toEqual([id]);
  }, 60_000);

  it('keeps delivering when a replica loses its listening connection to Postgres', async () => {
    const staff = { brandId: 'brand-9c1d', email: 'lee@globex.test', password: PASSWORD };
    expect((await call(b.url, 'POST', '/admin/staff', staff)).status).toBe(201);
    const signIn = await call(
      a.url,
      'POST',
      '/api/session',
      { email: 'lee@globex.test', password: PASSWORD },
      {
        'content-type': 'application/json',
      },
    );
    expect(signIn.status).toBe(200);
    const cookie = String(signIn.headers.get('set-cookie')).split(';')[0]!;
    const viewer = await openSse(`${a.url}/api/events`, { cookie });
    await viewer.waitFor((e) => e.event === 'ready');

    // Cut every LISTEN connection (both replicas'): each reconnects and reads what it missed.
    const cut = pg.psql(
      "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE query LIKE 'LISTEN%' AND pid <> pg_backend_pid()",
    );
    expect(Number(cut)).toBeGreaterThanOrEqual(2);
    const voice = new HttpAppServerClient({ baseUrl: b.url, token: SERVICE_TOKEN });
    const callSid = 'CA0000000000000000000000000000relisten';
    await voice.startConversation({
      callSid,
      botProfileKey: 'globex-line',
      brandId: 'brand-9c1d',
      callerNumber: '+14155550101',
      isSip: false,
      startedAt: new Date().toISOString(),
    });
    await voice.appendMessages(callSid, [message(1, 'Hello?'), message(2, 'Hello, Globex here.')]);
    await viewer.waitFor((e) => e.event === 'message' && JSON.parse(e.data).message.sequence === 2, 15_000);
    expect(sequences(viewer)).toEqual([1, 2]);
    expect(a.output()).toContain('listening connection lost');
    viewer.drop();
  }, 60_000);
});

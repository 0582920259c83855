// The standing fuzz suite and the OpenAPI contract of app-server: every operation of its own document
// is fed hostile input generated from its schemas (no 5xx, field-naming 400s, still responsive), the
// document validates as OpenAPI 3, covers every route, and documents every status the routes answered.
import { describeOpenApiContract, type OpenApiDoc } from '@switchboard/service-kit/testing/openapi-contract';
import { happyPathProblems } from '@switchboard/service-kit/testing/openapi-happy-paths';
import { fuzzOperations } from '@switchboard/service-kit/testing/route-fuzz';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appServerHappyRows } from './testing/happy-paths.ts';
import { type Harness, msg, seedCall, staffCookie, startBody, startHarness } from './testing/harness.ts';

let h: Harness;
let cookie: string;
let callSid: string;
let conversationId: string;
let doc: OpenApiDoc;
let seen: Map<string, Set<number>>;

beforeAll(async () => {
  // Post-call analysis on (into a queue that keeps nothing), so its routes answer as in production.
  h = await startHarness({
    store: 'prisma',
    analysisQueue: { enqueue: async () => 'queued' },
    // Twilio's recordings, as the simulator answers: audio to play, and deletion.
    twilioRecordings: {
      media: async () =>
        new Response(new Uint8Array(44), { status: 200, headers: { 'content-type': 'audio/wav' } }),
      remove: async () => 'deleted',
    },
  });
  cookie = await staffCookie(h, 'acme');
  const start = startBody();
  callSid = start.callSid;
  conversationId = await seedCall(h, start, [msg(1)]);
  doc = (await h.app.inject({ url: '/openapi.json' })).json();
});
afterAll(async () => {
  await h.close();
});

describe('app-server under hostile input', () => {
  it('answers every generated request below 500, naming the field in each JSON 400', async () => {
    seen = await fuzzOperations(h.app, doc, {
      headers: (path) =>
        path.startsWith('/internal') || path.startsWith('/admin') ? h.serviceHeaders : { cookie },
      knownParams: { callSid: [callSid], id: [conversationId] },
      numRuns: 12,
    });
    const started = performance.now();
    expect((await h.app.inject({ url: '/health-check/live' })).statusCode).toBe(200);
    expect(performance.now() - started).toBeLessThan(1000);
  }, 600_000);
});

await describeOpenApiContract({
  doc: () => doc,
  routes: () => h.routes,
  seen: () => seen,
  happyPathProblems: () => happyPathProblems(h.app, doc, appServerHappyRows(h)),
});

describe('success statuses', () => {
  it('are the documented ones: creations 201, deletions 204', async () => {
    const created = await h.app.inject({
      method: 'POST',
      url: '/internal/conversations',
      headers: h.serviceHeaders,
      payload: startBody(),
    });
    expect(created.statusCode).toBe(201);
    expect(doc.paths['/internal/conversations']!.post!.responses).toHaveProperty('201');
    const out = await h.app.inject({ method: 'DELETE', url: '/api/session', headers: { cookie } });
    expect(out.statusCode).toBe(204);
    expect(doc.paths['/api/session']!.delete!.responses).toHaveProperty('204');
  });
});

describe('answers refused before any route runs', () => {
  it('carry nosniff and no-store and echo nothing: 414, 400 and 404', async () => {
    const app = h.app;
    const answers = [
      await app.inject({ url: `/api/conversations/${'k'.repeat(150)}`, headers: { cookie } }),
      await app.inject({ url: '/api/conversations/%E0%A4%Ak', headers: { cookie } }),
      await app.inject({ url: '/no-such-route-kkk', headers: { cookie } }),
    ];
    expect(answers.map((a) => a.statusCode)).toEqual([414, 400, 404]);
    for (const a of answers) {
      expect(a.headers['x-content-type-options']).toBe('nosniff');
      expect(a.headers['cache-control']).toBe('no-store');
      expect(a.body).not.toMatch(/kkk/);
    }
  });
});

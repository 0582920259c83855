// Brand isolation on EVERY admin route: brand A's key never reads or changes brand B's data. The route
// list comes from the app's own OpenAPI document, so a new admin route without a case here fails.
import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mintEndUserToken } from '../realtime/end-user-token.ts';
import { brand, profileBody, service, startTestApp, type TestApp } from '../testing/test-app.ts';

let t: TestApp;
let a: { brandId: string; apiKey: string };
let b: { brandId: string; apiKey: string };
let bArticleId: string;
let bKeyId: string;
let bOutboundId: string;
const B_DNC = ['+14155550901', '+14155550902'];

const call = (method: string, url: string, key: string, payload?: unknown): Promise<LightMyRequestResponse> =>
  t.app.inject({
    method: method as 'GET',
    url,
    headers: brand(key),
    ...(payload === undefined ? {} : { payload: payload as object }),
  });

beforeAll(async () => {
  t = await startTestApp();
  a = await t.createBrand('Brand A');
  b = await t.createBrand('Brand B');
  // Brand B owns a profile with credits, a tool, an article and a second key.
  expect(
    (
      await call(
        'POST',
        '/admin/profiles',
        b.apiKey,
        profileBody('b-profile', { phoneNumbers: ['+14155550900'] }),
      )
    ).statusCode,
  ).toBe(201);
  await call('POST', '/admin/profiles/b-profile/credits', b.apiKey, { seconds: 100 });
  expect(
    (
      await call('POST', '/admin/profiles/b-profile/tools', b.apiKey, {
        name: 'b_tool',
        description: 'B only',
        parameters: { type: 'object' },
        endpointUrl: 'https://b.example/hook',
      })
    ).statusCode,
  ).toBe(201);
  const ingest = await call('POST', '/admin/knowledge/articles', b.apiKey, {
    articles: [
      {
        externalId: 'shared-id',
        title: 'B secret article',
        body: 'Zebra unicorn warranty secrets of brand B.',
      },
      { externalId: 'b-only-id', title: 'B only', body: 'An article only brand B has.' },
    ],
  });
  bArticleId = ingest.json().results[0].articleId;
  bKeyId = (await call('POST', '/admin/api-keys', b.apiKey, { label: 'second' })).json().id;
  const bLanes = { primary: { name: 'b-secret-lane', store: 'postgres', retrieval: 'lexical' } };
  expect((await call('PUT', '/admin/knowledge/lanes', b.apiKey, bLanes)).statusCode).toBe(200);
  // B has an outbound call (placed without a dialer here, so written directly) and a do-not-call list.
  const bProfileId = (await call('GET', '/admin/profiles/b-profile', b.apiKey)).json().id as string;
  bOutboundId = (
    await t.db.prisma.outboundCall.create({
      data: {
        brandId: b.brandId,
        profileId: bProfileId,
        idempotencyKey: 'b-call',
        requestHash: 'h',
        toNumber: '+14155550903',
        fromNumber: '+14155550900',
        task: 'B secret task',
      },
    })
  ).id;
  await call('POST', '/admin/do-not-call', b.apiKey, { numbers: B_DNC });
  expect(
    (await call('PUT', '/admin/outbound-webhook', b.apiKey, { url: 'https://b.example/outcomes' }))
      .statusCode,
  ).toBe(201);
  // Brand A has its own profile, so "not found" is not just "A has nothing".
  await call('POST', '/admin/profiles', a.apiKey, profileBody('a-profile'));
});

afterAll(async () => {
  await t.close();
});

/** B's state, read with B's key, to prove A's attempts changed nothing. */
async function bState() {
  const profile = (await call('GET', '/admin/profiles/b-profile', b.apiKey)).json();
  const tool = (await call('GET', '/admin/profiles/b-profile/tools/b_tool', b.apiKey)).json();
  const article = (await call('GET', `/admin/knowledge/articles/${bArticleId}`, b.apiKey)).json();
  const keys = (await call('GET', '/admin/api-keys', b.apiKey)).json();
  const outbound = (await call('GET', `/admin/outbound-calls/${bOutboundId}`, b.apiKey)).json();
  const doNotCall = (await call('GET', '/admin/do-not-call', b.apiKey)).json();
  const webhook = (await call('GET', '/admin/outbound-webhook', b.apiKey)).json();
  return { profile, tool, article, keys, outbound, doNotCall, webhook };
}

type Case = () => Promise<void>;
const expectNotFound = async (res: LightMyRequestResponse, code: string) => {
  expect(res.statusCode, res.body).toBe(404);
  expect(res.json().error.code).toBe(code);
};

const cases: Record<string, Case> = {
  'POST /operator/brands': async () => {
    // Not an admin route: a brand key can't create brands.
    expect((await call('POST', '/operator/brands', a.apiKey, { name: 'x' })).statusCode).toBe(401);
  },
  'GET /admin/brand': async () => {
    expect((await call('GET', '/admin/brand', a.apiKey)).json()).toMatchObject({
      id: a.brandId,
      name: 'Brand A',
    });
  },
  'GET /admin/api-keys': async () => {
    const ids = (await call('GET', '/admin/api-keys', a.apiKey))
      .json()
      .apiKeys.map((k: { id: string }) => k.id);
    expect(ids).not.toContain(bKeyId);
  },
  'POST /admin/api-keys': async () => {
    const created = (await call('POST', '/admin/api-keys', a.apiKey, { label: 'a2' })).json();
    expect((await call('GET', '/admin/brand', created.key)).json().id).toBe(a.brandId);
  },
  'DELETE /admin/api-keys/{id}': async () => {
    await expectNotFound(await call('DELETE', `/admin/api-keys/${bKeyId}`, a.apiKey), 'API_KEY_NOT_FOUND');
  },
  'GET /admin/profiles': async () => {
    const keys = (await call('GET', '/admin/profiles', a.apiKey))
      .json()
      .profiles.map((p: { key: string }) => p.key);
    expect(keys).toEqual(['a-profile']);
  },
  'POST /admin/profiles': async () => {
    // Keys are per brand: A may name a profile like B's (and learns nothing about B); it is A's own.
    const same = await call('POST', '/admin/profiles', a.apiKey, profileBody('b-profile'));
    expect(same.statusCode).toBe(201);
    expect(same.json().brandId).toBe(a.brandId);
    expect((await call('DELETE', '/admin/profiles/b-profile', a.apiKey)).statusCode).toBe(204);
    // B's number stays B's (a conflict, not a takeover).
    expect(
      (
        await call(
          'POST',
          '/admin/profiles',
          a.apiKey,
          profileBody('a-new', { phoneNumbers: ['+14155550900'] }),
        )
      ).statusCode,
    ).toBe(409);
    expect((await call('POST', '/admin/profiles', a.apiKey, profileBody('a-second'))).json().brandId).toBe(
      a.brandId,
    );
  },
  'GET /admin/profiles/{key}': async () => {
    await expectNotFound(await call('GET', '/admin/profiles/b-profile', a.apiKey), 'PROFILE_NOT_FOUND');
  },
  'PATCH /admin/profiles/{key}': async () => {
    await expectNotFound(
      await call('PATCH', '/admin/profiles/b-profile', a.apiKey, { name: 'hijacked' }),
      'PROFILE_NOT_FOUND',
    );
  },
  'DELETE /admin/profiles/{key}': async () => {
    await expectNotFound(await call('DELETE', '/admin/profiles/b-profile', a.apiKey), 'PROFILE_NOT_FOUND');
  },
  'POST /admin/profiles/{key}/system-prompt/preview': async () => {
    await expectNotFound(
      await call('POST', '/admin/profiles/b-profile/system-prompt/preview', a.apiKey, {
        callerNumber: '+1',
        isSip: false,
        callSid: 'x',
      }),
      'PROFILE_NOT_FOUND',
    );
  },
  'POST /admin/profiles/{key}/credits': async () => {
    await expectNotFound(
      await call('POST', '/admin/profiles/b-profile/credits', a.apiKey, { seconds: 1000 }),
      'PROFILE_NOT_FOUND',
    );
  },
  'GET /admin/profiles/{key}/debits': async () => {
    await expectNotFound(
      await call('GET', '/admin/profiles/b-profile/debits', a.apiKey),
      'PROFILE_NOT_FOUND',
    );
  },
  'GET /admin/profiles/{key}/tools': async () => {
    await expectNotFound(await call('GET', '/admin/profiles/b-profile/tools', a.apiKey), 'PROFILE_NOT_FOUND');
  },
  'POST /admin/profiles/{key}/tools': async () => {
    await expectNotFound(
      await call('POST', '/admin/profiles/b-profile/tools', a.apiKey, {
        name: 'evil',
        description: 'x',
        parameters: { type: 'object' },
        endpointUrl: 'https://a.example/steal',
      }),
      'PROFILE_NOT_FOUND',
    );
  },
  'GET /admin/profiles/{key}/tools/{name}': async () => {
    await expectNotFound(
      await call('GET', '/admin/profiles/b-profile/tools/b_tool', a.apiKey),
      'PROFILE_NOT_FOUND',
    );
  },
  'PATCH /admin/profiles/{key}/tools/{name}': async () => {
    await expectNotFound(
      await call('PATCH', '/admin/profiles/b-profile/tools/b_tool', a.apiKey, {
        endpointUrl: 'https://a.example/steal',
      }),
      'PROFILE_NOT_FOUND',
    );
  },
  'DELETE /admin/profiles/{key}/tools/{name}': async () => {
    await expectNotFound(
      await call('DELETE', '/admin/profiles/b-profile/tools/b_tool', a.apiKey),
      'PROFILE_NOT_FOUND',
    );
  },
  'POST /admin/knowledge/articles': async () => {
    // The same externalId under A creates A's own article; B's stays as it was.
    const res = await call('POST', '/admin/knowledge/articles', a.apiKey, {
      articles: [{ externalId: 'shared-id', title: 'A article', body: 'Brand A text about bicycles.' }],
    });
    expect(res.json().results[0]).toMatchObject({ status: 'created' });
    expect(res.json().results[0].articleId).not.toBe(bArticleId);
  },
  'GET /admin/knowledge/articles': async () => {
    const ids = (await call('GET', '/admin/knowledge/articles', a.apiKey))
      .json()
      .articles.map((x: { id: string }) => x.id);
    expect(ids).not.toContain(bArticleId);
  },
  'GET /admin/knowledge/articles/{articleId}': async () => {
    await expectNotFound(
      await call('GET', `/admin/knowledge/articles/${bArticleId}`, a.apiKey),
      'ARTICLE_NOT_FOUND',
    );
  },
  'DELETE /admin/knowledge/articles/{articleId}': async () => {
    await expectNotFound(
      await call('DELETE', `/admin/knowledge/articles/${bArticleId}`, a.apiKey),
      'ARTICLE_NOT_FOUND',
    );
  },
  'POST /admin/outbound-calls': async () => {
    await expectNotFound(
      await call('POST', '/admin/outbound-calls', a.apiKey, {
        to: '+14155550904',
        profileKey: 'b-profile',
        task: 'Call for B',
        idempotencyKey: 'b-call',
      }),
      'PROFILE_NOT_FOUND',
    );
  },
  'GET /admin/outbound-calls/{id}': async () => {
    await expectNotFound(
      await call('GET', `/admin/outbound-calls/${bOutboundId}`, a.apiKey),
      'OUTBOUND_CALL_NOT_FOUND',
    );
  },
  'GET /admin/outbound-webhook': async () => {
    await expectNotFound(await call('GET', '/admin/outbound-webhook', a.apiKey), 'WEBHOOK_NOT_FOUND');
  },
  'PUT /admin/outbound-webhook': async () => {
    // A's key makes A's own webhook (with its own secret); B's URL and secret stay as they were.
    const res = await call('PUT', '/admin/outbound-webhook', a.apiKey, { url: 'https://a.example/steal' });
    expect(res.statusCode).toBe(201);
    expect(res.json().url).toBe('https://a.example/steal');
    expect((await call('GET', '/admin/outbound-webhook', b.apiKey)).json().url).toBe(
      'https://b.example/outcomes',
    );
    expect((await call('DELETE', '/admin/outbound-webhook', a.apiKey)).statusCode).toBe(204);
  },
  'DELETE /admin/outbound-webhook': async () => {
    await expectNotFound(await call('DELETE', '/admin/outbound-webhook', a.apiKey), 'WEBHOOK_NOT_FOUND');
  },
  'POST /admin/client-token-secret': async () => {
    const bSecret = (await call('POST', '/admin/client-token-secret', b.apiKey)).json().secret as string;
    const aSecret = (await call('POST', '/admin/client-token-secret', a.apiKey)).json().secret as string;
    expect(aSecret).not.toBe(bSecret);
    const stored = await t.db.prisma.brand.findUniqueOrThrow({ where: { id: b.brandId } });
    expect(stored.clientTokenSecret).toBe(bSecret);
    // A token signed with A's secret but naming brand B mints nothing of B's.
    const exp = Math.floor(Date.now() / 1000) + 300;
    const forged = mintEndUserToken(aSecret, { brand: b.brandId, profile: 'b-profile', sub: 'u1', exp });
    const res = await call('POST', '/v1/realtime/client-secrets', forged, {});
    expect(res.statusCode).toBe(401);
    // Nor does A's key reach B's profile.
    const byKey = await call('POST', '/v1/realtime/client-secrets', a.apiKey, { profile: 'b-profile' });
    await expectNotFound(byKey, 'PROFILE_NOT_FOUND');
  },
  'DELETE /admin/client-token-secret': async () => {
    await call('POST', '/admin/client-token-secret', b.apiKey);
    expect((await call('DELETE', '/admin/client-token-secret', a.apiKey)).statusCode).toBe(204);
    const stored = await t.db.prisma.brand.findUniqueOrThrow({ where: { id: b.brandId } });
    expect(stored.clientTokenSecret).not.toBeNull();
  },
  'GET /admin/do-not-call': async () => {
    expect((await call('GET', '/admin/do-not-call', a.apiKey)).json()).toEqual({ numbers: [] });
  },
  'POST /admin/do-not-call': async () => {
    // A's own list gets the number; B's stays as it was.
    expect((await call('POST', '/admin/do-not-call', a.apiKey, { numbers: [B_DNC[0]] })).json()).toEqual({
      added: 1,
    });
    await call('DELETE', `/admin/do-not-call/${encodeURIComponent(B_DNC[0]!)}`, a.apiKey);
  },
  'DELETE /admin/do-not-call/{number}': async () => {
    await expectNotFound(
      await call('DELETE', `/admin/do-not-call/${encodeURIComponent(B_DNC[1]!)}`, a.apiKey),
      'DO_NOT_CALL_NOT_FOUND',
    );
  },
  'POST /admin/knowledge/search': async () => {
    const res = (
      await call('POST', '/admin/knowledge/search', a.apiKey, { query: 'zebra unicorn warranty secrets' })
    ).json();
    expect(res.results.map((r: { articleId: string }) => r.articleId)).not.toContain(bArticleId);
  },
  'GET /admin/knowledge/lanes': async () => {
    const body = (await call('GET', '/admin/knowledge/lanes', a.apiKey)).body;
    expect(body).not.toContain('b-secret-lane');
  },
  'PUT /admin/knowledge/lanes': async () => {
    const put = await call('PUT', '/admin/knowledge/lanes', a.apiKey, {
      primary: { name: 'a-lane', store: 'postgres', retrieval: 'hybrid' },
    });
    expect(put.statusCode).toBe(200);
    expect((await call('GET', '/admin/knowledge/lanes', b.apiKey)).json().lanes[0].name).toBe(
      'b-secret-lane',
    );
  },
  'GET /admin/knowledge/lanes/consistency': async () => {
    const own = (await call('GET', '/admin/knowledge/articles', a.apiKey)).json().articles.length;
    expect((await call('GET', '/admin/knowledge/lanes/consistency', a.apiKey)).json().postgres.articles).toBe(
      own,
    );
  },
  'POST /admin/knowledge/lanes/evaluate': async () => {
    const res = await call('POST', '/admin/knowledge/lanes/evaluate', a.apiKey, {
      queries: [{ query: 'zebra unicorn warranty secrets', answers: ['b-only-id'] }],
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.message).toBe('body.queries.0.answers.0 is not an article of this brand');
  },
};

describe('brand isolation', () => {
  it('has a case for every admin and operator route in the OpenAPI document', async () => {
    const doc = (await t.app.inject({ url: '/openapi.json' })).json() as {
      paths: Record<string, Record<string, unknown>>;
    };
    const routes = Object.entries(doc.paths)
      .filter(([path]) => path.startsWith('/admin') || path.startsWith('/operator'))
      .flatMap(([path, methods]) => Object.keys(methods).map((m) => `${m.toUpperCase()} ${path}`));
    expect(routes.sort()).toEqual(Object.keys(cases).sort());
  });

  for (const [route, run] of Object.entries(cases)) {
    it(`${route}: brand A can't see or change brand B's data`, async () => {
      const before = await bState();
      await run();
      expect(await bState()).toEqual(before);
    });
  }

  it('refuses every admin route without a key, and with the service token', async () => {
    for (const route of Object.keys(cases).filter((r) => r.includes('/admin'))) {
      const [method, path] = route.split(' ') as [string, string];
      const url = path
        .replace('{key}', 'b-profile')
        .replace('{name}', 'b_tool')
        .replace('{articleId}', bArticleId)
        .replace('{id}', bKeyId);
      const anon = await t.app.inject({ method: method as 'GET', url });
      expect(anon.statusCode, route).toBe(401);
      const svc = await t.app.inject({ method: method as 'GET', url, headers: service });
      expect(svc.statusCode, route).toBe(401);
    }
  });

  it('stops honouring a revoked key', async () => {
    const created = (await call('POST', '/admin/api-keys', a.apiKey, { label: 'short-lived' })).json();
    expect((await call('DELETE', `/admin/api-keys/${created.id}`, a.apiKey)).statusCode).toBe(204);
    const res = await call('GET', '/admin/brand', created.key);
    expect(res.statusCode).toBe(401);
    expect(res.json().error.code).toBe('INVALID_API_KEY');
  });
});

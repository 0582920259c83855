import { createServer } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { buildBaseApp } from './app.ts';
import { requireServiceToken } from './auth.ts';
import { Errors, ServiceError } from './errors.ts';
import { JsonClient } from './http-client.ts';
import { createLogger } from './logger.ts';

const lines: string[] = [];
const logger = createLogger({ name: 'test', destination: { write: (l: string) => lines.push(l) } });

function app(ready = true) {
  const a = buildBaseApp({ logger, ready: () => ready });
  a.post(
    '/things',
    {
      preHandler: requireServiceToken('secret-token'),
      schema: {
        body: {
          type: 'object',
          required: ['name'],
          additionalProperties: false,
          properties: { name: { type: 'string' }, size: { type: 'integer', minimum: 1 } },
        },
      },
    },
    async (req) => req.body,
  );
  a.get('/boom', async () => {
    throw new Error('database password is hunter2');
  });
  a.get('/missing', async () => {
    throw Errors.notFound('no such thing');
  });
  return a;
}

const auth = { authorization: 'Bearer secret-token' };

describe('buildBaseApp', () => {
  it('answers health checks; readiness follows the callback', async () => {
    expect((await app().inject({ url: '/health-check/live' })).statusCode).toBe(200);
    expect((await app(false).inject({ url: '/health-check/ready' })).statusCode).toBe(503);
    expect((await app(false).inject({ url: '/health-check/live' })).statusCode).toBe(200);
  });

  it('names the field of an invalid body in a 400', async () => {
    const missing = await app().inject({ method: 'POST', url: '/things', headers: auth, payload: {} });
    expect(missing.statusCode).toBe(400);
    expect(missing.json()).toEqual({ error: { code: 'BAD_REQUEST', message: 'body.name is required' } });
    const extra = await app().inject({
      method: 'POST',
      url: '/things',
      headers: auth,
      payload: { name: 'a', colour: 'red' },
    });
    expect(extra.json().error.message).toBe('body.colour is not allowed');
    const range = await app().inject({
      method: 'POST',
      url: '/things',
      headers: auth,
      payload: { name: 'a', size: 0 },
    });
    expect(range.json().error.message).toBe('body.size must be >= 1');
  });

  it('refuses a missing or wrong service token with 401', async () => {
    const none = await app().inject({ method: 'POST', url: '/things', payload: { name: 'a' } });
    expect(none.statusCode).toBe(401);
    const wrong = await app().inject({
      method: 'POST',
      url: '/things',
      headers: { authorization: 'Bearer nope' },
      payload: { name: 'a' },
    });
    expect(wrong.json().error).toEqual({ code: 'UNAUTHORIZED', message: 'invalid service token' });
  });

  it('turns ServiceErrors into their status and hides internal errors', async () => {
    expect((await app().inject({ url: '/missing' })).json()).toEqual({
      error: { code: 'NOT_FOUND', message: 'no such thing' },
    });
    const boom = await app().inject({ url: '/boom' });
    expect(boom.statusCode).toBe(500);
    expect(boom.body).not.toContain('hunter2');
    expect((await app().inject({ url: '/nowhere' })).statusCode).toBe(404);
  });

  it('puts nosniff and no-store on answers refused before any route runs, echoing nothing', async () => {
    const a = app();
    a.get('/things/:id', async () => ({}));
    const secure = (headers: Record<string, unknown>) => ({
      nosniff: headers['x-content-type-options'],
      cache: headers['cache-control'],
    });
    const longParam = await a.inject({ url: `/things/${'q'.repeat(150)}` });
    expect(longParam.statusCode).toBe(414);
    expect(longParam.json().error.code).toBe('URI_TOO_LONG');
    expect(longParam.body).not.toContain('qqq');
    expect(secure(longParam.headers)).toEqual({ nosniff: 'nosniff', cache: 'no-store' });
    const badUrl = await a.inject({ url: '/things/%E0%A4%Aq' });
    expect(badUrl.statusCode).toBe(400);
    expect(badUrl.json().error.message).toMatch(/^params: /);
    expect(secure(badUrl.headers)).toEqual({ nosniff: 'nosniff', cache: 'no-store' });
    const missing = await a.inject({ url: '/nowhere/<b>' });
    expect(missing.statusCode).toBe(404);
    expect(missing.body).not.toContain('nowhere');
    expect(secure(missing.headers)).toEqual({ nosniff: 'nosniff', cache: 'no-store' });
  });

  it('answers a request Node cannot parse with a catalog body and the security headers', async () => {
    const a = app();
    await a.listen({ port: 0, host: '127.0.0.1' });
    try {
      const { port } = a.server.address() as { port: number };
      const res = await fetch(`http://127.0.0.1:${port}/health-check/live`, {
        headers: { 'x-big': 'y'.repeat(20_000) },
      });
      expect(res.status).toBe(431);
      expect(await res.json()).toEqual({
        error: { code: 'HEADERS_TOO_LARGE', message: 'request headers are too large' },
      });
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      expect(res.headers.get('cache-control')).toBe('no-store');
    } finally {
      await a.close();
    }
  });

  it('never trims an answer to its response schema (a field the schema forgets still arrives)', async () => {
    const a = app();
    const response = { 200: { type: 'object', properties: { kept: { type: 'string' } } } };
    a.get('/schema-trim', { schema: { response } }, async () => ({ kept: 'a', forgotten: { deep: [1] } }));
    expect((await a.inject({ url: '/schema-trim' })).json()).toEqual({ kept: 'a', forgotten: { deep: [1] } });
  });

  it('keeps the bearer token out of the logs', async () => {
    lines.length = 0;
    await app().inject({ method: 'POST', url: '/things', headers: auth, payload: { name: 'a' } });
    expect(lines.join('')).not.toContain('secret-token');
  });
});

describe('JsonClient', () => {
  let server: ReturnType<typeof createServer> | undefined;
  afterEach(() => server?.close());

  async function serve(handler: Parameters<typeof createServer>[1]): Promise<string> {
    server = createServer(handler);
    await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
    const { port } = server.address() as { port: number };
    return `http://127.0.0.1:${port}`;
  }

  it('sends the token and JSON, and parses the answer', async () => {
    const url = await serve((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () =>
        res.end(JSON.stringify({ auth: req.headers.authorization, body: JSON.parse(body) })),
      );
    });
    const client = new JsonClient({ baseUrl: url, token: 't0k' });
    expect(await client.request({ path: '/x', body: { a: 1 } })).toEqual({
      auth: 'Bearer t0k',
      body: { a: 1 },
    });
  });

  it('maps error bodies, 5xx and timeouts to ServiceErrors with retryable set', async () => {
    const url = await serve((req, res) => {
      if (req.url === '/404') {
        res.statusCode = 404;
        res.end(JSON.stringify({ error: { code: 'PROFILE_NOT_FOUND', message: 'no profile' } }));
      } else if (req.url === '/503') {
        res.statusCode = 503;
        res.end('{}');
      }
      // /slow never answers
    });
    const client = new JsonClient({ baseUrl: url, timeoutMs: 200 });
    await expect(client.request({ path: '/404' })).rejects.toMatchObject({
      code: 'PROFILE_NOT_FOUND',
      statusCode: 404,
      retryable: false,
    });
    await expect(client.request({ path: '/503' })).rejects.toMatchObject({
      statusCode: 503,
      retryable: true,
    });
    const slow = await client.request({ path: '/slow' }).catch((e: unknown) => e);
    expect(slow).toBeInstanceOf(ServiceError);
    expect(slow).toMatchObject({ code: 'UPSTREAM_TIMEOUT', retryable: true });
  });

  it('reports an unreachable peer as retryable', async () => {
    const client = new JsonClient({ baseUrl: 'http://127.0.0.1:9', timeoutMs: 1000 });
    await expect(client.request({ path: '/x' })).rejects.toMatchObject({
      code: 'UPSTREAM_UNREACHABLE',
      retryable: true,
    });
  });
});

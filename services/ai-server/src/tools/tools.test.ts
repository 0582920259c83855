import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { brand, profileBody, service, startTestApp, type TestApp } from '../testing/test-app.ts';
import {
  endpointProblem,
  isNonPublicAddress,
  resolvedAddressProblem,
  type ToolEndpointPolicy,
} from './endpoint-policy.ts';

type Handler = (req: IncomingMessage, body: string, res: ServerResponse) => void;

/** A brand's endpoint: answers per path; remembers the last request. */
async function startEndpoint(routes: Record<string, Handler>) {
  const seen: Array<{ path: string; headers: IncomingMessage['headers']; body: string; method: string }> = [];
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => {
      body += c;
    });
    req.on('end', () => {
      const path = req.url ?? '/';
      seen.push({ path, headers: req.headers, body, method: req.method ?? '' });
      const h = routes[path];
      if (!h) {
        res.writeHead(404).end('no such route');
        return;
      }
      h(req, body, res);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as AddressInfo).port;
  return {
    url: (path: string) => `http://127.0.0.1:${port}${path}`,
    port,
    seen,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

let t: TestApp;
let apiKey: string;
let endpoint: Awaited<ReturnType<typeof startEndpoint>>;
let other: Awaited<ReturnType<typeof startEndpoint>>;

const orderSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['orderId'],
  properties: { orderId: { type: 'string', pattern: '^[0-9]{4,10}$' }, verbose: { type: 'boolean' } },
};

beforeAll(async () => {
  other = await startEndpoint({ '/elsewhere': (_q, _b, res) => res.writeHead(200).end('{}') });
  endpoint = await startEndpoint({
    '/order': (_req, body, res) => {
      const { arguments: args } = JSON.parse(body) as { arguments: { orderId: string } };
      res
        .writeHead(200, { 'content-type': 'application/json' })
        .end(JSON.stringify({ status: 'shipped', orderId: args.orderId }));
    },
    '/slow': (_req, _body, res) => {
      setTimeout(() => res.writeHead(200, { 'content-type': 'application/json' }).end('{}'), 2000).unref();
    },
    '/big': (_req, _body, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end('x'.repeat(10_000));
    },
    '/big-chunked': (_req, _body, res) => {
      res.writeHead(200, { 'content-type': 'text/plain', 'transfer-encoding': 'chunked' });
      for (let i = 0; i < 10; i++) res.write('y'.repeat(1000));
      res.end();
    },
    '/fails': (_req, _body, res) =>
      res.writeHead(503, { 'content-type': 'text/plain' }).end('maintenance window'),
    '/not-json': (_req, _body, res) =>
      res.writeHead(200, { 'content-type': 'application/json' }).end('{oops'),
    '/redirect-same': (_req, _body, res) => res.writeHead(307, { location: '/order' }).end(),
    '/redirect-other': (_req, _body, res) => res.writeHead(302, { location: other.url('/elsewhere') }).end(),
    '/redirect-loop': (_req, _body, res) => res.writeHead(307, { location: '/redirect-loop' }).end(),
  });
  t = await startTestApp();
  ({ apiKey } = await t.createBrand('Tools brand'));
  await t.app.inject({
    method: 'POST',
    url: '/admin/profiles',
    headers: brand(apiKey),
    payload: profileBody('tools-main'),
  });
});

afterAll(async () => {
  await t.close();
  await endpoint.close();
  await other.close();
});

async function addTool(name: string, path: string, extra: Record<string, unknown> = {}) {
  return t.app.inject({
    method: 'POST',
    url: '/admin/profiles/tools-main/tools',
    headers: brand(apiKey),
    payload: {
      name,
      description: `Tool ${name}`,
      parameters: orderSchema,
      endpointUrl: endpoint.url(path),
      ...extra,
    },
  });
}

const execute = (name: string, args: unknown) =>
  t.app.inject({
    method: 'POST',
    url: '/voiceagent/execute_tool/',
    headers: service,
    payload: { profileKey: 'tools-main', name, arguments: args, callSid: 'CA-tools' },
  });

describe('dynamic tools: admin', () => {
  it('creates tools, hides the secret, and lists them as Realtime function schemas', async () => {
    const res = await addTool('order_status', '/order', {
      secretHeaderName: 'X-Brand-Secret',
      secretHeaderValue: 's3cret',
      timeoutMs: 3000,
    });
    expect(res.statusCode).toBe(201);
    expect(res.json()).toMatchObject({
      name: 'order_status',
      hasSecret: true,
      secretHeaderName: 'X-Brand-Secret',
      timeoutMs: 3000,
    });
    expect(res.body).not.toContain('s3cret');
    await addTool('disabled_tool', '/order', { enabled: false });

    const tools = await t.app.inject({
      url: '/voiceagent/get_available_tools/?profileKey=tools-main',
      headers: service,
    });
    expect(tools.json().tools).toContainEqual({
      type: 'function',
      name: 'order_status',
      description: 'Tool order_status',
      parameters: orderSchema,
      timeoutMs: 3000,
    });
    expect(tools.json().tools.map((x: { name: string }) => x.name)).not.toContain('disabled_tool');
  });

  it('refuses bad definitions with a 400 naming the field', async () => {
    const cases: Array<[Record<string, unknown>, RegExp]> = [
      [{ parameters: { type: 'string' } }, /body\.parameters must have type "object"/],
      [
        { parameters: { type: 'object', properties: { a: { type: 'nonsense' } } } },
        /body\.parameters is not a valid JSON schema/,
      ],
      [
        { endpointUrl: 'http://example.com/hook' },
        /body\.endpointUrl must use https \(http only for loopback hosts\)/,
      ],
      [{ endpointUrl: 'ftp://example.com/hook' }, /body\.endpointUrl must use https/],
      [{ endpointUrl: 'https://user:pw@example.com/hook' }, /body\.endpointUrl must not carry credentials/],
      [{ timeoutMs: 60_000 }, /body\.timeoutMs must be <= 10000/],
      [{ secretHeaderName: 'X-Secret' }, /secretHeaderName and body\.secretHeaderValue go together/],
      [{ name: 'search_knowledge_base' }, /body\.name search_knowledge_base is reserved/],
      [{ name: 'switch_language' }, /body\.name switch_language is reserved/],
      [{ name: 'bad name' }, /body\.name must match pattern/],
    ];
    for (const [patch, message] of cases) {
      const res = await addTool((patch.name as string) ?? 'bad_tool', '/order', patch);
      expect(res.statusCode, JSON.stringify(patch)).toBe(400);
      expect(res.json().error.message).toMatch(message);
    }
    const dup = await addTool('order_status', '/order');
    expect(dup.statusCode).toBe(409);
  });

  it('patches and deletes a tool', async () => {
    await addTool('temp_tool', '/order');
    const patched = await t.app.inject({
      method: 'PATCH',
      url: '/admin/profiles/tools-main/tools/temp_tool',
      headers: brand(apiKey),
      payload: { description: 'Changed', timeoutMs: 1500 },
    });
    expect(patched.json()).toMatchObject({ description: 'Changed', timeoutMs: 1500 });
    expect(
      (
        await t.app.inject({
          method: 'DELETE',
          url: '/admin/profiles/tools-main/tools/temp_tool',
          headers: brand(apiKey),
        })
      ).statusCode,
    ).toBe(204);
    expect(
      (await t.app.inject({ url: '/admin/profiles/tools-main/tools/temp_tool', headers: brand(apiKey) }))
        .statusCode,
    ).toBe(404);
  });
});

describe('dynamic tools: execution', () => {
  it('validates arguments, calls the endpoint with the secret header, returns the result', async () => {
    const res = await execute('order_status', JSON.stringify({ orderId: '12345' }));
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({
      ok: true,
      status: 200,
      result: { status: 'shipped', orderId: '12345' },
    });
    const last = endpoint.seen.at(-1)!;
    expect(last.headers['x-brand-secret']).toBe('s3cret');
    expect(JSON.parse(last.body)).toEqual({
      tool: 'order_status',
      arguments: { orderId: '12345' },
      callSid: 'CA-tools',
      profileKey: 'tools-main',
    });
    expect(JSON.stringify(t.logs)).not.toContain('s3cret');
  });

  it('reports bad arguments naming the field, without calling the endpoint', async () => {
    const before = endpoint.seen.length;
    expect((await execute('order_status', {})).json().error).toEqual({
      code: 'INVALID_ARGUMENTS',
      message: 'arguments.orderId is required',
    });
    expect((await execute('order_status', { orderId: 'abc' })).json().error.message).toBe(
      'arguments.orderId must match pattern "^[0-9]{4,10}$"',
    );
    expect((await execute('order_status', { orderId: '1234', extra: 1 })).json().error.message).toBe(
      'arguments.extra is not allowed',
    );
    expect((await execute('order_status', '{not json')).json().error.code).toBe('INVALID_ARGUMENTS');
    expect(endpoint.seen.length).toBe(before);
  });

  it('tells the model about unknown and disabled tools', async () => {
    expect((await execute('no_such_tool', {})).json()).toMatchObject({
      ok: false,
      error: { code: 'UNKNOWN_TOOL' },
    });
    expect((await execute('disabled_tool', { orderId: '1234' })).json()).toMatchObject({
      ok: false,
      error: { code: 'UNKNOWN_TOOL' },
    });
  });

  it('times every run and counts failures by code at /metrics', async () => {
    const count = (text: string, series: string) =>
      Number(new RegExp(`^${series.replace(/[{}]/g, '\\$&')} (\\S+)$`, 'm').exec(text)?.[1] ?? 0);
    const before = (await t.app.inject({ url: '/metrics' })).body;
    await execute('order_status', { orderId: '12345' });
    await execute('no_such_tool', {});
    const after = (await t.app.inject({ url: '/metrics' })).body;
    const delta = (series: string) => count(after, series) - count(before, series);
    expect(delta('ai_tool_execution_seconds_count{outcome="ok"}')).toBe(1);
    expect(delta('ai_tool_execution_seconds_count{outcome="error"}')).toBe(1);
    expect(delta('ai_tool_errors_total{code="UNKNOWN_TOOL"}')).toBe(1);
  });

  it('times out at the tool timeout', async () => {
    await addTool('slow_tool', '/slow', { timeoutMs: 200 });
    expect((await execute('slow_tool', { orderId: '1234' })).json()).toMatchObject({
      ok: false,
      error: { code: 'TIMEOUT', message: 'endpoint did not answer within 200 ms' },
    });
  });

  it('caps the response size, declared or streamed', async () => {
    await addTool('big_tool', '/big');
    await addTool('big_chunked', '/big-chunked');
    expect((await execute('big_tool', { orderId: '1234' })).json().error).toMatchObject({
      code: 'RESPONSE_TOO_LARGE',
    });
    expect((await execute('big_chunked', { orderId: '1234' })).json().error).toMatchObject({
      code: 'RESPONSE_TOO_LARGE',
    });
  });

  it('reports endpoint errors and invalid JSON', async () => {
    await addTool('failing_tool', '/fails');
    await addTool('garbled_tool', '/not-json');
    expect((await execute('failing_tool', { orderId: '1234' })).json().error).toEqual({
      code: 'HTTP_ERROR',
      message: 'endpoint answered 503: maintenance window',
      status: 503,
    });
    expect((await execute('garbled_tool', { orderId: '1234' })).json().error.code).toBe('BAD_RESPONSE');
  });

  it('follows redirects on the same origin only', async () => {
    await addTool('redirect_same', '/redirect-same');
    await addTool('redirect_other', '/redirect-other');
    await addTool('redirect_loop', '/redirect-loop');
    expect((await execute('redirect_same', { orderId: '5555' })).json()).toMatchObject({
      ok: true,
      result: { orderId: '5555' },
    });
    const otherBefore = other.seen.length;
    expect((await execute('redirect_other', { orderId: '5555' })).json().error).toMatchObject({
      code: 'REDIRECT_REFUSED',
    });
    expect(other.seen.length).toBe(otherBefore);
    expect((await execute('redirect_loop', { orderId: '5555' })).json().error).toMatchObject({
      code: 'REDIRECT_REFUSED',
      message: 'endpoint redirected too many times',
    });
  });
});

describe('endpoint policy', () => {
  const strict: ToolEndpointPolicy = {
    allowInsecureLoopback: false,
    allowPrivateNetworks: false,
    maxResponseBytes: 1,
    maxTimeoutMs: 1,
  };
  const loose = { ...strict, allowInsecureLoopback: true };

  it('wants https, and http only for loopback hosts when allowed', () => {
    expect(endpointProblem('https://api.brand.example/hook', strict)).toBeUndefined();
    expect(endpointProblem('http://127.0.0.1:8080/hook', strict)).toBe('must use https');
    expect(endpointProblem('https://localhost/hook', strict)).toBe('must not point at a loopback host');
    expect(endpointProblem('http://127.0.0.1:8080/hook', loose)).toBeUndefined();
    expect(endpointProblem('http://[::1]:8080/hook', loose)).toBeUndefined();
    expect(endpointProblem('http://10.0.0.5/hook', loose)).toBe(
      'must use https (http only for loopback hosts)',
    );
  });

  it('refuses hosts resolving to non-public addresses', async () => {
    const resolveTo = (ip: string) => async () => [ip];
    const url = new URL('https://hooks.brand.example/x');
    expect(await resolvedAddressProblem(url, strict, resolveTo('93.184.216.34'))).toBeUndefined();
    expect(await resolvedAddressProblem(url, strict, resolveTo('10.1.2.3'))).toBe(
      'resolves to a non-public address',
    );
    expect(await resolvedAddressProblem(url, strict, resolveTo('169.254.169.254'))).toBe(
      'resolves to a non-public address',
    );
    expect(await resolvedAddressProblem(url, strict, resolveTo('fd00::1'))).toBe(
      'resolves to a non-public address',
    );
    expect(
      await resolvedAddressProblem(url, { ...strict, allowPrivateNetworks: true }, resolveTo('10.1.2.3')),
    ).toBeUndefined();
    expect(isNonPublicAddress('::ffff:192.168.1.1')).toBe(true);
    expect(isNonPublicAddress('8.8.8.8')).toBe(false);
  });

  it('refuses private, link-local and metadata endpoints on save, naming the field', async () => {
    const guarded = await startTestApp({
      toolPolicy: { allowInsecureLoopback: false },
      resolveHost: async () => ['10.0.0.7'],
    });
    try {
      const { apiKey: key } = await guarded.createBrand();
      await guarded.app.inject({
        method: 'POST',
        url: '/admin/profiles',
        headers: brand(key),
        payload: profileBody('guarded'),
      });
      for (const endpointUrl of [
        'https://10.0.0.5/hook',
        'https://169.254.169.254/latest/meta-data',
        'https://192.168.1.20/x',
        'https://[fd00::1]/x',
        'https://intranet.example/hook',
      ]) {
        const res = await guarded.app.inject({
          method: 'POST',
          url: '/admin/profiles/guarded/tools',
          headers: brand(key),
          payload: { name: 'internal_hook', description: 'x', parameters: { type: 'object' }, endpointUrl },
        });
        expect(res.statusCode, endpointUrl).toBe(400);
        expect(res.json().error).toEqual({
          code: 'INVALID_TOOL',
          message: 'body.endpointUrl resolves to a non-public address',
        });
      }
    } finally {
      await guarded.close();
    }
  });

  it('checks again at call time, at the connection itself (DNS rebinding)', async () => {
    // Public to the save check and the pre-call check, private when the connection resolves it.
    let lookups = 0;
    const guarded = await startTestApp({
      toolPolicy: { allowInsecureLoopback: false },
      resolveHost: async () => (++lookups <= 2 ? ['93.184.216.34'] : ['10.0.0.7']),
    });
    try {
      const { apiKey: key } = await guarded.createBrand();
      await guarded.app.inject({
        method: 'POST',
        url: '/admin/profiles',
        headers: brand(key),
        payload: profileBody('guarded'),
      });
      const created = await guarded.app.inject({
        method: 'POST',
        url: '/admin/profiles/guarded/tools',
        headers: brand(key),
        payload: {
          name: 'rebinding_hook',
          description: 'x',
          parameters: { type: 'object' },
          endpointUrl: 'https://rebind.example/hook',
        },
      });
      expect(created.statusCode).toBe(201);
      const res = await guarded.app.inject({
        method: 'POST',
        url: '/voiceagent/execute_tool/',
        headers: service,
        payload: { profileKey: 'guarded', name: 'rebinding_hook', arguments: {}, callSid: 'CA1' },
      });
      expect(lookups).toBe(3);
      expect(res.json()).toMatchObject({
        ok: false,
        error: { code: 'ENDPOINT_REFUSED', message: 'endpoint resolves to a non-public address' },
      });
    } finally {
      await guarded.close();
    }
  });
});

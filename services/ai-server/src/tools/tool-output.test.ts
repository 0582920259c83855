// What a brand's endpoint answers is third-party text: NUL and unpaired surrogates are repaired before
// the result goes back (it reaches the transcript), and JSON nested too deep is refused, never walked.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { brand, profileBody, service, startTestApp, type TestApp } from '../testing/test-app.ts';
import { MAX_TOOL_JSON_DEPTH } from './tool-executor.ts';

let t: TestApp;
let server: Server;
let base: string;
const deep = (n: number) => `${'['.repeat(n)}${']'.repeat(n)}`;
const answers: Record<string, { type: string; body: string }> = {
  '/nul-json': { type: 'application/json', body: '{"status":"shipped\\u0000","note":["a\\ud800b"]}' },
  '/nul-text': { type: 'text/plain', body: 'plain\u0000text' },
  '/deep': { type: 'application/json', body: deep(10_000) },
};

beforeAll(async () => {
  server = createServer((req, res) => {
    const a = answers[req.url ?? ''];
    req.resume();
    res.writeHead(a ? 200 : 404, { 'content-type': a?.type ?? 'text/plain' }).end(a?.body ?? '');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  t = await startTestApp({ toolPolicy: { maxResponseBytes: 65_536 } });
  const { apiKey } = await t.createBrand();
  await t.app.inject({
    method: 'POST',
    url: '/admin/profiles',
    headers: brand(apiKey),
    payload: profileBody('shop'),
  });
  for (const name of Object.keys(answers)) {
    const created = await t.app.inject({
      method: 'POST',
      url: '/admin/profiles/shop/tools',
      headers: brand(apiKey),
      payload: {
        name: name.slice(1).replace('-', '_'),
        description: 'x',
        parameters: { type: 'object' },
        endpointUrl: `${base}${name}`,
      },
    });
    expect(created.statusCode, created.body).toBe(201);
  }
});
afterAll(async () => {
  await t.close();
  server.close();
});

const run = (name: string, args: unknown = {}) =>
  t.app.inject({
    method: 'POST',
    url: '/voiceagent/execute_tool/',
    headers: service,
    payload: { profileKey: 'shop', name, arguments: args, callSid: 'CA1' },
  });

describe('tool results and arguments', () => {
  it('repairs NUL and unpaired surrogates in a JSON or text result', async () => {
    expect((await run('nul_json')).json()).toMatchObject({
      ok: true,
      result: { status: 'shipped', note: ['a\uFFFDb'] },
    });
    expect((await run('nul_text')).json()).toMatchObject({ ok: true, result: 'plaintext' });
  });

  it('refuses a result or arguments nested too deep, without parsing them', async () => {
    expect((await run('deep')).json()).toMatchObject({
      ok: false,
      error: {
        code: 'BAD_RESPONSE',
        message: `endpoint answered JSON nested deeper than ${MAX_TOOL_JSON_DEPTH} levels`,
      },
    });
    const res = await run('nul_json', deep(10_000));
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ ok: false, error: { code: 'INVALID_ARGUMENTS' } });
  });

  it("the model's arguments with NUL are repaired, not refused", async () => {
    const res = await run('nul_json', '{"order":"12\u000034"}');
    expect(res.statusCode).toBe(200);
    expect(res.json().ok).toBe(true);
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadAiServerConfig } from './config.ts';
import { startTestApp, type TestApp } from './testing/test-app.ts';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(async () => {
  await t.close();
});

describe('ai-server app', () => {
  it('serves an OpenAPI 3 document with every route, its body schema and credential', async () => {
    const res = await t.app.inject({ url: '/openapi.json' });
    expect(res.statusCode).toBe(200);
    const doc = res.json();
    expect(doc.openapi).toBe('3.0.3');
    expect(Object.keys(doc.components.securitySchemes).sort()).toEqual([
      'brandApiKey',
      'endUserToken',
      'operatorToken',
      'serviceToken',
    ]);
    const paths = Object.keys(doc.paths);
    for (const p of [
      '/voiceagent/search_knowledge_base/',
      '/voiceagent/get_available_tools/',
      '/voiceagent/execute_tool/',
      '/internal/profiles/lookup',
      '/internal/profiles/{key}',
      '/internal/profiles/{key}/credits',
      '/internal/profiles/{key}/debits',
      '/internal/profiles/{key}/system-prompt',
      '/admin/profiles',
      '/admin/knowledge/articles',
    ])
      expect(paths).toContain(p);
    const create = doc.paths['/admin/profiles'].post;
    expect(create.security).toEqual([{ brandApiKey: [] }]);
    expect(create.requestBody.content['application/json'].schema.required).toEqual([
      'key',
      'name',
      'promptTemplate',
      'voice',
    ]);
    expect(doc.paths['/voiceagent/execute_tool/'].post.security).toEqual([{ serviceToken: [] }]);
  });

  it('answers health checks and a JSON 404', async () => {
    expect((await t.app.inject({ url: '/health-check/live' })).json()).toEqual({ status: 'ok' });
    expect((await t.app.inject({ url: '/health-check/ready' })).statusCode).toBe(200);
    expect((await t.app.inject({ url: '/nope' })).json().error.code).toBe('NOT_FOUND');
  });

  it('never answers a 500 for garbage bodies', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/voiceagent/execute_tool/',
      headers: { authorization: 'Bearer test-service-token', 'content-type': 'application/json' },
      payload: '{"profileKey": ',
    });
    expect(res.statusCode).toBe(400);
  });
});

describe('config', () => {
  it('applies defaults and names every bad variable', () => {
    const cfg = loadAiServerConfig({ SERVICE_TOKEN: 't' });
    expect(cfg).toMatchObject({
      PORT: 8081,
      DATA_DIR: '.data/ai-server',
      OPENAI_BASE_URL: 'https://api.openai.com/v1',
      EMBEDDING_MODEL: 'text-embedding-3-small',
      TOOL_ALLOW_INSECURE_LOOPBACK: false,
      DATABASE_URL: undefined,
      OPENAI_API_KEY: undefined,
    });
    expect(() =>
      loadAiServerConfig({
        DATABASE_URL: 'mysql://x',
        RERANK_URL: 'not a url',
        TOOL_ALLOW_INSECURE_LOOPBACK: 'maybe',
      }),
    ).toThrow(
      /SERVICE_TOKEN: is required[\s\S]*DATABASE_URL: must use postgres: or postgresql:[\s\S]*RERANK_URL: is not a URL[\s\S]*TOOL_ALLOW_INSECURE_LOOPBACK: must be true or false/,
    );
  });
});

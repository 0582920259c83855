// The typed client voice-server uses (@switchboard/service-kit/clients/ai-server), against the real app
// listening on an ephemeral port.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ServiceError } from '@switchboard/service-kit';
import { type AiServerClient, HttpAiServerClient } from '@switchboard/service-kit/clients/ai-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { brand, profileBody, SERVICE_TOKEN, startTestApp, type TestApp } from './testing/test-app.ts';

let t: TestApp;
let client: AiServerClient;
let hook: Server;
const CALLER = '+14155550177';

beforeAll(async () => {
  hook = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => {
      body += c;
    });
    req.on('end', () => {
      const { arguments: args } = JSON.parse(body) as { arguments: { city: string } };
      res
        .writeHead(200, { 'content-type': 'application/json' })
        .end(JSON.stringify({ forecast: `sunny in ${args.city}` }));
    });
  });
  await new Promise<void>((r) => hook.listen(0, '127.0.0.1', () => r()));
  t = await startTestApp({ embeddings: true, rerank: true, now: () => new Date('2026-02-02T19:00:00Z') });
  await t.app.listen({ port: 0, host: '127.0.0.1' });
  const { port } = t.app.server.address() as AddressInfo;
  client = new HttpAiServerClient({ baseUrl: `http://127.0.0.1:${port}`, serviceToken: SERVICE_TOKEN });

  const { apiKey } = await t.createBrand('Client brand');
  const admin = (url: string, payload: unknown) =>
    t.app.inject({ method: 'POST', url, headers: brand(apiKey), payload: payload as object });
  await admin(
    '/admin/profiles',
    profileBody('client-main', {
      phoneNumbers: ['+14155550100'],
      sipDomains: ['client.sip.example.com'],
      greeting: 'Thanks for calling!',
      transferTarget: '+14155550199',
    }),
  );
  await admin('/admin/profiles/client-main/credits', { seconds: 600 });
  await admin('/admin/profiles/client-main/tools', {
    name: 'weather',
    description: 'Weather for a city',
    parameters: { type: 'object', required: ['city'], properties: { city: { type: 'string' } } },
    endpointUrl: `http://127.0.0.1:${(hook.address() as AddressInfo).port}/weather`,
  });
  await admin('/admin/knowledge/articles', {
    articles: [
      { externalId: 'k1', title: 'Opening hours', body: 'Our shop opens at nine on weekdays.' },
      {
        externalId: 'k2',
        title: 'Refunds',
        body: 'Refunds are issued to the original card within ten days.',
      },
    ],
  });
});

afterAll(async () => {
  await t.close();
  await new Promise<void>((r) => hook.close(() => r()));
});

describe('HttpAiServerClient against the real ai-server', () => {
  it('looks up profiles by SIP domain, number and returns null when none answers', async () => {
    const byDomain = await client.lookupBotProfile({ sipDomain: 'client.sip.example.com' });
    expect(byDomain).toMatchObject({ key: 'client-main', name: 'Profile client-main' });
    expect(await client.lookupBotProfile({ to: '+14155550100' })).toEqual(byDomain);
    expect(await client.lookupBotProfile({ to: '+19995550000' })).toBeNull();
  });

  it('reads the full profile', async () => {
    const p = await client.getBotProfile('client-main');
    expect(p).toMatchObject({
      key: 'client-main',
      greeting: 'Thanks for calling!',
      voice: { provider: 'openai', voiceId: 'alloy' },
      vadThreshold: 0.9,
      inactivity: { promptAfterSec: 30, endAfterSec: 30 },
      maxDurationSec: 1800,
      transferTarget: '+14155550199',
      language: 'en-US',
      transcriber: null,
    });
    await expect(client.getBotProfile('missing-profile')).rejects.toMatchObject({
      code: 'PROFILE_NOT_FOUND',
      statusCode: 404,
    });
  });

  it('checks and debits credits idempotently', async () => {
    expect(await client.checkCredits('client-main')).toEqual({ available: true, remainingSeconds: 600 });
    expect(await client.debitCall('client-main', { callSid: 'CA-c1', durationSec: 65 })).toEqual({
      callSid: 'CA-c1',
      debitedSeconds: 65,
      remainingSeconds: 535,
      duplicate: false,
    });
    expect((await client.debitCall('client-main', { callSid: 'CA-c1', durationSec: 65 })).duplicate).toBe(
      true,
    );
    expect(await client.checkCredits('client-main')).toEqual({ available: true, remainingSeconds: 535 });
  });

  it('gets the system prompt for a call', async () => {
    const { instructions, businessHours } = await client.getSystemPrompt('client-main', {
      callerNumber: CALLER,
      isSip: false,
      callSid: 'CA-c2',
    });
    expect(instructions).toContain('Source: PHONE');
    expect(instructions).toContain(`Caller: ${CALLER} (PSTN)`);
    expect(businessHours.open).toBe(true);
  });

  it('lists and executes dynamic tools', async () => {
    expect(await client.getAvailableTools('client-main')).toEqual([
      {
        type: 'function',
        name: 'weather',
        description: 'Weather for a city',
        parameters: { type: 'object', required: ['city'], properties: { city: { type: 'string' } } },
        timeoutMs: expect.any(Number),
      },
    ]);
    expect(
      await client.executeTool('client-main', {
        name: 'weather',
        arguments: '{"city":"Lyon"}',
        callSid: 'CA-c3',
      }),
    ).toMatchObject({
      ok: true,
      result: { forecast: 'sunny in Lyon' },
    });
    expect(
      await client.executeTool('client-main', { name: 'weather', arguments: {}, callSid: 'CA-c3' }),
    ).toMatchObject({
      ok: false,
      error: { code: 'INVALID_ARGUMENTS', message: 'arguments.city is required' },
    });
  });

  it('searches the knowledge base', async () => {
    const res = await client.searchKnowledge('client-main', {
      query: 'when do you open',
      callSid: 'CA-c4',
      limit: 5,
    });
    expect(res.mode).toBe('hybrid');
    expect(res.results[0]).toMatchObject({ title: 'Opening hours' });
    expect(res.results[0]!.chunkId).toBeTruthy();
  });

  it('raises typed errors: bad token is 401, not retryable', async () => {
    const { port } = t.app.server.address() as AddressInfo;
    const wrong = new HttpAiServerClient({ baseUrl: `http://127.0.0.1:${port}`, serviceToken: 'wrong' });
    const err = await wrong.checkCredits('client-main').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ServiceError);
    expect(err).toMatchObject({ statusCode: 401, retryable: false });
  });

  it('kept caller and dialled numbers out of the logs', () => {
    const text = JSON.stringify(t.logs);
    expect(t.logs.length).toBeGreaterThan(10);
    for (const n of [CALLER, '+14155550100', '4155550100', '+19995550000']) expect(text).not.toContain(n);
  });
});

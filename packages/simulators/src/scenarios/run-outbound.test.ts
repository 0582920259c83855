/**
 * An outbound scenario needs what only a stack on the simulators offers (its dialer and ai-server's
 * brand API): elsewhere it is unusable with the reason, before anything is called; a refused call is
 * unusable with ai-server's error.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runOutboundScenario } from './run-outbound.ts';
import type { RunTarget } from './run-scenario.ts';
import type { LoadedScenario } from './scenario-types.ts';

const loaded: LoadedScenario = {
  file: 'quote.yaml',
  turnLines: [10],
  scenario: {
    name: 'quote',
    direction: 'outbound',
    to: '+14155550199',
    outbound: { profile: 'acme-support', task: 'Ask for a quote.' },
    turns: [{ say: 'Four hundred and fifty dollars.' }],
  },
};
const voice = { kind: 'simulated' as const, speak: async () => new Uint8Array(160) };
const base: RunTarget = {
  name: 't',
  voiceServerUrl: 'http://127.0.0.1:1',
  authToken: 't',
  accountSid: 'AC',
  to: '+18005550100',
  from: '+14155550123',
};

let ai: Server;
let aiUrl: string;
const posted: unknown[] = [];
beforeAll(async () => {
  ai = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c));
    req.on('end', () => {
      posted.push({ auth: req.headers.authorization, body: JSON.parse(body || '{}') });
      res.writeHead(422, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          error: { code: 'DO_NOT_CALL', message: "the number is on the brand's do-not-call list" },
        }),
      );
    });
  });
  await new Promise<void>((r) => ai.listen(0, '127.0.0.1', r));
  aiUrl = `http://127.0.0.1:${(ai.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise((r) => ai?.close(r));
});

describe('an outbound scenario', () => {
  it('is unusable, with the reason, against a target without the dialer or ai-server', async () => {
    const r = await runOutboundScenario(loaded, base, { voice });
    expect(r).toMatchObject({ status: 'error', error: expect.stringMatching(/--target/) });
    const noTask = { ...loaded, scenario: { ...loaded.scenario, outbound: undefined } } as LoadedScenario;
    expect((await runOutboundScenario(noTask, base, { voice })).error).toMatch(/outbound\.task/);
  });

  it('places the call with the brand key and the scenario fields; a refusal is unusable with its error', async () => {
    const answeredWith: LoadedScenario[] = [];
    const target: RunTarget = {
      ...base,
      aiServer: { url: aiUrl, apiKey: 'brand-key' },
      access: {
        info: async () => base,
        beginCall: async () => '0',
        followCall: async () => () => {},
        trace: async () => ({ sessions: 0, responses: [] }),
        answerOutbound: async (l) => void answeredWith.push(l),
        outboundCallee: async () => undefined,
      },
    };
    const r = await runOutboundScenario(loaded, target, { voice });
    expect(r).toMatchObject({ status: 'error', error: expect.stringMatching(/HTTP 422 DO_NOT_CALL/) });
    expect(answeredWith).toHaveLength(1);
    expect(posted.at(-1)).toMatchObject({
      auth: 'Bearer brand-key',
      body: { to: '+14155550199', profileKey: 'acme-support', task: 'Ask for a quote.' },
    });
  });
});

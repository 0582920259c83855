/**
 * The access server's outbound routes: `POST /outbound-callees` takes a scenario checked against the
 * scenario schema (a bad body is a 400 naming the problem, never a 5xx), and the callee's evidence is
 * read back through the HTTP client as the stack gave it.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CalleeEvidence } from './outbound-callee.ts';
import type { LoadedScenario } from './scenario-types.ts';
import type { SimulatorAccess } from './sim-access.ts';
import { remoteSimulatorAccess } from './sim-access-client.ts';
import { type SimAccessServer, startSimAccessServer } from './sim-access-server.ts';

const CALL_SID = `CA${'ab'.repeat(16)}`;
const answered: LoadedScenario[] = [];
const calleeEvidence: CalleeEvidence = {
  turns: [{ index: 0, kind: 'say', label: 'a price', startMs: 1200, endMs: 3100, replyLatencyMs: 700 }],
  end: { reason: 'caller_hangup', atMs: 9000 },
  endedBy: 'caller',
  dialed: [],
  twilioSaid: [],
  clears: 0,
};
const access: SimulatorAccess = {
  info: async () => ({
    name: 't',
    voiceServerUrl: 'http://x',
    authToken: 't',
    accountSid: 'AC',
    to: '+1',
    from: '+1',
  }),
  beginCall: async () => '0',
  followCall: async () => () => {},
  trace: async () => ({ sessions: 0, responses: [] }),
  answerOutbound: async (loaded) => void answered.push(loaded),
  outboundCallee: async (callSid) => (callSid === CALL_SID ? calleeEvidence : undefined),
};
const SCENARIO = {
  name: 'quote',
  direction: 'outbound',
  to: '+14155550199',
  outbound: { profile: 'acme-support', task: 'Ask for a quote.' },
  turns: [{ say: 'Four hundred and fifty dollars.' }, { hangup: true }],
  expect: { outcome: { price: 450 } },
};

let server: SimAccessServer;
let bare: SimAccessServer;
beforeAll(async () => {
  server = await startSimAccessServer(access);
  const { answerOutbound: _a, outboundCallee: _o, ...without } = access;
  bare = await startSimAccessServer(without);
});
afterAll(async () => {
  await server?.close();
  await bare?.close();
});

const post = (base: string, body: string) =>
  fetch(`${base}/outbound-callees`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body,
  });

describe('the outbound routes of the access server', () => {
  it('hands a valid scenario to the stack and reads the callee back through the client', async () => {
    const client = remoteSimulatorAccess(server.url);
    await client.answerOutbound!({ file: '/tmp/quote.yaml', scenario: SCENARIO as never, turnLines: [] });
    expect(answered.at(-1)).toMatchObject({ file: '/tmp/quote.yaml', scenario: { to: '+14155550199' } });
    expect(await client.outboundCallee!(CALL_SID)).toEqual(calleeEvidence);
    expect(await client.outboundCallee!(`CA${'cd'.repeat(16)}`)).toBeUndefined();
  });

  it('answers 400 naming the field for a scenario the schema refuses, and 404 without a dialer', async () => {
    const bad = await post(
      server.url,
      JSON.stringify({ file: 'q.yaml', scenario: { ...SCENARIO, outbound: {} } }),
    );
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: string }).error).toMatch(/outbound/);
    expect((await post(bare.url, JSON.stringify({ scenario: SCENARIO }))).status).toBe(404);
  });

  it('never answers a 5xx, whatever the body', async () => {
    const before = answered.length;
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.string(),
          fc.json(),
          fc.record({ file: fc.anything(), scenario: fc.anything() }).map((v) => JSON.stringify(v)),
        ),
        async (body) => {
          const res = await post(server.url, body);
          expect([201, 400]).toContain(res.status);
        },
      ),
      { numRuns: 60 },
    );
    expect(answered.length).toBe(before);
  });
});

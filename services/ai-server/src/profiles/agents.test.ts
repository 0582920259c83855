// A profile's specialist agents: the admin API keeps the graph only when it holds together (targets and
// entry agent exist, tools are the profile's, every agent can get back when the profile asks for it),
// answers 400 naming the field otherwise, and the call path reads the agents back.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { brand, profileBody, service, startTestApp, type TestApp } from '../testing/test-app.ts';

let t: TestApp;
let apiKey: string;
beforeAll(async () => {
  t = await startTestApp();
  ({ apiKey } = await t.createBrand('Acme'));
});
afterAll(async () => {
  await t.close();
});

const create = (key: string, extra: Record<string, unknown>) =>
  t.app.inject({
    method: 'POST',
    url: '/admin/profiles',
    headers: brand(apiKey),
    payload: profileBody(key, extra),
  });
const patch = (key: string, payload: Record<string, unknown>) =>
  t.app.inject({ method: 'PATCH', url: `/admin/profiles/${key}`, headers: brand(apiKey), payload });

const THREE = {
  entryAgent: 'concierge',
  returnRequired: true,
  agents: [
    { key: 'concierge', instructions: 'Greet and route.', handoffs: ['quotes', 'scheduler'] },
    {
      key: 'quotes',
      instructions: 'Give quotes.',
      tools: ['get_knowledge'],
      voice: 'cedar',
      handoffs: ['concierge'],
    },
    { key: 'scheduler', instructions: 'Book visits.', handoffs: ['quotes'] },
  ],
};

describe('profile agents', () => {
  it('keeps a valid three-agent graph and serves it to the call path', async () => {
    const res = await create('agents-ok', THREE);
    expect(res.statusCode, res.body).toBe(201);
    expect(res.json()).toMatchObject({ entryAgent: 'concierge', returnRequired: true });
    const view = (await t.app.inject({ url: '/internal/profiles/agents-ok', headers: service })).json();
    expect(view.agents).toEqual(THREE.agents);
    expect(view.entryAgent).toBe('concierge');
  });

  it('a profile without agents reads as one agent', async () => {
    const res = await create('agents-none', {});
    expect(res.json()).toMatchObject({ agents: [], entryAgent: null, returnRequired: false });
  });

  it.each([
    [
      'a target that does not exist',
      { ...THREE, agents: [{ ...THREE.agents[0], handoffs: ['billing'] }] },
      /body\.agents\[0\]\.handoffs\[0\] names no agent/,
    ],
    [
      'an entry agent that does not exist',
      { ...THREE, entryAgent: 'billing' },
      /body\.entryAgent names no agent/,
    ],
    ['no entry agent', { agents: THREE.agents }, /body\.entryAgent is required/],
    [
      'a tool the profile does not have',
      {
        ...THREE,
        agents: [THREE.agents[0], { ...THREE.agents[1], tools: ['launch_rocket'] }, THREE.agents[2]],
      },
      /body\.agents\[1\]\.tools\[0\] is not one of the profile's tools/,
    ],
    [
      'an agent with no way back',
      { ...THREE, agents: [THREE.agents[0], THREE.agents[1], { ...THREE.agents[2], handoffs: [] }] },
      /body\.agents\[2\] \(scheduler\) has no way back to the entry agent concierge/,
    ],
    [
      'a repeated key',
      { ...THREE, agents: [...THREE.agents, THREE.agents[1]] },
      /body\.agents\[3\]\.key repeats agent quotes/,
    ],
    [
      'a bad key',
      { ...THREE, agents: [{ key: 'Quotes!', instructions: 'x' }] },
      /body\.agents\.0\.key must match pattern/,
    ],
  ])('refuses %s with a 400 naming the field', async (_what, extra, why) => {
    const res = await create(`agents-bad-${Math.random().toString(36).slice(2, 8)}`, extra);
    expect(res.statusCode).toBe(400);
    expect(res.json().error.message).toMatch(why);
  });

  it('allows a one-way graph when no way back is required', async () => {
    const oneWay = {
      ...THREE,
      returnRequired: false,
      agents: [THREE.agents[0], THREE.agents[1], { ...THREE.agents[2], handoffs: [] }],
    };
    expect((await create('agents-oneway', oneWay)).statusCode).toBe(201);
    // Turning the requirement on later is checked against the stored graph.
    const res = await patch('agents-oneway', { returnRequired: true });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.message).toMatch(/body\.agents\[2\] \(scheduler\) has no way back/);
    expect((await patch('agents-oneway', { agents: [], entryAgent: null })).json().agents).toEqual([]);
  });

  it('lets an agent name one of the profile’s own tools once it exists', async () => {
    expect((await create('agents-tools', {})).statusCode).toBe(201);
    const tool = await t.app.inject({
      method: 'POST',
      url: '/admin/profiles/agents-tools/tools',
      headers: brand(apiKey),
      payload: {
        name: 'get_quote',
        description: 'Quote',
        parameters: { type: 'object' },
        endpointUrl: 'http://127.0.0.1:9/q',
      },
    });
    expect(tool.statusCode, tool.body).toBe(201);
    const res = await patch('agents-tools', {
      entryAgent: 'quotes',
      agents: [{ key: 'quotes', instructions: 'Quotes.', tools: ['get_quote', 'end_call'] }],
    });
    expect(res.statusCode, res.body).toBe(200);
  });

  it('never answers 5xx to arbitrary agent graphs', async () => {
    const key = fc.constantFrom('concierge', 'quotes', 'billing', 'Bad Key', '');
    const agent = fc.record(
      {
        key,
        instructions: fc.oneof(fc.string({ maxLength: 20 }), fc.constant(7)),
        tools: fc.array(fc.constantFrom('end_call', 'nope', 'get_knowledge', ''), { maxLength: 3 }),
        handoffs: fc.array(key, { maxLength: 3 }),
        voice: fc.string({ maxLength: 5 }),
      },
      { requiredKeys: [] },
    );
    const body = fc.record(
      {
        agents: fc.oneof(fc.array(agent, { maxLength: 4 }), fc.constant(null), fc.string()),
        entryAgent: fc.oneof(key, fc.constant(null), fc.integer()),
        returnRequired: fc.oneof(fc.boolean(), fc.constant('yes')),
      },
      { requiredKeys: [] },
    );
    let n = 0;
    await fc.assert(
      fc.asyncProperty(body, async (extra) => {
        const res = await create(`agents-fuzz-${n++}`, extra);
        expect(res.statusCode).toBeLessThan(500);
        if (res.statusCode === 400) expect(res.json().error.message).toMatch(/body\./);
        const res2 = await patch('agents-ok', extra);
        expect(res2.statusCode).toBeLessThan(500);
      }),
      { numRuns: 40 },
    );
  });
});

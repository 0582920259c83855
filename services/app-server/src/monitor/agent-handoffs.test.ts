// Hand-offs between a profile's specialist agents, as voice-server records them on the transcript:
// stored with from, to and reason, shown in the transcript, and the live monitor names the agent
// talking now. Bad hand-off fields get a 4xx, never a 5xx, and never cost the rest of the batch.
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type Harness, seedCall, staffCookie, startBody, startHarness } from '../testing/harness.ts';

describe.each(['memory', 'prisma'] as const)('agent hand-offs (%s store)', (store) => {
  let h: Harness;
  let cookie: string;
  beforeEach(async () => {
    h = await startHarness({ store });
    cookie = await staffCookie(h, 'acme', 'dana@acme.test');
  }, 120_000);
  afterEach(async () => {
    await h.close();
  });

  const handOff = (sequence: number, from: string, to: string, reason: string) => ({
    sequence,
    role: 'system',
    source: 'handoff',
    text: `Handed from ${from} to ${to}: ${reason}`,
    startedAt: new Date().toISOString(),
    handoff: { from, to, reason },
  });
  const append = (callSid: string, messages: unknown[]) =>
    h.app.inject({
      method: 'POST',
      url: `/internal/conversations/${callSid}/messages`,
      headers: h.serviceHeaders,
      payload: { messages },
    });

  it('records each hand-off and shows the current agent on the live monitor', async () => {
    const start = startBody({ startedAt: new Date().toISOString(), controlUrl: 'http://10.0.3.7:8080' });
    const id = await seedCall(h, start);
    const before = await h.app.inject({ url: '/live', headers: { cookie } });
    expect(before.body).toContain(`<td data-label="Agent">${start.botProfileKey}</td>`);

    expect(
      (await append(start.callSid, [handOff(1, 'concierge', 'quotes', 'wants a quote')])).statusCode,
    ).toBe(200);
    const live = await h.app.inject({ url: '/live', headers: { cookie } });
    expect(live.body).toContain('<td data-label="Agent">quotes</td>');

    await append(start.callSid, [handOff(2, 'quotes', 'concierge', 'quote given')]);
    const page = await h.app.inject({ url: `/conversations/${id}`, headers: { cookie } });
    expect(page.body).toContain('<dt>Agent</dt><dd>concierge</dd>');
    expect(page.body).toContain(
      'Handed from <strong>concierge</strong> to <strong>quotes</strong>: wants a quote',
    );
    expect(page.body).toContain(
      'Handed from <strong>quotes</strong> to <strong>concierge</strong>: quote given',
    );

    const api = (await h.app.inject({ url: `/api/conversations/${id}`, headers: { cookie } })).json();
    expect(api.messages.map((m: { handoff: unknown }) => m.handoff)).toEqual([
      { from: 'concierge', to: 'quotes', reason: 'wants a quote' },
      { from: 'quotes', to: 'concierge', reason: 'quote given' },
    ]);
  });

  it('never answers 5xx to bad hand-off fields', async () => {
    const start = startBody({ startedAt: new Date().toISOString() });
    await seedCall(h, start);
    let seq = 10;
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.anything(),
          fc.record({
            from: fc.string({ maxLength: 80 }),
            to: fc.string({ maxLength: 80 }),
            reason: fc.string(),
          }),
        ),
        async (handoff) => {
          const res = await append(start.callSid, [{ ...handOff(seq++, 'a', 'b', 'r'), handoff }]);
          expect(res.statusCode).toBeLessThan(500);
        },
      ),
      { numRuns: store === 'prisma' ? 15 : 40 },
    );
  });
});

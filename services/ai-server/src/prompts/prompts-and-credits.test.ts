import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { brand, profileBody, service, startTestApp, type TestApp } from '../testing/test-app.ts';

let t: TestApp;
let apiKey: string;
let clock = new Date('2026-02-02T19:00:00Z'); // Monday 14:00 in New York
beforeAll(async () => {
  t = await startTestApp({ now: () => clock });
  ({ apiKey } = await t.createBrand('Prompt brand'));
  const res = await t.app.inject({
    method: 'POST',
    url: '/admin/profiles',
    headers: brand(apiKey),
    payload: profileBody('prompt-main', {
      promptTemplate: 'You answer calls for {{profile_name}} ({{source}}). Hours: {{business_hours}}',
      companyContext: 'Acme sells bicycles and repairs them.',
      holidays: [{ date: '2026-12-25', name: 'Christmas Day' }],
    }),
  });
  expect(res.statusCode).toBe(201);
});
afterAll(async () => {
  await t.close();
});

const prompt = (body: Record<string, unknown>, key = 'prompt-main') =>
  t.app.inject({
    method: 'POST',
    url: `/internal/profiles/${key}/system-prompt`,
    headers: service,
    payload: body,
  });

describe('system prompt', () => {
  it('fills the template and adds the context the template left out', async () => {
    clock = new Date('2026-02-02T19:00:00Z');
    const res = await prompt({ callerNumber: '+14155550100', isSip: false, callSid: 'CA1' });
    expect(res.statusCode).toBe(200);
    const { instructions, businessHours } = res.json();
    expect(instructions).toContain('You answer calls for Profile prompt-main (PHONE).');
    expect(instructions).toContain('Hours: Open now (Monday 14:00 America/New_York); closes Monday 17:00.');
    expect(instructions).toContain('# Call context');
    expect(instructions).toContain('- Caller: +14155550100 (PSTN)');
    expect(instructions).toContain('- Company context:\nAcme sells bicycles and repairs them.');
    expect(instructions).not.toContain('- Source:');
    expect(businessHours).toMatchObject({
      open: true,
      timezone: 'America/New_York',
      localTime: 'Monday 14:00',
    });
  });

  it('evaluates hours at the moment of the call: closed at night, with the next opening', async () => {
    clock = new Date('2026-02-03T03:00:00Z'); // Monday 22:00 in New York
    const { instructions, businessHours } = (
      await prompt({ callerNumber: 'sip:alice@pbx.example.com', isSip: true, callSid: 'CA2' })
    ).json();
    expect(businessHours).toMatchObject({
      open: false,
      nextOpening: { local: 'Tuesday 09:00', inMinutes: 660 },
    });
    expect(instructions).toContain(
      'Closed now (Monday 22:00 America/New_York). Next opening: Tuesday 09:00.',
    );
    expect(instructions).toContain('- Caller: sip:alice@pbx.example.com (SIP)');
  });

  it('names the holiday', async () => {
    clock = new Date('2026-12-25T15:00:00Z');
    const { instructions } = (
      await prompt({ callerNumber: '+14155550100', isSip: false, callSid: 'CA3' })
    ).json();
    expect(instructions).toContain(
      'Closed now for Christmas Day (Friday 10:00 America/New_York). Next opening: Monday 09:00.',
    );
  });

  it('is 404 for an unknown profile and 400 for a bad body', async () => {
    expect((await prompt({ callerNumber: '+1', isSip: false, callSid: 'CA' }, 'nope')).statusCode).toBe(404);
    const bad = await prompt({ callerNumber: '+1', callSid: 'CA' });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.message).toBe('body.isSip is required');
  });

  it('lets the brand preview its own prompt', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/admin/profiles/prompt-main/system-prompt/preview',
      headers: brand(apiKey),
      payload: { callerNumber: '+14155550100', isSip: false, callSid: 'preview' },
    });
    expect(res.json().instructions).toContain('(PHONE)');
  });
});

describe('credits', () => {
  const credits = () => t.app.inject({ url: '/internal/profiles/prompt-main/credits', headers: service });
  const debit = (callSid: string, durationSec: number) =>
    t.app.inject({
      method: 'POST',
      url: '/internal/profiles/prompt-main/debits',
      headers: service,
      payload: { callSid, durationSec },
    });

  it('starts empty, tops up, debits once per call SID, and never goes below zero', async () => {
    expect((await credits()).json()).toEqual({ available: false, remainingSeconds: 0 });
    const top = await t.app.inject({
      method: 'POST',
      url: '/admin/profiles/prompt-main/credits',
      headers: brand(apiKey),
      payload: { seconds: 300 },
    });
    expect(top.json()).toEqual({ creditSeconds: 300 });
    expect((await credits()).json()).toEqual({ available: true, remainingSeconds: 300 });

    expect((await debit('CA100', 120)).json()).toEqual({
      callSid: 'CA100',
      debitedSeconds: 120,
      remainingSeconds: 180,
      duplicate: false,
    });
    // A retried debit for the same call changes nothing.
    expect((await debit('CA100', 120)).json()).toEqual({
      callSid: 'CA100',
      debitedSeconds: 120,
      remainingSeconds: 180,
      duplicate: true,
    });
    // Concurrent retries of one call still debit once.
    const racing = await Promise.all([debit('CA101', 30), debit('CA101', 30), debit('CA101', 30)]);
    expect(racing.filter((r) => r.json().duplicate === false)).toHaveLength(1);
    expect((await credits()).json()).toEqual({ available: true, remainingSeconds: 150 });

    expect((await debit('CA102', 500)).json()).toMatchObject({ debitedSeconds: 150, remainingSeconds: 0 });
    expect((await credits()).json()).toEqual({ available: false, remainingSeconds: 0 });

    const history = await t.app.inject({ url: '/admin/profiles/prompt-main/debits', headers: brand(apiKey) });
    expect(
      history
        .json()
        .debits.map((d: { callSid: string }) => d.callSid)
        .sort(),
    ).toEqual(['CA100', 'CA101', 'CA102']);
  });

  it('validates debit bodies', async () => {
    const res = await debit('CA200', -5);
    expect(res.statusCode).toBe(400);
    expect(res.json().error.message).toMatch(/body\.durationSec must be >= 0/);
  });
});

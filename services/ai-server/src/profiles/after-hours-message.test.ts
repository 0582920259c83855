// A profile's after-hours message: what voice-server says to new callers while the AI agent cannot
// take calls and the profile has no transfer target. Optional, bounded, plain words; the call path's
// view of the profile carries it.
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

const MESSAGE = 'Thanks for calling Acme. Our assistant is resting; please call again after 9 tomorrow.';

const create = (key: string, extra: Record<string, unknown>) =>
  t.app.inject({
    method: 'POST',
    url: '/admin/profiles',
    headers: brand(apiKey),
    payload: profileBody(key, extra),
  });
const patch = (key: string, payload: Record<string, unknown>) =>
  t.app.inject({ method: 'PATCH', url: `/admin/profiles/${key}`, headers: brand(apiKey), payload });
const callView = async (key: string) =>
  (await t.app.inject({ url: `/internal/profiles/${key}`, headers: service })).json() as {
    afterHoursMessage: string | null;
  };

describe('a profile’s after-hours message', () => {
  it('is kept, served to the call path, changed and cleared', async () => {
    const res = await create('acme-after', { afterHoursMessage: MESSAGE });
    expect(res.statusCode).toBe(201);
    expect(res.json().afterHoursMessage).toBe(MESSAGE);
    expect((await callView('acme-after')).afterHoursMessage).toBe(MESSAGE);

    expect((await patch('acme-after', { afterHoursMessage: 'Back at 9.' })).json().afterHoursMessage).toBe(
      'Back at 9.',
    );
    expect((await callView('acme-after')).afterHoursMessage).toBe('Back at 9.');
    expect((await patch('acme-after', { greeting: 'Hi.' })).json().afterHoursMessage).toBe('Back at 9.');
    expect((await patch('acme-after', { afterHoursMessage: null })).json().afterHoursMessage).toBeNull();
    expect((await callView('acme-after')).afterHoursMessage).toBeNull();
  });

  it('is optional: a profile without one has null', async () => {
    expect((await create('acme-plain', {})).json().afterHoursMessage).toBeNull();
  });

  it.each([
    ['empty', '', /body\.afterHoursMessage must NOT have fewer than 1 characters/],
    ['blank', '   ', /body\.afterHoursMessage must match pattern/],
    ['too long', 'a'.repeat(501), /body\.afterHoursMessage must NOT have more than 500 characters/],
    ['not text', { text: 'hi' }, /body\.afterHoursMessage must be string,null/],
  ])('refuses one that is %s with a 400 naming the field', async (_what, value, why) => {
    const res = await create(`acme-bad-${String(_what).replace(/ /g, '-')}`, { afterHoursMessage: value });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.message).toMatch(why);
    expect(res.body).not.toContain('aaaaaaaaaa');
  });
});

// Profile keys are each brand's own names: two brands may use the same key, a refusal never tells one
// brand about another's profiles, and the call path still reaches the right brand's profile.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { brand, profileBody, service, startTestApp, type TestApp } from '../testing/test-app.ts';

let t: TestApp;
let a: { brandId: string; apiKey: string };
let b: { brandId: string; apiKey: string };

const post = (url: string, key: string, payload: object) =>
  t.app.inject({ method: 'POST', url, headers: brand(key), payload });

beforeAll(async () => {
  t = await startTestApp();
  a = await t.createBrand('Brand A');
  b = await t.createBrand('Brand B');
  expect(
    (await post('/admin/profiles', a.apiKey, profileBody('support', { phoneNumbers: ['+14155550101'] })))
      .statusCode,
  ).toBe(201);
  expect((await post('/admin/profiles', a.apiKey, profileBody('only-a'))).statusCode).toBe(201);
});
afterAll(async () => {
  await t.close();
});

describe('profile keys are unique per brand', () => {
  it('a brand may use a key another brand has; only its own duplicate is refused', async () => {
    const taken = await post(
      '/admin/profiles',
      b.apiKey,
      profileBody('support', { phoneNumbers: ['+14155550102'] }),
    );
    expect(taken.statusCode).toBe(201);
    expect(taken.json()).toMatchObject({ key: 'support', brandId: b.brandId });
    const again = await post('/admin/profiles', b.apiKey, profileBody('support'));
    expect(again.statusCode).toBe(409);
    expect(again.json().error).toEqual({
      code: 'PROFILE_KEY_TAKEN',
      message: 'this brand already has a profile with key support',
    });
    // A's profile is untouched and still A's.
    const mine = await t.app.inject({ url: '/admin/profiles/support', headers: brand(a.apiKey) });
    expect(mine.json()).toMatchObject({ brandId: a.brandId, phoneNumbers: ['+14155550101'] });
  });

  it("the call path gets a brand-qualified reference for a shared key and reaches each brand's profile", async () => {
    const lookup = (to: string) =>
      t.app.inject({ method: 'POST', url: '/internal/profiles/lookup', headers: service, payload: { to } });
    const forA = (await lookup('+14155550101')).json();
    const forB = (await lookup('+14155550102')).json();
    expect(forA).toMatchObject({ key: `${a.brandId}:support`, brandId: a.brandId });
    expect(forB).toMatchObject({ key: `${b.brandId}:support`, brandId: b.brandId });
    for (const [ref, brandId] of [
      [forA.key, a.brandId],
      [forB.key, b.brandId],
    ]) {
      const profile = await t.app.inject({
        url: `/internal/profiles/${encodeURIComponent(ref)}`,
        headers: service,
      });
      expect(profile.json()).toMatchObject({ key: 'support', brandId });
      const credits = await t.app.inject({
        url: `/internal/profiles/${encodeURIComponent(ref)}/credits`,
        headers: service,
      });
      expect(credits.statusCode).toBe(200);
      const tools = await t.app.inject({
        url: `/voiceagent/get_available_tools/?profileKey=${encodeURIComponent(ref)}`,
        headers: service,
      });
      expect(tools.json()).toEqual({ tools: [] });
    }
    // A key only one brand uses stays a plain key on the call path.
    const only = await t.app.inject({ url: '/internal/profiles/only-a', headers: service });
    expect(only.json()).toMatchObject({ key: 'only-a', brandId: a.brandId });
  });

  it('a bare shared key on the call path is refused as ambiguous, never answered with either brand', async () => {
    const res = await t.app.inject({ url: '/internal/profiles/support', headers: service });
    expect(res.statusCode).toBe(409);
    expect(res.json().error.code).toBe('PROFILE_KEY_AMBIGUOUS');
    expect(res.body).not.toContain(a.brandId);
    expect(res.body).not.toContain(b.brandId);
  });
});

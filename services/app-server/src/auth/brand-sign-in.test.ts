// Staff sign in with what they can type: the brand's slug (or no brand at all when their email
// belongs to one brand) and their password. Brand ids stay as they are everywhere else.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStaff, type Harness, PASSWORD, startHarness } from '../testing/harness.ts';

const ACME = '5f0c6a9e-2b1d-4c3e-9f8a-7d6e5c4b3a21';
const GLOBEX = 'b7e2d1c0-3a4b-4c5d-8e9f-0a1b2c3d4e5f';

describe.each(['memory', 'prisma'] as const)('sign-in by brand slug or email, %s store', (kind) => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ store: kind });
    for (const [id, slug] of [
      [ACME, 'acme'],
      [GLOBEX, 'globex'],
    ] as const) {
      const res = await h.app.inject({
        method: 'PUT',
        url: `/admin/brands/${id}`,
        headers: h.serviceHeaders,
        payload: { slug, name: slug === 'acme' ? 'Acme Parcels' : 'Globex', timezone: 'America/New_York' },
      });
      expect(res.statusCode).toBe(200);
    }
    await createStaff(h, ACME, 'dana@acme.test', 'Dana');
    await createStaff(h, ACME, 'sam@shared.test', 'Sam at Acme');
    await createStaff(h, GLOBEX, 'sam@shared.test', 'Sam at Globex');
  }, 60_000);
  afterAll(async () => h.close());

  const signIn = (payload: { brand?: string; brandId?: string; email: string; password: string }) =>
    h.app.inject({ method: 'POST', url: '/api/session', payload });
  const form = (fields: Record<string, string>) =>
    h.app.inject({
      method: 'POST',
      url: '/login',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: new URLSearchParams({ next: '/conversations', ...fields }).toString(),
    });

  it('signs in with the slug (any case), with the email alone, and still with the brand id', async () => {
    for (const body of [
      { brand: 'acme', email: 'dana@acme.test', password: PASSWORD },
      { brand: 'ACME', email: 'Dana@Acme.test', password: PASSWORD },
      { email: 'dana@acme.test', password: PASSWORD },
      { brandId: ACME, email: 'dana@acme.test', password: PASSWORD },
    ]) {
      const res = await signIn(body);
      expect(res.statusCode, JSON.stringify(body)).toBe(200);
      expect(res.json().staff.brandId).toBe(ACME);
    }
    const page = await form({ brand: 'acme', email: 'dana@acme.test', password: PASSWORD });
    expect(page.statusCode).toBe(303);
    const cookie = String(page.headers['set-cookie']).split(';')[0]!;
    const list = await h.app.inject({ url: '/conversations', headers: { cookie } });
    // The top bar names the brand as staff know it, not by its id.
    expect(list.body).toContain('Acme Parcels');
    expect(list.body).not.toContain(ACME);
  });

  it('asks for the brand when the password matches accounts in several brands', async () => {
    const api = await signIn({ email: 'sam@shared.test', password: PASSWORD });
    expect(api.statusCode).toBe(409);
    expect(api.json().error.code).toBe('BRAND_NEEDED');
    const page = await form({ email: 'sam@shared.test', password: PASSWORD });
    expect(page.statusCode).toBe(409);
    expect(page.body).toContain('enter the brand too');
    const withBrand = await signIn({ brand: 'globex', email: 'sam@shared.test', password: PASSWORD });
    expect(withBrand.json().staff.displayName).toBe('Sam at Globex');
  });

  it('refuses a wrong brand, email or password alike', async () => {
    for (const body of [
      { brand: 'globex', email: 'dana@acme.test', password: PASSWORD },
      { brand: 'initech', email: 'dana@acme.test', password: PASSWORD },
      { email: 'nobody@acme.test', password: PASSWORD },
      { email: 'sam@shared.test', password: 'not the password' },
    ]) {
      const res = await signIn(body);
      expect(res.statusCode, JSON.stringify(body)).toBe(401);
      expect(res.json().error.message).toBe('wrong brand, email or password');
    }
  });

  it('keeps each slug to one brand, and refuses bad brand bodies with a 400 naming the field', async () => {
    const taken = await h.app.inject({
      method: 'PUT',
      url: `/admin/brands/other-brand`,
      headers: h.serviceHeaders,
      payload: { slug: 'acme' },
    });
    expect(taken.statusCode).toBe(409);
    expect(taken.json().error.message).toContain('slug');
    const badZone = await h.app.inject({
      method: 'PUT',
      url: `/admin/brands/${ACME}`,
      headers: h.serviceHeaders,
      payload: { timezone: 'Mars/Olympus_Mons' },
    });
    expect(badZone.statusCode).toBe(400);
    expect(badZone.json().error.message).toBe('body.timezone is not a known IANA time zone');
    // What cannot be a string is refused for every field; each field also refuses its own bad strings.
    const notString = fc.oneof(
      fc.dictionary(fc.string({ minLength: 1 }), fc.jsonValue(), { minKeys: 1 }),
      fc.array(fc.integer(), { minLength: 2 }),
    );
    const bad = fc.oneof(
      fc
        .oneof(
          notString,
          fc.constant(''),
          fc.string().filter((s) => !/^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/.test(s)),
          fc.stringMatching(/^[a-z0-9]{64,80}$/),
        )
        .map((v) => ({ field: 'slug', v })),
      fc
        .oneof(notString, fc.constant(''), fc.string({ minLength: 121, maxLength: 200 }))
        .map((v) => ({ field: 'name', v })),
      fc
        .oneof(notString, fc.constant(''), fc.string({ minLength: 65, maxLength: 80 }))
        .map((v) => ({ field: 'timezone', v })),
    );
    await fc.assert(
      fc.asyncProperty(bad, async ({ field, v }) => {
        const res = await h.app.inject({
          method: 'PUT',
          url: `/admin/brands/${GLOBEX}`,
          headers: h.serviceHeaders,
          payload: { [field]: v },
        });
        expect(res.statusCode, JSON.stringify({ [field]: v })).toBe(400);
        expect(res.json().error.message).toMatch(new RegExp(`^body\\.${field}[ .]`));
        // Nothing sent is ever echoed back in an error.
        if (typeof v === 'string' && v.length > 3)
          expect(res.body).not.toContain(JSON.stringify(v).slice(1, -1));
      }),
      { numRuns: 60 },
    );
    // None of it changed the brand; null still clears a field on purpose.
    const globex = await h.app.inject({
      method: 'PUT',
      url: `/admin/brands/${GLOBEX}`,
      headers: h.serviceHeaders,
      payload: { name: null },
    });
    expect(globex.json().brand).toEqual({
      id: GLOBEX,
      slug: 'globex',
      name: null,
      timezone: 'America/New_York',
      recordingRetentionDays: null,
      autoPlaceCallbacks: false,
    });
    expect((await h.store.findBrandBySlug('globex'))!.id).toBe(GLOBEX);
  });
});

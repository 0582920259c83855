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

  const signIn = (payload: Record<string, string>) =>
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
    const field = fc.constantFrom('slug', 'name', 'timezone');
    const value = fc.oneof(
      fc.string().filter((s) => !/^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/.test(s) || s.length > 63),
      fc.object(),
      fc.array(fc.integer(), { minLength: 2 }),
      fc.string({ minLength: 121, maxLength: 200 }),
    );
    await fc.assert(
      fc.asyncProperty(field, value, async (f, v) => {
        const res = await h.app.inject({
          method: 'PUT',
          url: `/admin/brands/${GLOBEX}`,
          headers: h.serviceHeaders,
          payload: { [f]: v },
        });
        expect(res.statusCode).toBeLessThan(500);
        if (res.statusCode === 400) expect(res.json().error.message).toMatch(/body/);
        // Nothing sent is ever echoed back in an error.
        if (res.statusCode >= 400 && typeof v === 'string' && v.length > 3)
          expect(res.body).not.toContain(JSON.stringify(v).slice(1, -1));
      }),
      { numRuns: 40 },
    );
    expect((await h.store.findBrandBySlug('globex'))!.id).toBe(GLOBEX);
  });
});

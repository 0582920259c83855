// Sign-in redirects stay on the site, assets are only real files, and form posts must come from this
// origin, scheme included.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, PASSWORD, staffCookie, startHarness } from '../testing/harness.ts';
import { hasControlOrBackslash, safeLocalPath } from './format.ts';

describe('safeLocalPath', () => {
  it('keeps same-site paths and drops everything a browser would resolve elsewhere', () => {
    expect(safeLocalPath('/conversations?status=active#x', '/f')).toBe('/conversations?status=active#x');
    for (const evil of [
      '/\t/evil.example',
      '/%09/evil.example',
      '//evil.example',
      '/\\evil.example',
      '/\r\n/evil.example',
      'https://evil.example/',
      'javascript:alert(1)',
      '/\u0000x',
    ])
      expect(safeLocalPath(evil, '/f'), JSON.stringify(evil)).toBe(
        evil === '/%09/evil.example' ? '/%09/evil.example' : '/f',
      );
  });

  it('whatever the input, the result resolves to this origin as a browser would resolve it', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ unit: 'binary' }), fc.webUrl(), fc.webPath()), (s) => {
        const out = safeLocalPath(s, '/fallback');
        expect(new URL(out, 'https://app.example').origin).toBe('https://app.example');
        expect(hasControlOrBackslash(out)).toBe(false);
      }),
      { numRuns: 2000 },
    );
  });
});

describe('UI hardening', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
    await staffCookie(h, 'acme', 'dana@acme.test');
  });
  afterAll(async () => {
    await h.close();
  });

  it('signing in with a crafted next stays on the site', async () => {
    for (const next of ['/\t/evil.example', '//evil.example/x', '/\\evil.example']) {
      const res = await h.app.inject({
        method: 'POST',
        url: '/login',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        payload: new URLSearchParams({
          brandId: 'acme',
          email: 'dana@acme.test',
          password: PASSWORD,
          next,
        }).toString(),
      });
      expect(res.statusCode).toBe(303);
      expect(res.headers.location).toBe('/conversations');
    }
  });

  it('serves only real asset files: object-prototype names are 404s', async () => {
    for (const name of ['constructor', '__proto__', 'toString', 'hasOwnProperty', '..%2Fapp.ts'])
      expect((await h.app.inject({ url: `/assets/${name}` })).statusCode, name).toBe(404);
    expect((await h.app.inject({ url: '/assets/app.css' })).statusCode).toBe(200);
  });

  it('refuses a form post whose Origin has another scheme', async () => {
    const res = await h.app.inject({
      method: 'POST',
      url: '/logout',
      headers: { origin: 'https://localhost:80', host: 'localhost:80' },
    });
    expect(res.statusCode).toBe(403);
    const same = await h.app.inject({
      method: 'POST',
      url: '/logout',
      headers: { origin: 'http://localhost:80', host: 'localhost:80' },
    });
    expect(same.statusCode).toBe(303);
  });
});

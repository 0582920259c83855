import { describe, expect, it } from 'vitest';
import { apiSecretMatches, newApiKey, parseApiKey } from './api-keys.ts';
import { hashPassword, verifyPassword } from './passwords.ts';
import { decodeSession, encodeSession, readCookie, sessionSetCookie } from './session-cookie.ts';

const SECRET = 'a-session-secret-of-at-least-32-chars';

describe('passwords', () => {
  it('hashes with scrypt and a fresh salt, and verifies only the same password', async () => {
    const a = await hashPassword('correct horse battery');
    const b = await hashPassword('correct horse battery');
    expect(a).toMatch(/^scrypt\$32768\$8\$1\$[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+$/);
    expect(a).not.toBe(b);
    expect(await verifyPassword('correct horse battery', a)).toBe(true);
    expect(await verifyPassword('correct horse batterY', a)).toBe(false);
    expect(await verifyPassword('', a)).toBe(false);
  });

  it('answers false for malformed or hostile hashes instead of throwing', async () => {
    for (const bad of [
      '',
      'plain',
      'scrypt$1$2$3',
      'bcrypt$16384$8$1$c2FsdA==$a2V5',
      'scrypt$1099511627776$8$1$c2FsdA==$a2V5',
      `scrypt$3$8$1$c2FsdA==$${Buffer.alloc(64).toString('base64')}`,
    ]) {
      expect(await verifyPassword('x', bad)).toBe(false);
    }
  });
});

describe('session cookie', () => {
  const claims = { sessionId: 'session-1', staffId: 'staff-1', version: 3, expiresAtMs: 2_000_000 };

  it('round-trips signed claims until they expire', () => {
    const v = encodeSession(claims, SECRET);
    expect(decodeSession(v, SECRET, 1_000_000)).toEqual(claims);
    expect(decodeSession(v, SECRET, 2_000_000)).toBeUndefined();
  });

  it('rejects a changed payload, another secret, or garbage', () => {
    const v = encodeSession(claims, SECRET);
    const [payload, sig] = v.split('.');
    const forged = Buffer.from(JSON.stringify(['session-1', 'staff-2', 3, 2_000_000])).toString('base64url');
    expect(decodeSession(`${forged}.${sig}`, SECRET, 0)).toBeUndefined();
    expect(decodeSession(v, `${SECRET}x`, 0)).toBeUndefined();
    expect(decodeSession(`${payload}.`, SECRET, 0)).toBeUndefined();
    for (const junk of ['', '.', 'abc', 'a.b.c', '%%%.###'])
      expect(decodeSession(junk, SECRET, 0)).toBeUndefined();
  });

  it('reads one cookie from a header and writes a hardened Set-Cookie', () => {
    expect(readCookie('a=1; sb_session=x%2Ey; b=2', 'sb_session')).toBe('x.y');
    expect(readCookie('a=1', 'sb_session')).toBeUndefined();
    expect(readCookie('sb_session=%E0%A4%A', 'sb_session')).toBeUndefined();
    expect(sessionSetCookie('v', { secure: true, maxAgeSec: 60 })).toBe(
      'sb_session=v; Path=/; HttpOnly; SameSite=Lax; Max-Age=60; Secure',
    );
  });
});

describe('API keys', () => {
  it('hands out a key once and checks it against the stored hash', () => {
    const k = newApiKey();
    const parsed = parseApiKey(k.key);
    expect(parsed?.id).toBe(k.id);
    expect(apiSecretMatches(parsed!.secret, k.secretHash)).toBe(true);
    expect(apiSecretMatches(`${parsed!.secret}x`, k.secretHash)).toBe(false);
    expect(k.secretHash).not.toContain(parsed!.secret);
    expect(parseApiKey('sbk_short_x')).toBeUndefined();
  });
});

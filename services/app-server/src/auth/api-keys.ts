import { createHash, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';

/** Brand API keys look like `sbk_<id>_<secret>`; only sha256(secret) is stored. */
export const API_KEY_PREFIX = 'sbk_';

export function hashApiSecret(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

/** A new key: its id, the full key to hand out once, and the hash to store. */
export function newApiKey(): { id: string; key: string; secretHash: string } {
  const id = randomUUID().replaceAll('-', '');
  const secret = randomBytes(32).toString('base64url');
  return { id, key: `${API_KEY_PREFIX}${id}_${secret}`, secretHash: hashApiSecret(secret) };
}

/** Splits a presented key; undefined when it isn't shaped like one. */
export function parseApiKey(key: string): { id: string; secret: string } | undefined {
  const m = /^sbk_([0-9a-f]{32})_([A-Za-z0-9_-]{20,})$/.exec(key);
  return m ? { id: m[1]!, secret: m[2]! } : undefined;
}

/** Constant-time check of a presented secret against the stored hash. */
export function apiSecretMatches(secret: string, storedHash: string): boolean {
  const a = Buffer.from(hashApiSecret(secret), 'hex');
  const b = Buffer.from(storedHash, 'hex');
  return a.length === b.length && timingSafeEqual(a, b);
}

import { randomBytes } from 'node:crypto';

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** An id shaped like the real API's (`event_Ab12...`, `item_...`, `resp_...`): prefix + 21 base62 chars. */
export function newId(prefix: 'event' | 'item' | 'resp' | 'call' | 'sess' | 'conv'): string {
  const bytes = randomBytes(21);
  let out = `${prefix}_`;
  for (const b of bytes) out += ALPHABET[b % ALPHABET.length];
  return out;
}

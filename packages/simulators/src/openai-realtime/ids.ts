import { randomFillSync } from 'node:crypto';

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const ID_CHARS = 21;
/**
 * Random bytes drawn 4 KiB at a time: every server event gets an id, and one crypto call per id was a
 * visible share of a loaded simulator's CPU.
 */
const pool = Buffer.alloc(4096);
let used = pool.length;

/** An id shaped like the real API's (`event_Ab12...`, `item_...`, `resp_...`): prefix + 21 base62 chars. */
export function newId(prefix: 'event' | 'item' | 'resp' | 'call' | 'sess' | 'conv'): string {
  if (used + ID_CHARS > pool.length) {
    randomFillSync(pool);
    used = 0;
  }
  let out = `${prefix}_`;
  for (let i = 0; i < ID_CHARS; i++) out += ALPHABET[pool[used + i]! % ALPHABET.length];
  used += ID_CHARS;
  return out;
}

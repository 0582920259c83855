/**
 * Tags that let the benchmark follow single frames through a relay. A tag is written in the low
 * nibbles of a frame's first bytes, one nibble per byte, with a check nibble last. Silence frames use
 * quiet codes (0xF0 | n, a few units of amplitude) and speech frames loud ones (0x90 | n, inside the
 * speech tone's range), so a voice activity detector hears what it would hear untagged.
 */

/** High nibble of a tag byte in a silence frame: mu-law 0xF0..0xFF decode to |x| ≤ 120 of 32767. */
export const QUIET_TAG_BASE = 0xf0;
/** High nibble of a tag byte in a speech frame: mu-law 0x90..0x9F decode to 8k..16k of 32767. */
export const LOUD_TAG_BASE = 0x90;
/** Caller frame tag: 3 nibbles of call index, 4 of chunk number, 1 check. */
export const CALLER_TAG_BYTES = 8;
/** Reply chunk tag: 3 nibbles of chunk index within the reply, 1 check. */
export const REPLY_TAG_BYTES = 4;
/** Largest call index a caller tag carries. */
export const MAX_TAGGED_CALLS = 0x1000;
/** Chunk numbers wrap at this (21 minutes of 20 ms frames). */
export const CHUNK_MODULUS = 0x10000;
/** Reply chunk indexes wrap at this. */
export const MAX_REPLY_CHUNKS = 0x1000;
const CHECK_SALT = 0xa;

function writeNibbles(frame: Uint8Array, nibbles: number[], base: number): void {
  let check = CHECK_SALT;
  for (let i = 0; i < nibbles.length; i++) {
    const n = nibbles[i]! & 0x0f;
    check ^= n;
    frame[i] = base | n;
  }
  frame[nibbles.length] = base | check;
}

/** Reads `count` nibbles plus the check nibble; null when the bytes are not a tag. */
function readNibbles(bytes: Uint8Array, count: number): number | null {
  if (bytes.length < count + 1) return null;
  const high = bytes[0]! & 0xf0;
  if (high !== QUIET_TAG_BASE && high !== LOUD_TAG_BASE) return null;
  let value = 0;
  let check = CHECK_SALT;
  for (let i = 0; i < count; i++) {
    const b = bytes[i]!;
    if ((b & 0xf0) !== high) return null;
    value = (value << 4) | (b & 0x0f);
    check ^= b & 0x0f;
  }
  const last = bytes[count]!;
  return (last & 0xf0) === high && (last & 0x0f) === check ? value : null;
}

/** Writes a caller tag over the first {@link CALLER_TAG_BYTES} bytes of `frame`. */
export function tagCallerFrame(frame: Uint8Array, callIndex: number, chunk: number, loud: boolean): void {
  if (!(callIndex >= 0 && callIndex < MAX_TAGGED_CALLS)) throw new RangeError('call index out of range');
  const c = chunk % CHUNK_MODULUS;
  writeNibbles(
    frame,
    [callIndex >> 8, callIndex >> 4, callIndex, c >> 12, c >> 8, c >> 4, c],
    loud ? LOUD_TAG_BASE : QUIET_TAG_BASE,
  );
}

/** A caller tag read back. */
export interface CallerTag {
  callIndex: number;
  /** The chunk number modulo {@link CHUNK_MODULUS}. */
  chunk: number;
}

/** Reads a caller tag from the start of `bytes`; null for untagged audio (e.g. a relay's own silence). */
export function readCallerTag(bytes: Uint8Array): CallerTag | null {
  const v = readNibbles(bytes, CALLER_TAG_BYTES - 1);
  return v === null ? null : { callIndex: v >>> 16, chunk: v & 0xffff };
}

/** Writes a reply tag over the first {@link REPLY_TAG_BYTES} bytes of `chunk`. */
export function tagReplyChunk(chunk: Uint8Array, index: number): void {
  if (!(index >= 0 && index < MAX_REPLY_CHUNKS)) throw new RangeError('reply chunk index out of range');
  writeNibbles(chunk, [index >> 8, index >> 4, index], QUIET_TAG_BASE);
}

/** Reads a reply tag; -1 when untagged. */
export function readReplyTag(bytes: Uint8Array): number {
  return readNibbles(bytes, REPLY_TAG_BYTES - 1) ?? -1;
}

const B64 = new Int8Array(128).fill(-1);
for (let i = 0; i < 64; i++)
  B64['ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'.charCodeAt(i)] = i;

/**
 * Decodes the first `out.length` bytes of a base64 string into `out` (no allocation: this runs for
 * every frame). Returns false when the string is too short or not base64 there.
 */
export function decodeBase64Prefix(text: string, out: Uint8Array): boolean {
  const chars = Math.ceil((out.length * 4) / 3);
  if (text.length < chars) return false;
  let acc = 0;
  let bits = 0;
  let o = 0;
  for (let i = 0; i < chars && o < out.length; i++) {
    const code = text.charCodeAt(i);
    const v = code < 128 ? B64[code]! : -1;
    if (v < 0) return false;
    acc = ((acc << 6) | v) & 0xffffff;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[o++] = (acc >> bits) & 0xff;
    }
  }
  return o === out.length;
}

/** Decoded length of well-formed base64, without decoding it. */
export function base64Bytes(b64: string): number {
  const n = b64.length;
  // Character codes, not endsWith: this runs on every caller frame. ('=' is 61.)
  const padding = b64.charCodeAt(n - 1) === 61 ? (b64.charCodeAt(n - 2) === 61 ? 2 : 1) : 0;
  return Math.floor(n / 4) * 3 - padding;
}

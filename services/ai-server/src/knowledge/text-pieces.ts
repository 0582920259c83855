/**
 * Cuts text into bounded pieces before it is tokenized. The tokenizer's cost grows faster than
 * linearly with a run of text that has no word break (128 KB of it took seconds), so no piece is
 * longer than `maxChars`: cost stays linear in the text, whatever it holds.
 */

/** Longest piece handed to the tokenizer (measured: per-character cost is flat up to about here). */
export const MAX_PIECE_CHARS = 512;

const isSpace = (code: number) =>
  code === 0x20 || code === 0x0a || code === 0x09 || code === 0x0d || code === 0x0c || code === 0x3000;

/**
 * Pieces of `text` joining back to it exactly. Each cut is made just before a space or line break in
 * the second half of the window (so tokens that start with a space stay whole), else at `maxChars`,
 * never inside a surrogate pair. Every piece but the last is at least half a window long.
 */
export function splitForTokenizer(text: string, maxChars = MAX_PIECE_CHARS): string[] {
  const pieces: string[] = [];
  let start = 0;
  while (text.length - start > maxChars) {
    const limit = start + maxChars;
    let cut = limit;
    for (let i = limit; i > start + maxChars / 2; i--) {
      if (isSpace(text.charCodeAt(i))) {
        cut = i;
        break;
      }
    }
    if (cut === limit) {
      const code = text.charCodeAt(cut);
      if (code >= 0xdc00 && code <= 0xdfff) cut--;
    }
    pieces.push(text.slice(start, cut));
    start = cut;
  }
  if (start < text.length) pieces.push(text.slice(start));
  return pieces;
}

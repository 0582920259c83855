/**
 * Nesting depth of raw JSON text, measured before it is parsed: one pass, no recursion, so a
 * 10,000-deep document costs a scan, never a stack overflow in a later recursive walk.
 */

/** A value nested past the limit: where it starts and ends in the text, and the field path to it. */
export interface TooDeep {
  /** Index of its opening bracket. */
  start: number;
  /** Index just past its closing bracket (the text's length when it is never closed). */
  end: number;
  /** Field path in the style of validation messages: `messages.0.toolResult`. */
  path: string;
}

interface Frame {
  kind: 'object' | 'array';
  /** The member key (objects) once read, or the element index (arrays). */
  key: string | number | undefined;
  expectingKey: boolean;
}

/** Decodes a JSON string token (quotes included) for a path; raw text when it does not decode. */
function keyText(token: string): string {
  try {
    return String(JSON.parse(token));
  } catch {
    return token.slice(1, -1);
  }
}

/** Index just past the string token starting at `i` (a quote); native search, so long strings are cheap. */
function skipString(text: string, i: number): number {
  let j = i + 1;
  for (;;) {
    const q = text.indexOf('"', j);
    if (q < 0) return text.length;
    let backslashes = 0;
    while (text.charCodeAt(q - 1 - backslashes) === 0x5c) backslashes++;
    if (backslashes % 2 === 0) return q + 1;
    j = q + 1;
  }
}

/** Index just past the container opening at `i`, tracking only brackets outside strings. */
function skipContainer(text: string, i: number): number {
  let depth = 0;
  let j = i;
  while (j < text.length) {
    const c = text.charCodeAt(j);
    if (c === 0x22) {
      j = skipString(text, j);
      continue;
    }
    if (c === 0x7b || c === 0x5b) depth++;
    else if (c === 0x7d || c === 0x5d) {
      depth--;
      if (depth === 0) return j + 1;
    }
    j++;
  }
  return j;
}

/**
 * The outermost values of `text` nested deeper than `maxDepth` containers (the top-level value is
 * depth 1), in order. With `firstOnly`, stops at the first. Malformed text is scanned as far as it
 * goes; JSON.parse reports the syntax error afterwards.
 */
export function findTooDeep(text: string, maxDepth: number, firstOnly = false): TooDeep[] {
  const found: TooDeep[] = [];
  const stack: Frame[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text.charCodeAt(i);
    const top = stack[stack.length - 1];
    if (c === 0x22) {
      const end = skipString(text, i);
      if (top?.kind === 'object' && top.expectingKey) {
        top.key = keyText(text.slice(i, end));
        top.expectingKey = false;
      }
      i = end;
      continue;
    }
    if (c === 0x7b || c === 0x5b) {
      if (stack.length >= maxDepth) {
        const end = skipContainer(text, i);
        found.push({ start: i, end, path: pathOf(stack) });
        if (firstOnly) return found;
        i = end;
        continue;
      }
      stack.push(
        c === 0x7b
          ? { kind: 'object', key: undefined, expectingKey: true }
          : { kind: 'array', key: 0, expectingKey: false },
      );
    } else if (c === 0x7d || c === 0x5d) {
      stack.pop();
    } else if (c === 0x2c && top) {
      if (top.kind === 'array') top.key = (top.key as number) + 1;
      else top.expectingKey = true;
    }
    i++;
  }
  return found;
}

function pathOf(stack: Frame[]): string {
  return stack
    .map((f) => f.key)
    .filter((k) => k !== undefined)
    .join('.');
}

/** `text` with each too-deep value replaced by `marker` (a JSON text). */
export function replaceTooDeep(text: string, ranges: readonly TooDeep[], marker: string): string {
  if (!ranges.length) return text;
  let out = '';
  let at = 0;
  for (const r of ranges) {
    out += text.slice(at, r.start) + marker;
    at = r.end;
  }
  return out + text.slice(at);
}

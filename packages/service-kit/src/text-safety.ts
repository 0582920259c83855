/**
 * Text Postgres cannot store: U+0000 (refused in `text` and `jsonb`) and unpaired UTF-16 surrogates
 * (not valid UTF-8). Values are walked with an explicit stack, never recursion.
 */

/** Why a value can't be stored as sent. */
export type TextProblemKind = 'nul' | 'surrogate' | 'non-finite' | 'forbidden-key';

export interface TextProblem {
  /** Field path: `body.messages.0.text`. */
  path: string;
  kind: TextProblemKind;
}

/** What sanitising changed in one string. */
export interface TextRepair {
  path: string;
  /** NUL characters removed. */
  nul: number;
  /** Unpaired surrogates replaced by U+FFFD. */
  surrogates: number;
}

const LONE_SURROGATE_SOURCE =
  '[\\uD800-\\uDBFF](?![\\uDC00-\\uDFFF])|(?<![\\uD800-\\uDBFF])[\\uDC00-\\uDFFF]';
const LONE_SURROGATE = new RegExp(LONE_SURROGATE_SOURCE, 'g');
const HAS_LONE_SURROGATE = new RegExp(LONE_SURROGATE_SOURCE);
const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

/** The first thing wrong with `s`, if any. */
export function stringProblem(s: string): 'nul' | 'surrogate' | undefined {
  if (s.includes('\u0000')) return 'nul';
  if (HAS_LONE_SURROGATE.test(s)) return 'surrogate';
  return undefined;
}

/** `s` with NUL removed and unpaired surrogates replaced, and how many of each. */
export function sanitizeString(s: string): { text: string; nul: number; surrogates: number } {
  let nul = 0;
  let surrogates = 0;
  let text = s;
  if (text.includes('\u0000')) {
    const before = text.length;
    text = text.replaceAll('\u0000', '');
    nul = before - text.length;
  }
  if (HAS_LONE_SURROGATE.test(text)) {
    text = text.replace(LONE_SURROGATE, () => {
      surrogates++;
      return '\uFFFD';
    });
  }
  return { text, nul, surrogates };
}

/** The message a 400 carries for a problem (names the field, never repeats the value). */
export function textProblemMessage(p: TextProblem): string {
  switch (p.kind) {
    case 'nul':
      return `${p.path} must not contain NUL (U+0000) characters`;
    case 'surrogate':
      return `${p.path} must not contain unpaired UTF-16 surrogates`;
    case 'non-finite':
      return `${p.path} must be a finite number`;
    case 'forbidden-key':
      return `${p.path} uses a reserved property name`;
  }
}

type Slot = { value: unknown; path: string };

/** The first value under `root` that can't be stored as sent, depth-first; keys are checked too. */
export function findTextProblem(root: unknown, rootPath: string): TextProblem | undefined {
  const stack: Slot[] = [{ value: root, path: rootPath }];
  while (stack.length) {
    const { value, path } = stack.pop()!;
    if (typeof value === 'string') {
      const kind = stringProblem(value);
      if (kind) return { path, kind };
    } else if (typeof value === 'number') {
      if (!Number.isFinite(value)) return { path, kind: 'non-finite' };
    } else if (Array.isArray(value)) {
      for (let i = value.length - 1; i >= 0; i--) stack.push({ value: value[i], path: `${path}.${i}` });
    } else if (value && typeof value === 'object') {
      const entries = Object.entries(value);
      for (let i = entries.length - 1; i >= 0; i--) {
        const [k, v] = entries[i]!;
        const keyPath = `${path}.${sanitizeString(k).text}`;
        if (FORBIDDEN_KEYS.has(k)) return { path: keyPath, kind: 'forbidden-key' };
        const keyKind = stringProblem(k);
        if (keyKind) return { path: `${path} (a property name)`, kind: keyKind };
        stack.push({ value: v, path: keyPath });
      }
    }
  }
  return undefined;
}

/**
 * Repairs every string (and property name) under `root` in place: NUL removed, unpaired surrogates
 * replaced by U+FFFD. Returns the repairs, one per changed string. Non-finite numbers and reserved
 * property names are not repaired: `findTextProblem` still reports them.
 */
export function sanitizeInPlace(root: { [k: string]: unknown } | unknown[], rootPath: string): TextRepair[] {
  const repairs: TextRepair[] = [];
  const stack: Slot[] = [{ value: root, path: rootPath }];
  while (stack.length) {
    const { value, path } = stack.pop()!;
    if (Array.isArray(value)) {
      for (let i = 0; i < value.length; i++) {
        const v = value[i];
        if (typeof v === 'string') value[i] = repaired(v, `${path}.${i}`, repairs);
        else if (v && typeof v === 'object') stack.push({ value: v, path: `${path}.${i}` });
      }
    } else if (value && typeof value === 'object') {
      const obj = value as Record<string, unknown>;
      for (const k of Object.keys(obj)) {
        let key = k;
        if (stringProblem(k)) {
          key = repaired(k, `${path} (a property name)`, repairs);
          if (!(key in obj)) obj[key] = obj[k];
          delete obj[k];
        }
        const v = obj[key];
        if (typeof v === 'string') obj[key] = repaired(v, `${path}.${key}`, repairs);
        else if (v && typeof v === 'object') stack.push({ value: v, path: `${path}.${key}` });
      }
    }
  }
  return repairs;
}

function repaired(s: string, path: string, repairs: TextRepair[]): string {
  if (!stringProblem(s)) return s;
  const r = sanitizeString(s);
  repairs.push({ path, nul: r.nul, surrogates: r.surrogates });
  return r.text;
}

/** The first non-finite number under `root` (validation may coerce "Infinity" into one), by path. */
export function findNonFinite(root: unknown, rootPath: string): string | undefined {
  const stack: Slot[] = [{ value: root, path: rootPath }];
  while (stack.length) {
    const { value, path } = stack.pop()!;
    if (typeof value === 'number' && !Number.isFinite(value)) return path;
    if (value && typeof value === 'object')
      for (const [k, v] of Object.entries(value))
        if (v && typeof v !== 'string') stack.push({ value: v, path: `${path}.${k}` });
  }
  return undefined;
}

/** Nesting depth of a parsed value (a scalar is 0, `[]` is 1), measured without recursion. */
export function jsonDepth(root: unknown, stopAt = Number.POSITIVE_INFINITY): number {
  let max = 0;
  const stack: Array<{ value: unknown; depth: number }> = [{ value: root, depth: 0 }];
  while (stack.length) {
    const { value, depth } = stack.pop()!;
    if (!value || typeof value !== 'object') continue;
    const d = depth + 1;
    if (d > max) max = d;
    if (max > stopAt) return max;
    for (const v of Array.isArray(value) ? value : Object.values(value)) stack.push({ value: v, depth: d });
  }
  return max;
}

/**
 * Reading a scenario file: YAML in, a validated {@link CallScenario} out, or a {@link ScenarioFileError}
 * that names the line, the column and the field (`turns[2].expect.tools[0].name`). Total: whatever the
 * text holds, the answer is a scenario or that error, never another exception.
 */
import { readFile } from 'node:fs/promises';
import { basename, extname } from 'node:path';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import { isMap, isPair, isScalar, isSeq, LineCounter, type Node, parseDocument } from 'yaml';
import { SCENARIO_OUTLINE_SCHEMA, TURN_KINDS, TURN_SCHEMAS } from './scenario-schema.ts';
import type { CallScenario, LoadedScenario } from './scenario-types.ts';
import { isValidTimeZone } from './zoned-time.ts';

/** A scenario that cannot be used, and where in the file the problem is. */
export class ScenarioFileError extends Error {
  override readonly name = 'ScenarioFileError';
  constructor(
    readonly file: string,
    /** 1-based; 0 when the file could not be read at all. */
    readonly line: number,
    readonly column: number,
    /** The field, as a path (`turns[1].say`); empty for the whole file. */
    readonly field: string,
    readonly problem: string,
  ) {
    super(`${file}${line > 0 ? `:${line}:${column}` : ''}: ${field ? `${field}: ` : ''}${problem}`);
  }
}

type PathPart = string | number;

const ajv = new Ajv({ allErrors: true, strict: false });
const validateOutline = ajv.compile(SCENARIO_OUTLINE_SCHEMA);
const validateTurn = Object.fromEntries(
  TURN_KINDS.map((kind) => [kind, ajv.compile(TURN_SCHEMAS[kind])]),
) as Record<(typeof TURN_KINDS)[number], ValidateFunction>;

/** Reads and validates a scenario file. */
export async function loadScenarioFile(file: string): Promise<LoadedScenario> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory' : 'cannot be read';
    throw new ScenarioFileError(file, 0, 0, '', why);
  }
  return parseScenarioText(text, file);
}

/** Parses and validates scenario YAML; `file` names it in errors and gives the default name. */
export function parseScenarioText(text: string, file: string): LoadedScenario {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const at = (offset: number | undefined) => {
    const pos = lineCounter.linePos(offset ?? 0);
    return { line: pos.line, column: pos.col };
  };
  const fail = (offset: number | undefined, field: PathPart[], problem: string): never => {
    const { line, column } = at(offset);
    throw new ScenarioFileError(file, line, column, fieldName(field), problem);
  };
  const syntax = doc.errors[0];
  if (syntax) fail(syntax.pos[0], [], `not valid YAML: ${firstLine(syntax.message)}`);
  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: 50 });
  } catch (err) {
    fail(0, [], `not usable YAML: ${firstLine((err as Error).message)}`);
  }
  const nodeAt = (path: PathPart[]) => locate(doc.contents, path);
  const report = (errors: ErrorObject[] | null | undefined, base: PathPart[]): never => {
    const error = pickError(errors ?? []);
    const path = [...base, ...pointerParts(error.instancePath)];
    if (error.keyword === 'additionalProperties') {
      const extra = String(error.params.additionalProperty);
      const key = keyNode(doc.contents, path, extra);
      return fail(key?.range?.[0], [...path, extra], 'unknown field');
    }
    if (error.keyword === 'required') {
      return fail(nodeAt(path)?.range?.[0], [...path, String(error.params.missingProperty)], 'is required');
    }
    return fail(nodeAt(path)?.range?.[0], path, describe(error));
  };

  if (value === null || value === undefined) fail(0, [], 'the file is empty; a scenario needs `turns:`');
  if (!validateOutline(value)) report(validateOutline.errors, []);
  const scenario = value as CallScenario;
  const turnLines: number[] = [];
  scenario.turns.forEach((turnValue, i) => {
    const turn = turnValue as unknown as Record<string, unknown>;
    const here = ['turns', i];
    turnLines.push(at(nodeAt(here)?.range?.[0]).line);
    const kinds = TURN_KINDS.filter((k) => k in turn);
    if (kinds.length !== 1) {
      const problem =
        kinds.length === 0
          ? `a turn needs one of ${TURN_KINDS.join(', ')}`
          : `a turn is one thing: found ${kinds.join(' and ')}`;
      fail(nodeAt(here)?.range?.[0], here, problem);
    }
    const validate = validateTurn[kinds[0]!];
    if (!validate(turn)) report(validate.errors, here);
  });
  if (scenario.timezone !== undefined && !isValidTimeZone(scenario.timezone))
    fail(nodeAt(['timezone'])?.range?.[0], ['timezone'], 'not an IANA time zone (e.g. America/New_York)');
  for (const { path, tag, language } of agentTextVariants(scenario)) {
    const at = [...path, tag];
    fail(nodeAt(at)?.range?.[0], at, `a second text for the language '${language}'`);
  }
  const expectBlocks = [
    { path: ['expect'] as PathPart[], value: scenario.expect },
    ...scenario.turns.map((t, i) => ({
      path: ['turns', i, 'expect'] as PathPart[],
      value: 'expect' in t ? t.expect : undefined,
    })),
  ];
  for (const { path, pattern } of expectBlocks.flatMap((b) => regexFields(b.value, b.path))) {
    try {
      new RegExp(pattern, 'i');
    } catch {
      fail(nodeAt(path)?.range?.[0], path, 'not a valid regular expression');
    }
  }
  if (scenario.turns.every((t) => 'pauseMs' in t || 'hangup' in t))
    fail(
      nodeAt(['turns'])?.range?.[0],
      ['turns'],
      'the caller never does anything: add a say, wav or dtmf turn',
    );
  return {
    file,
    scenario: { ...scenario, name: scenario.name ?? basename(file, extname(file)) },
    turnLines,
  };
}

/** The error worth showing: the deepest one, skipping the `oneOf` summaries. */
function pickError(errors: ErrorObject[]): ErrorObject {
  const useful = errors.filter((e) => e.keyword !== 'oneOf' && e.keyword !== 'if');
  const pool = useful.length > 0 ? useful : errors;
  let best = pool[0];
  // deeper first; at the same depth, what the value breaks rather than which alternative it is not
  const alternative = (e: ErrorObject) => e.keyword === 'type' || e.keyword === 'const';
  for (const e of pool) {
    if (
      best &&
      (depth(e) > depth(best) || (depth(e) === depth(best) && alternative(best) && !alternative(e)))
    )
      best = e;
  }
  return best ?? { keyword: 'type', instancePath: '', schemaPath: '', params: {}, message: 'is invalid' };
}

const depth = (e: ErrorObject) => e.instancePath.split('/').length;

function describe(error: ErrorObject): string {
  const p = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case 'type':
      return `expected ${String(p.type).replace(/,/g, ' or ')}`;
    case 'enum':
      return `expected one of ${(p.allowedValues as unknown[]).join(', ')}`;
    case 'const':
      return `expected ${JSON.stringify(p.allowedValue)}`;
    case 'pattern':
      return patternHint(String(p.pattern));
    case 'minimum':
    case 'maximum':
    case 'exclusiveMinimum':
      return `must be ${error.message?.replace(/^must be /, '') ?? 'in range'}`;
    case 'minItems':
      return `needs at least ${String(p.limit)} item(s)`;
    case 'minProperties':
      return p.limit === 1 ? 'must not be empty' : (error.message ?? 'is invalid');
    case 'maxProperties':
      return 'a matcher has exactly one of equals, contains, matches, present';
    default:
      return error.message ?? 'is invalid';
  }
}

function patternHint(pattern: string): string {
  if (pattern.startsWith('^\\+')) return 'expected an E.164 number like +18005550100';
  if (pattern.includes('today')) return 'expected today, tomorrow or YYYY-MM-DD';
  if (pattern.includes('[0-5][0-9]$')) return 'expected a time HH:MM (24-hour)';
  if (pattern.includes('*#')) return 'expected keypad digits (0-9, *, #, A-D)';
  if (pattern.includes('A-Za-z0-9_-')) return 'expected a tool name (letters, digits, _ and -)';
  if (pattern.includes('{2,3}')) return 'expected a BCP 47 language tag like es or en-US';
  return `does not match ${pattern}`;
}

function pointerParts(pointer: string): PathPart[] {
  if (!pointer) return [];
  return pointer
    .slice(1)
    .split('/')
    .map((raw) => raw.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((part) => (/^\d+$/.test(part) ? Number(part) : part));
}

function fieldName(path: PathPart[]): string {
  return path.reduce<string>(
    (out, part) => (typeof part === 'number' ? `${out}[${part}]` : out ? `${out}.${part}` : part),
    '',
  );
}

function firstLine(text: string): string {
  return text.split('\n')[0]!.trim();
}

/** The YAML node at `path`, or the deepest ancestor that exists. */
function locate(root: unknown, path: PathPart[]): Node | undefined {
  let node = root as Node | undefined;
  for (const part of path) {
    const next = child(node, part);
    if (!next) return node;
    node = next;
  }
  return node;
}

function child(node: unknown, part: PathPart): Node | undefined {
  if (isSeq(node) && typeof part === 'number') return node.items[part] as Node | undefined;
  if (isMap(node)) {
    const pair = node.items.find((p) => isPair(p) && isScalar(p.key) && String(p.key.value) === String(part));
    return (pair?.value ?? pair?.key) as Node | undefined;
  }
  return undefined;
}

function keyNode(root: unknown, path: PathPart[], key: string): Node | undefined {
  const map = locate(root, path);
  if (!isMap(map)) return map;
  const pair = map.items.find((p) => isScalar(p.key) && String(p.key.value) === key);
  return (pair?.key as Node | undefined) ?? map;
}

/** Texts per language that give one language (primary subtag) twice: `{es: …, es-MX: …}`. */
function agentTextVariants(
  scenario: CallScenario,
): Array<{ path: PathPart[]; tag: string; language: string }> {
  const texts: Array<{ path: PathPart[]; value: unknown }> = [
    { path: ['greeting'], value: scenario.greeting },
  ];
  scenario.turns.forEach((t, i) => {
    const agent = 'agent' in t ? t.agent : undefined;
    texts.push({ path: ['turns', i, 'agent', 'say'], value: agent?.say });
    texts.push({ path: ['turns', i, 'agent', 'afterTools'], value: agent?.afterTools });
  });
  return texts.flatMap(({ path, value }) => {
    if (typeof value !== 'object' || value === null) return [];
    const seen = new Set<string>();
    return Object.keys(value).flatMap((tag) => {
      const language = tag.split('-')[0]!.toLowerCase();
      if (!seen.has(language)) {
        seen.add(language);
        return [];
      }
      return [{ path, tag, language }];
    });
  });
}

/** Every `matches:` pattern in the scenario, with its path. */
function regexFields(value: unknown, path: PathPart[] = []): Array<{ path: PathPart[]; pattern: string }> {
  if (Array.isArray(value)) return value.flatMap((v, i) => regexFields(v, [...path, i]));
  if (typeof value !== 'object' || value === null) return [];
  return Object.entries(value).flatMap(([k, v]) =>
    k === 'matches' && typeof v === 'string'
      ? [{ path: [...path, k], pattern: v }]
      : regexFields(v, [...path, k]),
  );
}

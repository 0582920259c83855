/**
 * A standing fuzz suite built from an app's own OpenAPI document: for every operation, requests are
 * generated from its schemas (valid values from the schema, then one field made hostile: wrong types,
 * NUL, unpaired surrogates, a 1 MB string, 10,000-deep JSON, out-of-range numbers and dates). Every
 * answer must be below 500, and a JSON 400 must name the field. The statuses seen are returned, so the
 * OpenAPI test can check each is documented.
 */
import fc from 'fast-check';
import type { FastifyInstance } from 'fastify';

type Schema = Record<string, unknown> & {
  type?: string | string[];
  properties?: Record<string, Schema>;
  required?: string[];
  items?: Schema;
  enum?: unknown[];
  pattern?: string;
  format?: string;
  minimum?: number;
  maximum?: number;
  minLength?: number;
  maxLength?: number;
  minItems?: number;
  maxItems?: number;
  anyOf?: Schema[];
};

interface Operation {
  method: string;
  path: string;
  params?: Schema;
  query?: Schema;
  body?: Schema;
}

/** A raw JSON text placed where a value goes (numbers JSON can't stringify, too-deep nesting). */
class Raw {
  constructor(readonly text: string) {}
}

const DEEP = `${'['.repeat(10_000)}${']'.repeat(10_000)}`;

/** Hostile values, each a plain value or raw JSON text. */
export const hostile: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom(
    'a\u0000b',
    '\uD800',
    'x\uDC00y',
    'x'.repeat(1_000_000),
    '0000-01-01T00:00:00Z',
    '-271821-04-20T00:00:00.000Z',
    '1e400',
    'Infinity',
    '-1',
    '',
    '../../etc/passwd',
    '<script>alert(1)</script>',
    '/\t/evil.example',
    '__proto__',
  ),
  fc.constantFrom(new Raw('1e400'), new Raw('-1e400'), new Raw(DEEP), new Raw(`{"a":${DEEP}}`)),
  fc.constantFrom(true, null, 0, -1, 2 ** 53, 1.5, [], {}, [1, 'a'], { __proto__x: 1 }),
  fc.string({ unit: 'binary', maxLength: 30 }),
);

function typeOf(s: Schema): string | undefined {
  const t = Array.isArray(s.type) ? s.type.find((x) => x !== 'null') : s.type;
  return t ?? (s.properties ? 'object' : undefined);
}

/** Values valid for `s` as far as cheap generation goes (patterns through fast-check's regex support). */
export function valid(s: Schema | undefined, depth = 0): fc.Arbitrary<unknown> {
  if (!s || depth > 4) return fc.constant('x');
  if (s.enum) return fc.constantFrom(...s.enum);
  if (s.anyOf?.length) return fc.oneof(...s.anyOf.map((x) => valid(x, depth + 1)));
  switch (typeOf(s)) {
    case 'string': {
      const max = Math.min(s.maxLength ?? 24, 24);
      if (s.format === 'date-time')
        return fc
          .date({ min: new Date('2001-01-01'), max: new Date('2030-01-01'), noInvalidDate: true })
          .map((d) => d.toISOString());
      if (s.format === 'email') return fc.emailAddress();
      if (s.pattern) {
        try {
          return fc
            .stringMatching(new RegExp(s.pattern))
            .filter((x) => x.length >= (s.minLength ?? 0) && x.length <= (s.maxLength ?? 10_000));
        } catch {
          // a pattern fast-check can't generate from (lookahead): plain strings, mostly refused
        }
      }
      return fc.string({
        minLength: Math.min(s.minLength ?? 0, max),
        maxLength: Math.max(max, s.minLength ?? 0),
      });
    }
    case 'integer':
      return fc.integer({ min: s.minimum ?? 0, max: Math.min(s.maximum ?? 1000, 2 ** 31 - 1) });
    case 'number':
      return fc.double({ min: s.minimum ?? 0, max: s.maximum ?? 1000, noNaN: true, noDefaultInfinity: true });
    case 'boolean':
      return fc.boolean();
    case 'array':
      return fc.array(valid(s.items, depth + 1), {
        minLength: s.minItems ?? 0,
        maxLength: Math.max(Math.min(s.maxItems ?? 2, 2), s.minItems ?? 0),
      });
    case 'object': {
      const props = s.properties ?? {};
      const required = new Set(s.required ?? []);
      const entries = Object.entries(props).filter(([k]) => required.has(k) || depth < 2);
      return fc.record(Object.fromEntries(entries.map(([k, v]) => [k, valid(v, depth + 1)])), {
        requiredKeys: entries.map(([k]) => k).filter((k) => required.has(k)),
      });
    }
    default:
      return fc.jsonValue({ maxDepth: 2 });
  }
}

/** The operations of an OpenAPI 3 document, with their parameter and body schemas. */
export function operations(doc: { paths: Record<string, Record<string, unknown>> }): Operation[] {
  const out: Operation[] = [];
  for (const [path, methods] of Object.entries(doc.paths))
    for (const [method, op] of Object.entries(methods)) {
      const o = op as {
        parameters?: Array<{ in: string; name: string; required?: boolean; schema: Schema }>;
        requestBody?: { content?: Record<string, { schema: Schema }> };
      };
      const group = (where: string): Schema | undefined => {
        const ps = (o.parameters ?? []).filter((p) => p.in === where);
        if (!ps.length) return undefined;
        return {
          type: 'object',
          properties: Object.fromEntries(ps.map((p) => [p.name, p.schema])),
          required: ps.filter((p) => p.required).map((p) => p.name),
        };
      };
      out.push({
        method: method.toUpperCase(),
        path,
        params: group('path'),
        query: group('query'),
        body: o.requestBody?.content?.['application/json']?.schema,
      });
    }
  return out;
}

function encodeBody(value: unknown): string {
  const raws: string[] = [];
  const text = JSON.stringify(value, (_k, v) => {
    if (v instanceof Raw) {
      raws.push(v.text);
      return `@@raw${raws.length - 1}@@`;
    }
    return v;
  });
  return text.replace(/"@@raw(\d+)@@"/g, (_m, i: string) => raws[Number(i)]!);
}

/** A path segment; a lone surrogate (which URLs can't carry) goes as the invalid UTF-8 a client would send. */
function segment(text: string): string {
  try {
    return encodeURIComponent(text);
  } catch {
    return `${encodeURIComponent(text.replace(/[\uD800-\uDFFF]/g, ''))}%ED%A0%80`;
  }
}

const asText = (v: unknown) => (v instanceof Raw ? v.text : typeof v === 'string' ? v : JSON.stringify(v));

export interface FuzzOptions {
  /** Credentials for a route, by its path. */
  headers: (path: string) => Record<string, string>;
  /** Fixed values for path parameters that name existing things (`key` → a real profile key). */
  knownParams?: Record<string, string[]>;
  numRuns?: number;
}

/**
 * Fuzzes every operation of `app`'s OpenAPI document; fails on a 5xx or a JSON 400 that names no
 * field. Returns the statuses seen per "METHOD /path".
 */
export async function fuzzOperations(
  app: FastifyInstance,
  doc: { paths: Record<string, Record<string, unknown>> },
  opts: FuzzOptions,
): Promise<Map<string, Set<number>>> {
  const seen = new Map<string, Set<number>>();
  for (const op of operations(doc)) {
    const name = `${op.method} ${op.path}`;
    const statuses = seen.get(name) ?? new Set<number>();
    seen.set(name, statuses);
    const paramArb = op.params
      ? fc.record(
          Object.fromEntries(
            Object.entries(op.params.properties ?? {}).map(([k, s]) => [
              k,
              opts.knownParams?.[k] ? fc.oneof(fc.constantFrom(...opts.knownParams[k]), valid(s)) : valid(s),
            ]),
          ),
        )
      : fc.constant({});
    const where = fc.constantFrom(
      ...(['body', 'query', 'params'] as const).filter((w) =>
        w === 'body' ? op.body || op.method !== 'GET' : op[w],
      ),
      'none' as const,
    );
    await fc.assert(
      fc.asyncProperty(
        paramArb,
        valid(op.query),
        op.body ? valid(op.body) : fc.constant(undefined),
        where,
        fc.string({ minLength: 1, maxLength: 12 }),
        hostile,
        async (params, query, body, target, field, bad) => {
          const p = { ...(params as Record<string, unknown>) };
          const q = { ...((query as Record<string, unknown>) ?? {}) };
          let b = body;
          const pick = (s: Schema | undefined) => {
            const keys = Object.keys(s?.properties ?? {});
            return keys.length ? keys[field.length % keys.length]! : field;
          };
          if (target === 'params') p[pick(op.params)] = bad;
          else if (target === 'query') q[pick(op.query)] = bad;
          else if (target === 'body')
            b = b && typeof b === 'object' && !Array.isArray(b) ? { ...b, [pick(op.body)]: bad } : bad;
          const url =
            op.path.replace(/\{(\w+)\}/g, (_m, k: string) => segment(asText(p[k] ?? 'x'))) +
            (Object.keys(q).length
              ? `?${new URLSearchParams(Object.entries(q).map(([k, v]): [string, string] => [k, asText(v)])).toString()}`
              : '');
          const res = await app.inject({
            method: op.method as 'GET',
            url,
            headers: {
              ...opts.headers(op.path),
              ...(b !== undefined ? { 'content-type': 'application/json' } : {}),
            },
            ...(b !== undefined ? { payload: encodeBody(b) } : {}),
          });
          statuses.add(res.statusCode);
          if (res.statusCode >= 500)
            throw new Error(`${name} answered ${res.statusCode}: ${res.body.slice(0, 300)}`);
          if (res.statusCode === 400 && /json/.test(String(res.headers['content-type']))) {
            const message = String(res.json().error?.message ?? '');
            if (!/^(body|querystring|params|headers)\b/.test(message))
              throw new Error(`${name}: a 400 that names no field: ${message}`);
          }
        },
      ),
      { numRuns: opts.numRuns ?? 15 },
    );
  }
  return seen;
}

/**
 * The other direction of the OpenAPI contract: a valid request for each operation answers a status the
 * document lists, with a body its response schema accepts. Objects in documented schemas are read as
 * closed (a field the schema does not name is an error unless it says `additionalProperties`), so a
 * schema that forgets a field fails here instead of under-documenting the answer.
 */
import { Ajv, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify';

type Json = Record<string, unknown>;
/** The part of an OpenAPI document read here. */
type OpenApiDoc = { paths: Record<string, Record<string, { responses: Record<string, unknown> }>> };
type Response = { description?: string; content?: Record<string, { schema?: Json }> };

/** One valid request of an operation ("METHOD /documented/{path}"). */
export interface HappyRow {
  op: string;
  /** The request; a function may use the answers of earlier rows. */
  request: InjectOptions | ((earlier: HappyAnswers) => InjectOptions | Promise<InjectOptions>);
}

/** Answers of the rows run so far, by operation (the latest one). */
export type HappyAnswers = Map<string, LightMyRequestResponse>;

const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;

/** A copy of `schema` whose objects without an `additionalProperties` of their own are closed. */
export function closed(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(closed);
  if (!schema || typeof schema !== 'object') return schema;
  const out: Json = {};
  for (const [k, v] of Object.entries(schema as Json))
    out[k] =
      k === 'properties' && v && typeof v === 'object'
        ? Object.fromEntries(Object.entries(v as Json).map(([p, s]) => [p, closed(s)]))
        : closed(v);
  if (out.properties && !('additionalProperties' in out)) out.additionalProperties = false;
  return out;
}

/** "METHOD /path status": JSON success answers whose schema names no field (a bare open object). */
export function bareSuccessSchemas(doc: OpenApiDoc): string[] {
  return Object.entries(doc.paths).flatMap(([path, ops]) =>
    Object.entries(ops).flatMap(([method, op]) =>
      Object.entries(op.responses as Record<string, Response>)
        .filter(([status, r]) => {
          const schema = r.content?.['application/json']?.schema;
          return /^2/.test(status) && schema && schema.type === 'object' && !schema.properties;
        })
        .map(([status]) => `${method.toUpperCase()} ${path} ${status}`),
    ),
  );
}

function mediaType(header: unknown): string {
  return String(header ?? '')
    .split(';')[0]!
    .trim()
    .toLowerCase();
}

/**
 * Runs `rows` in order against `app` and returns every problem: an operation with no row (unless
 * `exempt` gives the reason), an answer that is an error or a status the document does not list, a
 * media type it does not list, or a JSON body its schema refuses.
 */
export async function happyPathProblems(
  app: FastifyInstance,
  doc: OpenApiDoc,
  rows: readonly HappyRow[],
  exempt: Record<string, string> = {},
): Promise<string[]> {
  const ajv = addFormats(new Ajv({ strict: false, allErrors: true }));
  const validators = new Map<string, ValidateFunction>();
  const problems: string[] = [];
  const covered = new Set(rows.map((r) => r.op));
  for (const [path, ops] of Object.entries(doc.paths))
    for (const method of Object.keys(ops)) {
      const op = `${method.toUpperCase()} ${path}`;
      if (!covered.has(op) && !(op in exempt)) problems.push(`${op}: no valid request in the table`);
    }
  const earlier: HappyAnswers = new Map();
  for (const row of rows) {
    const [method, path] = row.op.split(' ') as [string, string];
    const responses = doc.paths[path]?.[method.toLowerCase()]?.responses as
      | Record<string, Response>
      | undefined;
    if (!responses) {
      problems.push(`${row.op}: not in the document`);
      continue;
    }
    const options = typeof row.request === 'function' ? await row.request(earlier) : row.request;
    const res = await app.inject(options);
    // An event stream never ends: its status and media type are checked, then it is closed.
    if (options.payloadAsStream) res.stream().destroy();
    else earlier.set(row.op, res);
    const documented = responses[String(res.statusCode)];
    if (res.statusCode >= 400 || !documented) {
      problems.push(`${row.op}: answered ${res.statusCode} (${(res.body ?? '').slice(0, 200)})`);
      continue;
    }
    const type = mediaType(res.headers['content-type']);
    if (options.payloadAsStream) {
      if (!documented.content?.[type]) problems.push(`${row.op}: ${type} is not a documented media type`);
      continue;
    }
    if (!documented.content) {
      if (res.body.length) problems.push(`${row.op} ${res.statusCode}: a body where none is documented`);
      continue;
    }
    const entry = documented.content[type];
    if (!entry) {
      problems.push(`${row.op} ${res.statusCode}: ${type} is not a documented media type`);
      continue;
    }
    if (type !== 'application/json' || !entry.schema) continue;
    const key = `${row.op} ${res.statusCode}`;
    let validate = validators.get(key);
    if (!validate) {
      validate = ajv.compile(closed(entry.schema) as Json);
      validators.set(key, validate);
    }
    if (!validate(res.json()))
      problems.push(
        `${key}: body does not match the documented schema: ${ajv.errorsText(validate.errors, { separator: '; ' })}`,
      );
  }
  return problems;
}

/**
 * A profile's post-call analysis schema must be one OpenAI's strict structured outputs accept
 * (`response_format: {type: 'json_schema', strict: true}`), or every analysis of its calls would fail
 * at the API. The rules are those of OpenAI's Structured Outputs guide, "Supported schemas": the root
 * is an object (not `anyOf`); every object sets `additionalProperties: false` and lists every property
 * in `required`; composition other than `anyOf` is refused; at most 5,000 object properties and 10
 * levels of nesting; at most 1,000 enum values; `$ref` only inside the schema.
 */
import { createHash } from 'node:crypto';

const TYPES = new Set(['object', 'array', 'string', 'number', 'integer', 'boolean', 'null']);
const REFUSED = [
  'allOf',
  'oneOf',
  'not',
  'if',
  'then',
  'else',
  'dependentRequired',
  'dependentSchemas',
  'patternProperties',
];
const MAX_PROPERTIES = 5000;
const MAX_DEPTH = 10;
const MAX_ENUM = 1000;

type Node = Record<string, unknown>;
const isNode = (v: unknown): v is Node => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Why strict mode would refuse `schema`, naming the place (`at` is the field's path), or undefined. */
export function strictSchemaProblem(schema: unknown, at = 'body.analysisSchema'): string | undefined {
  if (!isNode(schema) || schema.type !== 'object' || 'anyOf' in schema)
    return `${at} must be a JSON Schema with type "object" at its root`;
  const count = { properties: 0 };
  return walk(schema, at, 1, count);
}

function walk(node: Node, at: string, depth: number, count: { properties: number }): string | undefined {
  if (depth > MAX_DEPTH) return `${at} nests deeper than ${MAX_DEPTH} levels`;
  for (const k of REFUSED) if (k in node) return `${at}.${k} is not supported in strict mode`;
  if ('$ref' in node) {
    const ref = node.$ref;
    if (
      typeof ref !== 'string' ||
      !(ref === '#' || ref.startsWith('#/$defs/') || ref.startsWith('#/definitions/'))
    )
      return `${at}.$ref must point inside the schema (#/$defs/…)`;
    return undefined;
  }
  if (!('type' in node) && !('anyOf' in node) && !('enum' in node) && !('const' in node))
    return `${at} needs a type`;
  const types = Array.isArray(node.type) ? node.type : 'type' in node ? [node.type] : [];
  const unknown = types.find((t) => typeof t !== 'string' || !TYPES.has(t));
  if (unknown !== undefined) return `${at}.type ${JSON.stringify(unknown)} is not a JSON Schema type`;
  if ('enum' in node) {
    if (!Array.isArray(node.enum) || node.enum.length === 0) return `${at}.enum must be a non-empty array`;
    if (node.enum.length > MAX_ENUM) return `${at}.enum has more than ${MAX_ENUM} values`;
  }
  if (types.includes('object')) {
    if (node.additionalProperties !== false) return `${at}.additionalProperties must be false`;
    const props = node.properties === undefined ? {} : node.properties;
    if (!isNode(props)) return `${at}.properties must be an object`;
    const keys = Object.keys(props);
    count.properties += keys.length;
    if (count.properties > MAX_PROPERTIES)
      return `${at} has more than ${MAX_PROPERTIES} object properties in all`;
    const required = node.required ?? [];
    if (!Array.isArray(required)) return `${at}.required must be an array`;
    const missing = keys.find((k) => !required.includes(k));
    if (missing !== undefined)
      return `${at}.required must list every property (missing ${JSON.stringify(missing)})`;
    const extra = required.find((k) => typeof k !== 'string' || !keys.includes(k));
    if (extra !== undefined) return `${at}.required names ${JSON.stringify(extra)}, which is not a property`;
    for (const k of keys) {
      const child = props[k];
      if (!isNode(child)) return `${at}.properties.${k} must be a schema object`;
      const p = walk(child, `${at}.properties.${k}`, depth + 1, count);
      if (p) return p;
    }
  }
  if ('items' in node) {
    if (!isNode(node.items)) return `${at}.items must be a schema object`;
    const p = walk(node.items, `${at}.items`, depth + 1, count);
    if (p) return p;
  }
  if ('anyOf' in node) {
    if (!Array.isArray(node.anyOf) || node.anyOf.length === 0) return `${at}.anyOf must be a non-empty array`;
    for (const [i, branch] of node.anyOf.entries()) {
      if (!isNode(branch)) return `${at}.anyOf.${i} must be a schema object`;
      const p = walk(branch, `${at}.anyOf.${i}`, depth + 1, count);
      if (p) return p;
    }
  }
  for (const defsKey of ['$defs', 'definitions'] as const) {
    if (!(defsKey in node)) continue;
    const defs = node[defsKey];
    if (!isNode(defs)) return `${at}.${defsKey} must be an object`;
    for (const [name, def] of Object.entries(defs)) {
      if (!isNode(def)) return `${at}.${defsKey}.${name} must be a schema object`;
      const p = walk(def, `${at}.${defsKey}.${name}`, depth + 1, count);
      if (p) return p;
    }
  }
  return undefined;
}

/** A stored analysis schema as the call path hands it out: a name OpenAI accepts and a content version. */
export function analysisSchemaOf(
  profileKey: string,
  stored: unknown,
): { name: string; version: string; schema: Record<string, unknown> } | null {
  if (!isNode(stored)) return null;
  return {
    name: `${profileKey}_analysis`.slice(0, 64),
    version: createHash('sha256').update(JSON.stringify(stored)).digest('hex').slice(0, 12),
    schema: stored,
  };
}

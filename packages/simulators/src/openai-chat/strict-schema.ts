/**
 * The subset of JSON Schema OpenAI's strict structured outputs accept, checked the way the API checks
 * it before generating anything. Rules and wording from OpenAI's Structured Outputs guide ("Supported
 * schemas": root must be an object, every object needs `additionalProperties: false` and every
 * property in `required`, composition other than `anyOf` is refused) and from the errors the API
 * returns for them (quoted in vercel/ai#6484, bingoYB/ham_home#16, dottxt-ai/outlines#844).
 */

/** Keywords strict mode refuses wherever they appear. */
const NOT_PERMITTED = [
  'allOf',
  'not',
  'if',
  'then',
  'else',
  'dependentRequired',
  'dependentSchemas',
  'patternProperties',
];
/** Most object properties in one schema, and deepest nesting (the guide's limits). */
export const MAX_PROPERTIES = 5000;
export const MAX_DEPTH = 10;

type Path = readonly string[];

/** Python's repr of the context tuple, as the API prints it: `()`, `('properties', 'a')`. */
function context(path: Path): string {
  if (!path.length) return '()';
  const parts = path.map((p) => `'${p}'`);
  return `(${parts.join(', ')}${parts.length === 1 ? ',' : ''})`;
}

/** Why strict mode refuses this schema (the text after "Invalid schema for response_format 'name': "), or null. */
export function strictSchemaProblem(schema: unknown): string | null {
  if (!isObject(schema)) return 'schema must be a JSON Schema of \'type: "object"\', got \'type: "None"\'.';
  if (schema.type !== 'object' || 'anyOf' in schema)
    return `schema must be a JSON Schema of 'type: "object"', got 'type: "${String(schema.anyOf ? 'anyOf' : schema.type)}"'.`;
  const count = { properties: 0 };
  return walk(schema, [], 1, count, schema);
}

function walk(
  node: Record<string, unknown>,
  path: Path,
  depth: number,
  count: { properties: number },
  root: Record<string, unknown>,
): string | null {
  if (depth > MAX_DEPTH)
    return `In context=${context(path)}, schema exceeds the maximum nesting depth of ${MAX_DEPTH}.`;
  for (const k of NOT_PERMITTED)
    if (k in node) return `In context=${context(path)}, '${k}' is not permitted.`;
  if ('$ref' in node) {
    const ref = node.$ref;
    if (
      typeof ref !== 'string' ||
      !(ref === '#' || ref.startsWith('#/$defs/') || ref.startsWith('#/definitions/'))
    )
      return `In context=${context(path)}, reference to component '${String(ref)}' which was not found in the schema.`;
    return null;
  }
  const types = Array.isArray(node.type) ? node.type : [node.type];
  if (types.includes('object')) {
    if (node.additionalProperties !== false)
      return `In context=${context(path)}, 'additionalProperties' is required to be supplied and to be false.`;
    const props = isObject(node.properties) ? node.properties : {};
    const keys = Object.keys(props);
    count.properties += keys.length;
    if (count.properties > MAX_PROPERTIES)
      return `In context=${context(path)}, schema has more than ${MAX_PROPERTIES} object properties.`;
    const required = Array.isArray(node.required) ? node.required : undefined;
    const missing = keys.find((k) => !required?.includes(k));
    if (missing !== undefined || (keys.length && !required))
      return `In context=${context(path)}, 'required' is required to be supplied and to be an array including every key in properties. Missing '${missing ?? keys[0]}'.`;
    const extra = required?.find((k) => typeof k !== 'string' || !keys.includes(k));
    if (extra !== undefined)
      return `In context=${context(path)}, 'required' contains '${String(extra)}', which is not in 'properties'.`;
    for (const k of keys) {
      const child = props[k];
      if (!isObject(child))
        return `In context=${context([...path, 'properties', k])}, schema must be an object.`;
      const p = walk(child, [...path, 'properties', k], depth + 1, count, root);
      if (p) return p;
    }
  }
  if (isObject(node.items)) {
    const p = walk(node.items, [...path, 'items'], depth + 1, count, root);
    if (p) return p;
  }
  if (Array.isArray(node.anyOf)) {
    for (const [i, branch] of node.anyOf.entries()) {
      if (!isObject(branch))
        return `In context=${context([...path, 'anyOf', String(i)])}, schema must be an object.`;
      const p = walk(branch, [...path, 'anyOf', String(i)], depth + 1, count, root);
      if (p) return p;
    }
  }
  for (const defsKey of ['$defs', 'definitions'] as const) {
    const defs = node[defsKey];
    if (!isObject(defs)) continue;
    for (const [name, def] of Object.entries(defs)) {
      if (!isObject(def)) continue;
      const p = walk(def, [...path, defsKey, name], depth + 1, count, root);
      if (p) return p;
    }
  }
  if (!('type' in node) && !('anyOf' in node) && !('enum' in node) && !('const' in node))
    return `In context=${context(path)}, schema must have a 'type' key.`;
  return null;
}

export function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

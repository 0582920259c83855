import { Ajv, type ValidateFunction } from 'ajv';

/** Distinct parameter schemas kept compiled; beyond it the least recently used is dropped. */
export const MAX_COMPILED_SCHEMAS = 512;

const shared = new Ajv({ allErrors: false, strict: false });
/** Keyed by the schema's JSON text, most recently used last. */
const compiled = new Map<string, { schema: object; validate: ValidateFunction }>();

/**
 * The validator of a tool's parameter schema, shared by every call of the process: a profile's tools
 * are compiled once, not once per call (an Ajv instance and its compiled code per call cost about
 * 70 kB and milliseconds of CPU at the first tool call). Throws when the schema does not compile.
 */
export function validatorFor(parameters: object): ValidateFunction {
  const key = JSON.stringify(parameters);
  const hit = compiled.get(key);
  if (hit) {
    compiled.delete(key);
    compiled.set(key, hit);
    return hit.validate;
  }
  // A private copy: Ajv caches by object, and the profile's object may be changed by its owner.
  const schema = JSON.parse(key) as object;
  let validate: ValidateFunction;
  try {
    validate = shared.compile(schema);
  } catch (err) {
    // Two brands' schemas may declare the same `$id`, which one Ajv refuses: compile it on its own.
    if (!hasId(schema)) throw err;
    validate = new Ajv({ allErrors: false, strict: false }).compile(schema);
    return validate;
  }
  compiled.set(key, { schema, validate });
  if (compiled.size > MAX_COMPILED_SCHEMAS) {
    const [oldestKey, oldest] = compiled.entries().next().value!;
    compiled.delete(oldestKey);
    shared.removeSchema(oldest.schema);
  }
  return validate;
}

/** Compiled schemas held now (tests). */
export function compiledSchemaCount(): number {
  return compiled.size;
}

function hasId(schema: object): boolean {
  return JSON.stringify(schema).includes('"$id"');
}

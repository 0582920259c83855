/**
 * Pinecone's metadata filter language, as its docs describe it ("Filter by metadata"): a field with a
 * value (implicit `$eq`) or with operators `$eq $ne $gt $gte $lt $lte $in $nin $exists`, combined with
 * `$and` / `$or`. A list-of-strings field matches `$eq`/`$in` when any element does. An unknown
 * operator or a malformed operand is refused, as the service refuses it (400 INVALID_ARGUMENT).
 */

export type MetadataValue = string | number | boolean | string[];
export type Metadata = Record<string, MetadataValue>;

/** A filter the simulator could not read: the message names the place. */
export class FilterError extends Error {}

const COMPARISONS = new Set(['$eq', '$ne', '$gt', '$gte', '$lt', '$lte', '$in', '$nin', '$exists']);

type Predicate = (m: Metadata) => boolean;

/** Compiles a filter into a predicate, or throws FilterError. */
export function compileFilter(filter: unknown): Predicate {
  if (!isPlainObject(filter)) throw new FilterError('filter must be an object');
  const parts: Predicate[] = [];
  for (const [key, value] of Object.entries(filter)) {
    if (key === '$and' || key === '$or') {
      if (!Array.isArray(value) || value.length === 0)
        throw new FilterError(`${key} must be a non-empty array of filters`);
      const subs = value.map((v) => compileFilter(v));
      parts.push(key === '$and' ? (m) => subs.every((p) => p(m)) : (m) => subs.some((p) => p(m)));
      continue;
    }
    if (key.startsWith('$')) throw new FilterError(`${key} is not a valid operator`);
    parts.push(fieldPredicate(key, value));
  }
  return (m) => parts.every((p) => p(m));
}

function fieldPredicate(field: string, spec: unknown): Predicate {
  if (!isPlainObject(spec)) return comparison(field, '$eq', spec);
  const ops = Object.entries(spec);
  if (!ops.length) throw new FilterError(`filter for ${field} has no operator`);
  const preds = ops.map(([op, operand]) => comparison(field, op, operand));
  return (m) => preds.every((p) => p(m));
}

function comparison(field: string, op: string, operand: unknown): Predicate {
  if (!COMPARISONS.has(op)) throw new FilterError(`${op} is not a valid operator`);
  switch (op) {
    case '$exists':
      if (typeof operand !== 'boolean') throw new FilterError(`$exists on ${field} takes a boolean`);
      return (m) => field in m === operand;
    case '$in':
    case '$nin': {
      if (!Array.isArray(operand) || !operand.every(isScalar))
        throw new FilterError(`${op} on ${field} takes an array of strings, numbers or booleans`);
      const inSet = (m: Metadata) => operand.some((o) => matchesEq(m[field], o));
      return op === '$in' ? inSet : (m) => !inSet(m);
    }
    case '$eq':
    case '$ne': {
      if (!isScalar(operand)) throw new FilterError(`${op} on ${field} takes a string, number or boolean`);
      return op === '$eq' ? (m) => matchesEq(m[field], operand) : (m) => !matchesEq(m[field], operand);
    }
    default: {
      if (typeof operand !== 'number' || !Number.isFinite(operand))
        throw new FilterError(`${op} on ${field} takes a number`);
      return (m) => {
        const v = m[field];
        if (typeof v !== 'number') return false;
        return op === '$gt'
          ? v > operand
          : op === '$gte'
            ? v >= operand
            : op === '$lt'
              ? v < operand
              : v <= operand;
      };
    }
  }
}

function matchesEq(value: MetadataValue | undefined, operand: unknown): boolean {
  if (Array.isArray(value)) return value.includes(operand as string);
  return value === operand;
}

const isScalar = (v: unknown) =>
  typeof v === 'string' || typeof v === 'boolean' || (typeof v === 'number' && Number.isFinite(v));

export function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Checks a record's metadata as upsert does; returns a message naming the field, or null. */
export function metadataProblem(metadata: unknown): string | null {
  if (metadata === undefined) return null;
  if (!isPlainObject(metadata)) return 'metadata must be an object';
  for (const [k, v] of Object.entries(metadata)) {
    if (v === null)
      return `Metadata value must be a string, number, boolean or list of strings, got 'null' for field '${k}'`;
    const ok = isScalar(v) || (Array.isArray(v) && v.every((x) => typeof x === 'string'));
    if (!ok) return `Metadata value must be a string, number, boolean or list of strings for field '${k}'`;
  }
  return null;
}

/**
 * Small validators for client events, shaped like the real API's errors: each throws a
 * {@link RealtimeProtocolError} naming the offending param.
 */
import { describeJsonType, RealtimeProtocolError } from './errors.ts';

/** Requires a plain object. */
export function expectObject(value: unknown, path: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new RealtimeProtocolError(
      'invalid_type',
      `Invalid type for '${path}': expected an object, but got ${describeJsonType(value)} instead.`,
      path,
    );
  }
  return value as Record<string, unknown>;
}

/** Requires an array. */
export function expectArray(value: unknown, path: string): unknown[] {
  if (!Array.isArray(value)) {
    throw new RealtimeProtocolError(
      'invalid_type',
      `Invalid type for '${path}': expected an array, but got ${describeJsonType(value)} instead.`,
      path,
    );
  }
  return value;
}

/** Requires a string. */
export function expectString(value: unknown, path: string): string {
  if (typeof value !== 'string') {
    throw new RealtimeProtocolError(
      'invalid_type',
      `Invalid type for '${path}': expected a string, but got ${describeJsonType(value)} instead.`,
      path,
    );
  }
  return value;
}

/** Requires a boolean. */
export function expectBoolean(value: unknown, path: string): boolean {
  if (typeof value !== 'boolean') {
    throw new RealtimeProtocolError(
      'invalid_type',
      `Invalid type for '${path}': expected a boolean, but got ${describeJsonType(value)} instead.`,
      path,
    );
  }
  return value;
}

/** Requires a number within bounds (and an integer when asked). */
export function expectNumber(
  value: unknown,
  path: string,
  bounds: { min?: number; max?: number; integer?: boolean } = {},
): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    const expected = bounds.integer ? 'an integer' : 'a decimal';
    throw new RealtimeProtocolError(
      'invalid_type',
      `Invalid type for '${path}': expected ${expected}, but got ${describeJsonType(value)} instead.`,
      path,
    );
  }
  if (bounds.integer && !Number.isInteger(value)) {
    throw new RealtimeProtocolError(
      'invalid_type',
      `Invalid type for '${path}': expected an integer, but got a decimal instead.`,
      path,
    );
  }
  const kind = bounds.integer ? 'integer' : 'decimal';
  if (bounds.min !== undefined && value < bounds.min) {
    throw new RealtimeProtocolError(
      bounds.integer ? 'integer_below_min_value' : 'decimal_below_min_value',
      `Invalid '${path}': ${kind} below minimum value. Expected a value >= ${bounds.min}, but got ${value} instead.`,
      path,
    );
  }
  if (bounds.max !== undefined && value > bounds.max) {
    throw new RealtimeProtocolError(
      bounds.integer ? 'integer_above_max_value' : 'decimal_above_max_value',
      `Invalid '${path}': ${kind} above maximum value. Expected a value <= ${bounds.max}, but got ${value} instead.`,
      path,
    );
  }
  return value;
}

/** Requires one of `values`. */
export function expectEnum<const T extends string | number>(
  value: unknown,
  values: readonly T[],
  path: string,
): T {
  if (!values.includes(value as T)) {
    throw new RealtimeProtocolError(
      'invalid_value',
      `Invalid value: '${String(value)}'. Supported values are: ${quotedList(values)}.`,
      path,
    );
  }
  return value as T;
}

/** `'a', 'b', and 'c'`: how the real API lists supported values in an `invalid_value` message. */
export function quotedList(values: readonly (string | number)[]): string {
  const quoted = values.map((v) => `'${v}'`);
  if (quoted.length <= 2) return quoted.join(' and ');
  return `${quoted.slice(0, -1).join(', ')}, and ${quoted.at(-1)}`;
}

/** Rejects keys outside `allowed`, naming the first unknown one. */
export function checkKeys(obj: Record<string, unknown>, allowed: readonly string[], path: string): void {
  for (const key of Object.keys(obj)) {
    if (!allowed.includes(key)) {
      throw new RealtimeProtocolError(
        'unknown_parameter',
        `Unknown parameter: '${path}.${key}'.`,
        `${path}.${key}`,
      );
    }
  }
}

/** Requires `key` to be present in `obj` (`path` is the object's own path; empty for the event itself). */
export function requireKey(obj: Record<string, unknown>, key: string, path: string): void {
  if (key in obj) return;
  const param = path ? `${path}.${key}` : key;
  throw new RealtimeProtocolError(
    'missing_required_parameter',
    `Missing required parameter: '${param}'.`,
    param,
  );
}

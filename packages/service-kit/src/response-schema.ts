/**
 * Building blocks for response schemas (declared on routes as `schema.response`, published in the
 * OpenAPI document). `obj` lists every field and requires all but the optional ones; a field the
 * schema leaves out fails the OpenAPI contract test, which reads objects as closed. Where a shape is
 * open by design (a brand's tool result, a JSON Schema it supplied), use `openObject` or `anyJson`.
 * Answers are serialized with JSON.stringify (see buildBaseApp), so a schema never trims an answer.
 */
export const str = { type: 'string' } as const;
export const int = { type: 'integer' } as const;
export const num = { type: 'number' } as const;
export const bool = { type: 'boolean' } as const;
export const dateTime = { type: 'string', format: 'date-time' } as const;
/** Any JSON value. */
export const anyJson = {} as const;
/** An object whose fields are the caller's own (free-form by design). */
export const openObject = { type: 'object', additionalProperties: true } as const;

type Schema = Record<string, unknown>;

/** `s` or null (OpenAPI 3.0 `nullable`). */
export function nullable<S extends Schema>(s: S): S & { nullable: true } {
  return { ...s, nullable: true };
}

/** An array of `items`. */
export function arr<S extends Schema>(items: S): { type: 'array'; items: S } {
  return { type: 'array', items };
}

/** One of these strings. */
export function oneOf<const V extends readonly string[]>(...values: V): { type: 'string'; enum: V } {
  return { type: 'string', enum: values };
}

/** An object with these fields, all required except `optional`. */
export function obj<P extends Record<string, Schema>>(
  properties: P,
  optional: readonly (keyof P & string)[] = [],
): { type: 'object'; required: string[]; properties: P } {
  const skip = new Set<string>(optional);
  return { type: 'object', required: Object.keys(properties).filter((k) => !skip.has(k)), properties };
}

/** A documented success answer: a description and the body's schema. */
export function answer<S extends Schema>(description: string, schema: S): S & { description: string } {
  return { description, ...schema };
}

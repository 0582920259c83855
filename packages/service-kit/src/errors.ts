/**
 * One error shape across the services: a stable `code`, an HTTP `statusCode`, and whether a retry may
 * succeed. Routes throw these; the base app's error handler turns them into JSON bodies.
 */
export class ServiceError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly statusCode = 500,
    readonly retryable = false,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = 'ServiceError';
  }
}

/** Defines a reusable error kind: `const NotFound = defineError('NOT_FOUND', 404)`, then `throw NotFound('no such profile')`. */
export function defineError(code: string, statusCode: number, retryable = false) {
  const make = (message: string, details?: unknown) =>
    new ServiceError(code, message, statusCode, retryable, details);
  make.code = code;
  return make;
}

export const Errors = {
  badRequest: defineError('BAD_REQUEST', 400),
  unauthorized: defineError('UNAUTHORIZED', 401),
  forbidden: defineError('FORBIDDEN', 403),
  notFound: defineError('NOT_FOUND', 404),
  conflict: defineError('CONFLICT', 409),
  payloadTooLarge: defineError('PAYLOAD_TOO_LARGE', 413),
  unavailable: defineError('UNAVAILABLE', 503, true),
  upstream: defineError('UPSTREAM_FAILED', 502, true),
  timeout: defineError('UPSTREAM_TIMEOUT', 504, true),
};

/** The JSON body every error response carries. */
export interface ErrorBody {
  error: { code: string; message: string; details?: unknown };
}

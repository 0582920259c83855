import Fastify, {
  type FastifyBaseLogger,
  type FastifyError,
  type FastifyInstance,
  type FastifyServerOptions,
} from 'fastify';
import type { Logger } from 'pino';
import { type ErrorBody, ServiceError } from './errors.ts';
import { clientErrorAnswer, frameworkErrorAnswer } from './framework-errors.ts';
import { installInputGuards } from './json-body.ts';
import { type OpenApiInfo, registerOpenApi } from './openapi.ts';
import { securityHeaders } from './security-headers.ts';
import { installHttpTracing } from './tracing.ts';

export interface BaseAppOptions {
  logger: Logger;
  /** Readiness check; false answers 503. Liveness is always 200 while the process serves. */
  ready?: () => boolean | Promise<boolean>;
  bodyLimit?: number;
  /** Nesting limit of JSON bodies (routes may set their own `config.jsonMaxDepth`); default 64. */
  jsonMaxDepth?: number;
  /** Publish an OpenAPI 3 document of every route at `GET /openapi.json`. */
  openapi?: OpenApiInfo;
  fastify?: Omit<FastifyServerOptions, 'loggerInstance' | 'logger'>;
  /** Names this service's spans (OpenTelemetry); default `switchboard`. */
  serviceName?: string;
}

/**
 * The Fastify base every service builds on: the service's logger, one error format, validation errors
 * that name the field, JSON bodies with a nesting limit, text checked for what Postgres can store,
 * `no-store` + `nosniff` on JSON answers, and `/health-check/live` + `/health-check/ready`.
 * Error answers never repeat the request's input (path, values, content type).
 */
export function buildBaseApp(opts: BaseAppOptions): FastifyInstance {
  const app = Fastify({
    loggerInstance: opts.logger as FastifyBaseLogger,
    bodyLimit: opts.bodyLimit ?? 1024 * 1024,
    ajv: { customOptions: { removeAdditional: false, coerceTypes: 'array', allErrors: false } },
    // Refusals before any route or hook runs: catalog bodies with the security headers.
    frameworkErrors: frameworkErrorAnswer,
    clientErrorHandler: clientErrorAnswer,
    ...(opts.fastify as FastifyServerOptions),
  }) as unknown as FastifyInstance;

  // Response schemas document the API (OpenAPI); answers are serialized as they are, never trimmed
  // (fast-json-stringify would drop a field a schema forgets). The OpenAPI contract test checks the
  // schemas against real answers instead.
  app.setSerializerCompiler(() => (data) => JSON.stringify(data));
  installHttpTracing(app, opts.serviceName ?? 'switchboard');
  installInputGuards(app, opts.jsonMaxDepth);
  securityHeaders(app);

  app.setErrorHandler((err: FastifyError | ServiceError, req, reply) => {
    const { status, body } = errorAnswer(err, req.routeOptions.bodyLimit);
    if (status >= 500) req.log.error({ err }, 'request failed');
    else req.log.info({ code: body.error.code, status, reason: body.error.message }, 'request refused');
    void reply.status(status).send(body);
  });

  app.setNotFoundHandler((_req, reply) => {
    void reply.status(404).send({ error: { code: 'NOT_FOUND', message: 'no such route' } });
  });

  if (opts.openapi) registerOpenApi(app, opts.openapi);
  // A plugin, so it loads after the OpenAPI plugin and its routes are in the document.
  void app.register(async (health) => {
    const status = { type: 'object', required: ['status'], properties: { status: { type: 'string' } } };
    health.get(
      '/health-check/live',
      {
        schema: {
          tags: ['health'],
          summary: 'Liveness',
          response: { 200: { description: 'Serving', ...status } },
        },
      },
      async () => ({ status: 'ok' }),
    );
    const readyDoc = {
      tags: ['health'],
      summary: 'Readiness (503 while starting or draining)',
      response: {
        200: { description: 'Ready', ...status },
        503: { description: 'Not ready', ...status },
      },
    };
    health.get('/health-check/ready', { schema: readyDoc }, async (_req, reply) => {
      const ok = opts.ready ? await opts.ready() : true;
      return reply.status(ok ? 200 : 503).send({ status: ok ? 'ready' : 'not-ready' });
    });
  });
  return app;
}

/** Framework refusals by status: a catalog code and a fixed message (theirs may quote the input). */
const FRAMEWORK_REFUSALS: Record<number, { code: string; message: string }> = {
  400: { code: 'BAD_REQUEST', message: 'the request could not be read' },
  404: { code: 'NOT_FOUND', message: 'no such route' },
  405: { code: 'METHOD_NOT_ALLOWED', message: 'method not allowed here' },
  406: { code: 'NOT_ACCEPTABLE', message: 'no acceptable representation' },
  408: { code: 'REQUEST_TIMEOUT', message: 'the request took too long to arrive' },
  411: { code: 'LENGTH_REQUIRED', message: 'content-length is required' },
  413: { code: 'PAYLOAD_TOO_LARGE', message: 'body is too large' },
  414: { code: 'URI_TOO_LONG', message: 'the URL is too long' },
  415: { code: 'UNSUPPORTED_MEDIA_TYPE', message: 'content-type is not supported; send application/json' },
  431: { code: 'HEADERS_TOO_LARGE', message: 'request headers are too large' },
};

/** The status and body an error becomes; nothing of the request's input is repeated. */
export function errorAnswer(
  err: FastifyError | ServiceError,
  bodyLimit?: number,
): { status: number; body: ErrorBody } {
  if (err instanceof ServiceError)
    return {
      status: err.statusCode,
      body: { error: { code: err.code, message: err.message, details: err.details } },
    };
  if ((err as FastifyError).validation)
    return {
      status: 400,
      body: { error: { code: 'BAD_REQUEST', message: validationMessage(err as FastifyError) } },
    };
  const status = (err as FastifyError).statusCode;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    const known = FRAMEWORK_REFUSALS[status] ?? { code: 'BAD_REQUEST', message: 'the request was refused' };
    const message =
      status === 413 && bodyLimit ? `body is larger than the ${bodyLimit} bytes allowed` : known.message;
    return { status, body: { error: { code: known.code, message } } };
  }
  return { status: 500, body: { error: { code: 'INTERNAL', message: 'internal error' } } };
}

/** "body.phone must match format ..." style message naming the offending field. */
export function validationMessage(err: FastifyError): string {
  const first = err.validation?.[0];
  if (!first) return err.message;
  const where = err.validationContext ?? 'body';
  const missing = (first.params as { missingProperty?: string } | undefined)?.missingProperty;
  const extra = (first.params as { additionalProperty?: string } | undefined)?.additionalProperty;
  const path = first.instancePath.replace(/^\//, '').replace(/\//g, '.');
  if (missing) return `${where}${path ? `.${path}` : ''}.${missing} is required`;
  if (extra) return `${where}${path ? `.${path}` : ''}.${extra} is not allowed`;
  return `${where}${path ? `.${path}` : ''} ${first.message ?? 'is invalid'}`;
}

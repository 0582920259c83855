import Fastify, {
  type FastifyBaseLogger,
  type FastifyError,
  type FastifyInstance,
  type FastifyServerOptions,
} from 'fastify';
import type { Logger } from 'pino';
import { type ErrorBody, ServiceError } from './errors.ts';

export interface BaseAppOptions {
  logger: Logger;
  /** Readiness check; false answers 503. Liveness is always 200 while the process serves. */
  ready?: () => boolean | Promise<boolean>;
  bodyLimit?: number;
  fastify?: Omit<FastifyServerOptions, 'loggerInstance' | 'logger'>;
}

/**
 * The Fastify base every service builds on: the service's logger, one error format, validation errors
 * that name the field, and `/health-check/live` + `/health-check/ready`.
 */
export function buildBaseApp(opts: BaseAppOptions): FastifyInstance {
  const app = Fastify({
    loggerInstance: opts.logger as FastifyBaseLogger,
    bodyLimit: opts.bodyLimit ?? 1024 * 1024,
    ajv: { customOptions: { removeAdditional: false, coerceTypes: 'array', allErrors: false } },
    ...(opts.fastify as FastifyServerOptions),
  }) as unknown as FastifyInstance;

  app.setErrorHandler((err: FastifyError | ServiceError, req, reply) => {
    let status = 500;
    let body: ErrorBody;
    if (err instanceof ServiceError) {
      status = err.statusCode;
      body = { error: { code: err.code, message: err.message, details: err.details } };
    } else if ((err as FastifyError).validation) {
      status = 400;
      body = { error: { code: 'BAD_REQUEST', message: validationMessage(err as FastifyError) } };
    } else if (
      typeof (err as FastifyError).statusCode === 'number' &&
      (err as FastifyError).statusCode! < 500
    ) {
      status = (err as FastifyError).statusCode!;
      body = { error: { code: (err as FastifyError).code ?? 'BAD_REQUEST', message: err.message } };
    } else {
      body = { error: { code: 'INTERNAL', message: 'internal error' } };
    }
    if (status >= 500) req.log.error({ err }, 'request failed');
    else req.log.info({ code: body.error.code, status, reason: body.error.message }, 'request refused');
    void reply.status(status).send(body);
  });

  app.setNotFoundHandler((req, reply) => {
    void reply
      .status(404)
      .send({ error: { code: 'NOT_FOUND', message: `no route ${req.method} ${req.url}` } });
  });

  app.get('/health-check/live', async () => ({ status: 'ok' }));
  app.get('/health-check/ready', async (_req, reply) => {
    const ok = opts.ready ? await opts.ready() : true;
    return reply.status(ok ? 200 : 503).send({ status: ok ? 'ready' : 'not-ready' });
  });
  return app;
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

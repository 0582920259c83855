import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ErrorBody } from './errors.ts';
import { applySecurityHeaders, writeRawRefusal } from './security-headers.ts';

/**
 * Answers for requests Fastify refuses before any route (and so before any hook) runs. Each carries a
 * catalog code, a fixed message that never repeats the input, and the security headers.
 */
const ROUTER_REFUSALS: Record<string, { status: number; body: ErrorBody }> = {
  FST_ERR_BAD_URL: {
    status: 400,
    body: {
      error: { code: 'BAD_REQUEST', message: 'params: the URL path is not valid percent-encoded UTF-8' },
    },
  },
  FST_ERR_MAX_PARAM_LENGTH: {
    status: 414,
    body: { error: { code: 'URI_TOO_LONG', message: 'params: a path parameter is longer than allowed' } },
  },
};
const INTERNAL = { status: 500, body: { error: { code: 'INTERNAL', message: 'internal error' } } };

/** Fastify's `frameworkErrors` option: the router could not decode or accept the URL. */
export function frameworkErrorAnswer(err: Error, _req: FastifyRequest, reply: FastifyReply): void {
  const { status, body } = ROUTER_REFUSALS[(err as { code?: string }).code ?? ''] ?? INTERNAL;
  applySecurityHeaders(reply, 'application/json');
  void reply.status(status).type('application/json; charset=utf-8').send(body);
}

/** Node's `clientError`: a request too malformed to parse (bad framing, headers too large, too slow). */
export function clientErrorAnswer(err: NodeJS.ErrnoException, socket: Socket): void {
  if (err.code === 'ECONNRESET' || socket.destroyed) return;
  const [status, code, message] =
    err.code === 'HPE_HEADER_OVERFLOW'
      ? [431, 'HEADERS_TOO_LARGE', 'request headers are too large']
      : err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? [408, 'REQUEST_TIMEOUT', 'the request took too long to arrive']
        : [400, 'BAD_REQUEST', 'the request could not be read'];
  writeRawRefusal(socket, status, STATUS_CODES[status] ?? 'Error', { error: { code, message } });
}

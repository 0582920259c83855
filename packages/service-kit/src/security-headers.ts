import type { Socket } from 'node:net';
import type { FastifyInstance, FastifyReply } from 'fastify';

/** The headers every answer carries: no content sniffing. */
export const ALWAYS_HEADERS = { 'x-content-type-options': 'nosniff' } as const;
/** Added to JSON answers (which may carry a brand's data) unless the route chose its own caching. */
export const JSON_HEADERS = { 'cache-control': 'no-store' } as const;

const JSON_TYPE = /^application\/(?:[\w.+-]+\+)?json\b/i;

/** Sets the security headers on a reply about to be sent as `contentType`. */
export function applySecurityHeaders(reply: FastifyReply, contentType: string): void {
  reply.headers(ALWAYS_HEADERS);
  if (JSON_TYPE.test(contentType) && !reply.hasHeader('cache-control')) reply.headers(JSON_HEADERS);
}

/**
 * Every answer is `nosniff`; JSON answers (which may carry a brand's data) are `no-store` unless the
 * route chose its own caching. Answers that bypass the hooks (framework errors, refused connections)
 * set the same headers themselves: see `frameworkErrorAnswer` and `clientErrorAnswer`.
 */
export function securityHeaders(app: FastifyInstance): void {
  app.addHook('onSend', async (_req, reply, payload) => {
    applySecurityHeaders(reply, String(reply.getHeader('content-type') ?? ''));
    return payload;
  });
}

/**
 * A refusal written straight to the socket (Node could not parse the request, so no reply exists):
 * the catalog body and the security headers, then the connection is closed.
 */
export function writeRawRefusal(
  socket: Socket,
  status: number,
  reason: string,
  body: { error: { code: string; message: string } },
): void {
  if (!socket.writable) return;
  const text = JSON.stringify(body);
  const headers = {
    'content-type': 'application/json; charset=utf-8',
    'content-length': String(Buffer.byteLength(text)),
    ...ALWAYS_HEADERS,
    ...JSON_HEADERS,
    connection: 'close',
  };
  const lines = Object.entries(headers).map(([k, v]) => `${k}: ${v}`);
  socket.end(`HTTP/1.1 ${status} ${reason}\r\n${lines.join('\r\n')}\r\n\r\n${text}`);
}

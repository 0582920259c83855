/**
 * ElevenLabs' REST error bodies, as its API answers them (`{"detail": {"status", "message"}}` for
 * refusals such as `invalid_api_key` and `voice_not_found`; a 422 with a `detail` list for request
 * validation, which the SDK raises as `UnprocessableEntityError`). The WebSocket handshake refuses
 * with the same bodies.
 */
import type { ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';

/** An error answer: HTTP status and JSON body. */
export interface ApiError {
  status: number;
  body: Record<string, unknown>;
}

/** `{"detail": {"status": ..., "message": ...}}`. */
export function detailError(status: number, code: string, message: string): ApiError {
  return { status, body: { detail: { status: code, message } } };
}

/** A 422 naming the field, in the validation-error shape. */
export function validationError(location: 'query' | 'body', field: string, message: string): ApiError {
  return { status: 422, body: { detail: [{ loc: [location, field], msg: message, type: 'value_error' }] } };
}

/** The missing or wrong `xi-api-key`. */
export const INVALID_API_KEY = detailError(401, 'invalid_api_key', 'Invalid API key');

/** Writes an error answer. */
export function sendError(res: ServerResponse, error: ApiError): void {
  res.writeHead(error.status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(error.body));
}

const STATUS_TEXT: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  404: 'Not Found',
  422: 'Unprocessable Entity',
};

/** Refuses a WebSocket upgrade with an error answer. */
export function refuseUpgrade(socket: Duplex, error: ApiError): void {
  const text = JSON.stringify(error.body);
  socket.end(
    `HTTP/1.1 ${error.status} ${STATUS_TEXT[error.status] ?? 'Error'}\r\n` +
      'Content-Type: application/json\r\n' +
      `Content-Length: ${Buffer.byteLength(text)}\r\n` +
      'Connection: close\r\n\r\n' +
      text,
  );
}

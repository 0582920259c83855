/** The HTTP side of `POST /v1/realtime/client_secrets`: bearer key, JSON body, the real error shapes. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { CLIENT_SECRETS_PATH, type ClientSecretStore, clientSecretError } from './client-secrets.ts';
import { apiError, bearerKey } from './http-auth.ts';
import type { SimClock } from './pacing.ts';

/** Largest request body read (a session with many tools stays far below it). */
const MAX_BODY_BYTES = 1024 * 1024;

export interface ClientSecretsHttp {
  secrets: ClientSecretStore;
  clock: SimClock;
  /** When set, only this key may mint; an ephemeral key never may. */
  apiKey: string | undefined;
}

/** Answers the request when it is for the client-secrets path; false leaves it to the caller. */
export function handleClientSecrets(
  req: IncomingMessage,
  res: ServerResponse,
  o: ClientSecretsHttp,
): boolean {
  const path = new URL(req.url ?? '/', 'http://localhost').pathname;
  if (path !== CLIENT_SECRETS_PATH) return false;
  const send = (status: number, body: Record<string, unknown>) => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  };
  if (req.method !== 'POST') {
    send(404, apiError('invalid_request_error', `Invalid URL (${req.method} ${path})`));
    req.resume();
    return true;
  }
  const key = bearerKey(req);
  if (!key || key.startsWith('ek_') || (o.apiKey !== undefined && key !== o.apiKey)) {
    req.resume();
    send(
      401,
      apiError(
        'invalid_request_error',
        key
          ? 'Incorrect API key provided.'
          : "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY).",
        key ? 'invalid_api_key' : null,
      ),
    );
    return true;
  }
  const chunks: Buffer[] = [];
  let size = 0;
  req.on('data', (chunk: Buffer) => {
    size += chunk.length;
    if (size <= MAX_BODY_BYTES) chunks.push(chunk);
  });
  req.on('end', () => {
    if (size > MAX_BODY_BYTES) return send(413, apiError('invalid_request_error', 'Request body too large.'));
    const text = Buffer.concat(chunks).toString('utf8');
    let body: unknown;
    try {
      body = text.trim() ? JSON.parse(text) : undefined;
    } catch {
      return send(
        400,
        apiError(
          'invalid_request_error',
          "We could not parse the JSON body of your request. (HINT: This likely means you aren't using your HTTP library correctly. The OpenAI API expects a JSON payload, but what was sent was not valid JSON.)",
        ),
      );
    }
    try {
      send(200, o.secrets.create(body, o.clock.now()));
    } catch (err) {
      const rejected = clientSecretError(err);
      send(rejected.status, rejected.body);
    }
  });
  return true;
}

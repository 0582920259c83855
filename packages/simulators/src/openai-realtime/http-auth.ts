/** The bearer key of a request and the error body shape of the real API's HTTP answers. */
import type { IncomingMessage } from 'node:http';

export function bearerKey(req: IncomingMessage): string | null {
  const header = req.headers.authorization;
  if (header) {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    return match ? match[1]! : null;
  }
  // browsers cannot set headers, so the real API also takes the key as a subprotocol
  const protocols = String(req.headers['sec-websocket-protocol'] ?? '').split(',');
  for (const p of protocols) {
    const trimmed = p.trim();
    if (trimmed.startsWith('openai-insecure-api-key.'))
      return trimmed.slice('openai-insecure-api-key.'.length) || null;
  }
  return null;
}

export function apiError(type: string, message: string, code: string | null = null): Record<string, unknown> {
  return { error: { message, type, param: null, code } };
}

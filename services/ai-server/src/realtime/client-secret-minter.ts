/**
 * Minting a Realtime client secret through OpenAI's client-secrets API
 * (`client.realtime.clientSecrets.create`, `POST /v1/realtime/client_secrets`): the session the app's
 * WebRTC or WebSocket connection will get, and how long the secret may open sessions
 * (`expires_after.seconds`, 10–7200). The secret goes back to the caller only: never logged, never stored.
 */
import OpenAI from 'openai';
import type { RealtimeSessionCreateRequest } from 'openai/resources/realtime/realtime';

/** `expires_after.seconds` as the API accepts it (the SDK documents 10–7200). */
export const CLIENT_SECRET_TTL_BOUNDS = { min: 10, max: 7200 } as const;

export interface MintRequest {
  ttlSec: number;
  session: RealtimeSessionCreateRequest;
}

export interface MintedSecret {
  value: string;
  /** Unix seconds. */
  expiresAt: number;
}

/** Mints client secrets; tests inject their own. */
export interface ClientSecretMinter {
  mint(request: MintRequest): Promise<MintedSecret>;
}

/** The provider refused or failed: the route answers 502 without the provider's text. */
export class MintFailed extends Error {
  constructor(readonly status: number | undefined) {
    super(`client secret request failed${status ? ` (HTTP ${status})` : ''}`);
    this.name = 'MintFailed';
  }
}

export function openAiClientSecretMinter(o: {
  apiKey: string;
  baseURL: string;
  timeoutMs?: number;
}): ClientSecretMinter {
  const client = new OpenAI({
    apiKey: o.apiKey,
    baseURL: o.baseURL,
    timeout: o.timeoutMs ?? 10_000,
    maxRetries: 1,
  });
  return {
    async mint({ ttlSec, session }) {
      try {
        const created = await client.realtime.clientSecrets.create({
          expires_after: { anchor: 'created_at', seconds: ttlSec },
          session,
        });
        return { value: created.value, expiresAt: created.expires_at };
      } catch (err) {
        throw new MintFailed(err instanceof OpenAI.APIError ? err.status : undefined);
      }
    },
  };
}

/**
 * `POST /v1/realtime/client_secrets`: ephemeral keys (`ek_…`) bound to a session configuration, as the
 * real API mints them for browsers and apps (the `openai` SDK's `client.realtime.clientSecrets.create`;
 * request and response types in `openai/resources/realtime/client-secrets`). `expires_after.seconds`
 * is 10–7200, default 600, anchored at `created_at`; a secret opens any number of sessions until it
 * expires, each starting with the bound configuration. Only a real API key may mint one.
 */
import { randomBytes } from 'node:crypto';
import { RealtimeProtocolError } from './errors.ts';
import { newId } from './ids.ts';
import { applySessionUpdate, defaultSessionConfig, type SimSessionConfig } from './session-config.ts';
import { checkKeys, expectEnum, expectNumber, expectObject, expectString } from './validate.ts';

/** The client-secrets path of the real API. */
export const CLIENT_SECRETS_PATH = '/v1/realtime/client_secrets';
/** Bounds and default of `expires_after.seconds` (the SDK's documentation of the field). */
export const CLIENT_SECRET_TTL = { min: 10, max: 7200, default: 600 } as const;
/** The model a secret's session uses when the request names none. */
export const DEFAULT_SECRET_MODEL = 'gpt-realtime';

interface Minted {
  expiresAtMs: number;
  session: SimSessionConfig;
}

/** What a presented ephemeral key resolves to. */
export type SecretLookup = { session: SimSessionConfig } | { expired: true } | undefined;

/** The simulator's minted secrets; a secret is only ever held here, in memory. */
export class ClientSecretStore {
  private readonly secrets = new Map<string, Minted>();

  /**
   * Validates a create request and mints a secret; throws a RealtimeProtocolError naming the param
   * the way the real API's 400 does.
   */
  create(body: unknown, nowMs: number): Record<string, unknown> {
    const request = body === undefined || body === null ? {} : expectObject(body, '');
    for (const key of Object.keys(request))
      if (key !== 'expires_after' && key !== 'session')
        throw new RealtimeProtocolError('unknown_parameter', `Unknown parameter: '${key}'.`, key);
    let seconds: number = CLIENT_SECRET_TTL.default;
    if (request.expires_after !== undefined) {
      const after = expectObject(request.expires_after, 'expires_after');
      checkKeys(after, ['anchor', 'seconds'], 'expires_after');
      if (after.anchor !== undefined) expectEnum(after.anchor, ['created_at'], 'expires_after.anchor');
      if (after.seconds !== undefined)
        seconds = expectNumber(after.seconds, 'expires_after.seconds', {
          integer: true,
          min: CLIENT_SECRET_TTL.min,
          max: CLIENT_SECRET_TTL.max,
        });
    }
    const requested = request.session === undefined ? { type: 'realtime' } : request.session;
    const asked = expectObject(requested, 'session');
    const model =
      asked.model === undefined ? DEFAULT_SECRET_MODEL : expectString(asked.model, 'session.model');
    const session = applySessionUpdate(defaultSessionConfig(newId('sess'), model, nowMs), asked, {
      audioProduced: false,
    });
    const value = `ek_${randomBytes(16).toString('hex')}`;
    const expiresAtMs = nowMs + seconds * 1000;
    this.secrets.set(value, { expiresAtMs, session });
    const expiresAt = Math.floor(expiresAtMs / 1000);
    return {
      value,
      expires_at: expiresAt,
      session: { ...session, client_secret: { value, expires_at: expiresAt } },
    };
  }

  /** The session a key opens, `{expired}` once past its expiry, undefined when never minted here. */
  lookup(value: string, nowMs: number): SecretLookup {
    const found = this.secrets.get(value);
    if (!found) return undefined;
    if (nowMs >= found.expiresAtMs) return { expired: true };
    return { session: structuredClone(found.session) };
  }
}

/** The error body of a rejected create request. */
export function clientSecretError(err: unknown): { status: number; body: Record<string, unknown> } {
  if (err instanceof RealtimeProtocolError)
    return {
      status: 400,
      body: { error: { message: err.message, type: err.errorType, param: err.param, code: err.code } },
    };
  throw err;
}

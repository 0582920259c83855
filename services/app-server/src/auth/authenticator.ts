import { bearerToken, defineError, Errors, safeEqual } from '@switchboard/service-kit';
import type { FastifyRequest } from 'fastify';
import type { StaffAccount } from '../domain/types.ts';
import type { AppStore } from '../store/store.ts';
import { API_KEY_PREFIX, apiSecretMatches, parseApiKey } from './api-keys.ts';
import { dummyPasswordHash, verifyPassword } from './passwords.ts';
import {
  decodeSession,
  encodeSession,
  readCookie,
  SESSION_COOKIE,
  sessionSetCookie,
} from './session-cookie.ts';

/** Who is asking, and for which brand. Every staff-facing read and write is scoped to `brandId`. */
export interface Principal {
  kind: 'staff' | 'apiKey';
  brandId: string;
  /** Staff account id or API key id. */
  id: string;
  /** Staff email, or the key's label. */
  name: string;
  displayName: string;
}

export interface AuthenticatorOptions {
  store: AppStore;
  serviceToken: string;
  sessionSecret: string;
  sessionTtlMs: number;
  cookieSecure: boolean;
  now?: () => number;
}

const TooManyAttempts = defineError('TOO_MANY_ATTEMPTS', 429, true);

/** Failed sign-ins per account before it is refused for the rest of the window. */
const MAX_FAILURES = 5;
const FAILURE_WINDOW_MS = 15 * 60_000;

/** Staff sessions (signed cookie), brand API keys, and the service token. */
export class Authenticator {
  private readonly failures = new Map<string, { count: number; firstAtMs: number }>();
  private readonly now: () => number;

  constructor(private readonly opts: AuthenticatorOptions) {
    this.now = opts.now ?? Date.now;
  }

  /** The principal behind a request's API key or session cookie; undefined when neither is valid. */
  async identify(req: FastifyRequest): Promise<Principal | undefined> {
    const token = bearerToken(req);
    if (token?.startsWith(API_KEY_PREFIX)) return this.fromApiKey(token);
    const cookie = readCookie(req.headers.cookie, SESSION_COOKIE);
    if (!cookie) return undefined;
    const claims = decodeSession(cookie, this.opts.sessionSecret, this.now());
    if (!claims) return undefined;
    const staff = await this.opts.store.getStaff(claims.staffId);
    if (!staff || staff.disabled || staff.sessionVersion !== claims.version) return undefined;
    return staffPrincipal(staff);
  }

  /** A preHandler for the JSON API: 401 without a valid key or session. */
  readonly requirePrincipal = async (req: FastifyRequest): Promise<void> => {
    const principal = await this.identify(req);
    if (!principal) throw Errors.unauthorized('sign in, or send a brand API key as a Bearer token');
    req.principal = principal;
  };

  /**
   * A preHandler for internal and admin routes: the service token only. Brand credentials are refused
   * with 403 (they are valid, just not for this), anything else with 401.
   */
  readonly requireServiceToken = async (req: FastifyRequest): Promise<void> => {
    const token = bearerToken(req);
    if (token && safeEqual(token, this.opts.serviceToken)) return;
    if (token?.startsWith(API_KEY_PREFIX) || readCookie(req.headers.cookie, SESSION_COOKIE))
      throw Errors.forbidden('this route is for services, not brand staff or keys');
    throw Errors.unauthorized(token ? 'invalid service token' : 'missing bearer token');
  };

  /**
   * Checks a sign-in. Returns the account and the Set-Cookie value, or undefined for a wrong email or
   * password (indistinguishable, and equally slow). Throws 429 after repeated failures.
   */
  async signIn(
    brandId: string,
    email: string,
    password: string,
  ): Promise<{ staff: StaffAccount; setCookie: string } | undefined> {
    const key = `${brandId}\u0000${email.toLowerCase()}`;
    const f = this.failures.get(key);
    const nowMs = this.now();
    if (f && nowMs - f.firstAtMs < FAILURE_WINDOW_MS && f.count >= MAX_FAILURES)
      throw TooManyAttempts('too many failed sign-ins; try again later');
    const staff = await this.opts.store.findStaffByEmail(brandId, email);
    const ok = await verifyPassword(password, staff?.passwordHash ?? (await dummyPasswordHash()));
    if (!staff || !ok || staff.disabled) {
      const current = f && nowMs - f.firstAtMs < FAILURE_WINDOW_MS ? f : { count: 0, firstAtMs: nowMs };
      current.count++;
      this.failures.set(key, current);
      this.pruneFailures(nowMs);
      return undefined;
    }
    this.failures.delete(key);
    const value = encodeSession(
      { staffId: staff.id, version: staff.sessionVersion, expiresAtMs: nowMs + this.opts.sessionTtlMs },
      this.opts.sessionSecret,
    );
    return {
      staff,
      setCookie: sessionSetCookie(value, {
        secure: this.opts.cookieSecure,
        maxAgeSec: Math.floor(this.opts.sessionTtlMs / 1000),
      }),
    };
  }

  /** The Set-Cookie value that ends the browser's session. */
  signOutCookie(): string {
    return sessionSetCookie('', { secure: this.opts.cookieSecure });
  }

  private async fromApiKey(token: string): Promise<Principal | undefined> {
    const parsed = parseApiKey(token);
    if (!parsed) return undefined;
    const key = await this.opts.store.getApiKey(parsed.id);
    if (!key || key.revoked || !apiSecretMatches(parsed.secret, key.secretHash)) return undefined;
    return { kind: 'apiKey', brandId: key.brandId, id: key.id, name: key.label, displayName: key.label };
  }

  private pruneFailures(nowMs: number): void {
    if (this.failures.size < 10_000) return;
    for (const [k, v] of this.failures) if (nowMs - v.firstAtMs >= FAILURE_WINDOW_MS) this.failures.delete(k);
  }
}

function staffPrincipal(s: StaffAccount): Principal {
  return { kind: 'staff', brandId: s.brandId, id: s.id, name: s.email, displayName: s.displayName };
}

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by Authenticator.requirePrincipal. */
    principal?: Principal;
  }
}

import { randomUUID } from 'node:crypto';
import { bearerToken, defineError, Errors, safeEqual } from '@switchboard/service-kit';
import type { FastifyRequest } from 'fastify';
import type { StaffAccount } from '../domain/types.ts';
import type { AppStore } from '../store/store.ts';
import { API_KEY_PREFIX, apiSecretMatches, parseApiKey } from './api-keys.ts';
import { dummyPasswordHash, hashPassword, verifyPassword } from './passwords.ts';
import {
  DEVICE_COOKIE,
  decodeSession,
  encodeDevice,
  encodeSession,
  isDeviceOf,
  readCookie,
  SESSION_COOKIE,
  sessionSetCookie,
} from './session-cookie.ts';
import { SignInGuard } from './sign-in-guard.ts';

/** Who is asking, and for which brand. Every staff-facing read and write is scoped to `brandId`. */
export interface Principal {
  kind: 'staff' | 'apiKey';
  brandId: string;
  /** Staff account id or API key id. */
  id: string;
  /** Staff email, or the key's label. */
  name: string;
  displayName: string;
  /** The staff session this request came with (absent for API keys). */
  sessionId?: string;
  /** When that session ends, ms since epoch. */
  expiresAtMs?: number;
}

export interface AuthenticatorOptions {
  store: AppStore;
  serviceToken: string;
  sessionSecret: string;
  sessionTtlMs: number;
  cookieSecure: boolean;
  now?: () => number;
  /** Told when sessions end (sign-out, revocation, disable): live streams re-check theirs. */
  onSessionsEnded?: () => void;
}

const TooManyAttempts = defineError('TOO_MANY_ATTEMPTS', 429, true);
const BrandNeeded = defineError('BRAND_NEEDED', 409);
/** Accounts an email may have across brands that a brand-less sign-in checks. */
const MAX_BRANDS_PER_EMAIL = 5;
/** How long the device cookie lasts. */
const DEVICE_COOKIE_SEC = 365 * 24 * 3600;

/** The outcome of a sign-in: the account and the Set-Cookie values. */
export interface SignInResult {
  staff: StaffAccount;
  setCookies: string[];
}

/** Staff sessions (signed cookie), brand API keys, and the service token. */
export class Authenticator {
  private readonly guard: SignInGuard;
  private readonly now: () => number;

  constructor(private readonly opts: AuthenticatorOptions) {
    this.now = opts.now ?? Date.now;
    this.guard = new SignInGuard(this.now);
  }

  /** The principal behind a request's API key or session cookie; undefined when neither is valid. */
  async identify(req: FastifyRequest): Promise<Principal | undefined> {
    const token = bearerToken(req);
    if (token?.startsWith(API_KEY_PREFIX)) return this.fromApiKey(token);
    const cookie = readCookie(req.headers.cookie, SESSION_COOKIE);
    if (!cookie) return undefined;
    const nowMs = this.now();
    const claims = decodeSession(cookie, this.opts.sessionSecret, nowMs);
    if (!claims) return undefined;
    const [session, staff] = await Promise.all([
      this.opts.store.getSession(claims.sessionId),
      this.opts.store.getStaff(claims.staffId),
    ]);
    if (!session || session.revokedAt || session.staffId !== claims.staffId) return undefined;
    if (session.expiresAt.getTime() <= nowMs) return undefined;
    if (!staff || staff.disabled || staff.sessionVersion !== claims.version) return undefined;
    return { ...staffPrincipal(staff), sessionId: session.id, expiresAtMs: session.expiresAt.getTime() };
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
   * Checks a sign-in. `brand` is the brand's slug (or its id); without one, the email alone names the
   * account when it belongs to one brand, or to one whose password matches. Returns the account and
   * the cookies to set, or undefined for a wrong brand, email or password (indistinguishable, and
   * equally slow). Throws 429 past the guessing limits (the attempt is counted before the password
   * is checked, so parallel guesses can't exceed them) and 409 BRAND_NEEDED when the password matches
   * accounts in several brands.
   */
  async signIn(
    brand: string | undefined,
    email: string,
    password: string,
    client: { ip: string; cookieHeader?: string },
  ): Promise<SignInResult | undefined> {
    const brandId = brand ? await this.brandIdOf(brand) : undefined;
    const candidates = brandId
      ? [await this.opts.store.findStaffByEmail(brandId, email)].filter((s): s is StaffAccount => !!s)
      : await this.opts.store.findStaffByEmailInAnyBrand(email, MAX_BRANDS_PER_EMAIL);
    const device = readCookie(client.cookieHeader, DEVICE_COOKIE);
    const knownDevice = candidates.some((s) => isDeviceOf(device, s.id, this.opts.sessionSecret));
    const key = `${brandId ?? '*'}\u0000${email.toLowerCase()}`;
    const attempt = this.guard.reserve(key, client.ip, knownDevice);
    if ('retryAfterSec' in attempt)
      throw TooManyAttempts('too many failed sign-ins; try again later', {
        retryAfterSec: attempt.retryAfterSec,
      });
    const matches: StaffAccount[] = [];
    if (!candidates.length) await verifyPassword(password, await dummyPasswordHash());
    for (const s of candidates)
      if ((await verifyPassword(password, s.passwordHash)) && !s.disabled) matches.push(s);
    attempt.settle(matches.length > 0);
    if (matches.length > 1) throw BrandNeeded('this email belongs to several brands: enter the brand too');
    const staff = matches[0];
    if (!staff) return undefined;
    return { staff, setCookies: await this.startSession(staff) };
  }

  /** A brand slug's brand id; what is not a slug is taken as an id (sign-in by id still works). */
  private async brandIdOf(brand: string): Promise<string> {
    const bySlug = await this.opts.store.findBrandBySlug(brand.trim().toLowerCase());
    return bySlug?.id ?? brand.trim();
  }

  /** Ends one session on the server (sign-out): its cookie is refused from now on. */
  async signOut(sessionId: string | undefined): Promise<void> {
    if (sessionId && (await this.opts.store.revokeSession(sessionId))) this.opts.onSessionsEnded?.();
  }

  /** Ends every session of an account, or all but `keepSessionId`. */
  async endSessions(staffId: string, keepSessionId?: string): Promise<number> {
    const n = await this.opts.store.revokeSessions(staffId, keepSessionId);
    if (n) this.opts.onSessionsEnded?.();
    return n;
  }

  /** Disables an account and ends its sessions (admin). */
  async disableStaff(staffId: string): Promise<StaffAccount | null> {
    const staff = await this.opts.store.setStaffDisabled(staffId, true);
    if (staff) {
      await this.opts.store.revokeSessions(staffId);
      this.opts.onSessionsEnded?.();
    }
    return staff;
  }

  /**
   * Changes a staff member's password after checking the current one (limits as for sign-in); every
   * other session of the account ends, this one stays. False when the current password is wrong.
   */
  async changePassword(p: Principal, current: string, next: string, ip: string): Promise<boolean> {
    const staff = await this.opts.store.getStaff(p.id);
    if (!staff) return false;
    const attempt = this.guard.reserve(`${staff.brandId}\u0000${staff.email}`, ip, true);
    if ('retryAfterSec' in attempt)
      throw TooManyAttempts('too many failed attempts; try again later', {
        retryAfterSec: attempt.retryAfterSec,
      });
    const ok = await verifyPassword(current, staff.passwordHash);
    attempt.settle(ok);
    if (!ok) return false;
    await this.opts.store.setStaffPassword(staff.id, await hashPassword(next));
    await this.endSessions(staff.id, p.sessionId);
    return true;
  }

  /** The Set-Cookie value that ends the browser's session. */
  signOutCookie(): string {
    return sessionSetCookie('', { secure: this.opts.cookieSecure });
  }

  private async startSession(staff: StaffAccount): Promise<string[]> {
    const expiresAtMs = this.now() + this.opts.sessionTtlMs;
    const session = await this.opts.store.createSession({
      id: randomUUID(),
      staffId: staff.id,
      expiresAt: new Date(expiresAtMs),
    });
    const value = encodeSession(
      { sessionId: session.id, staffId: staff.id, version: staff.sessionVersion, expiresAtMs },
      this.opts.sessionSecret,
    );
    const secure = this.opts.cookieSecure;
    return [
      sessionSetCookie(value, { secure, maxAgeSec: Math.floor(this.opts.sessionTtlMs / 1000) }),
      sessionSetCookie(
        encodeDevice(staff.id, this.opts.sessionSecret),
        { secure, maxAgeSec: DEVICE_COOKIE_SEC },
        DEVICE_COOKIE,
      ),
    ];
  }

  private async fromApiKey(token: string): Promise<Principal | undefined> {
    const parsed = parseApiKey(token);
    if (!parsed) return undefined;
    const key = await this.opts.store.getApiKey(parsed.id);
    if (!key || key.revoked || !apiSecretMatches(parsed.secret, key.secretHash)) return undefined;
    return { kind: 'apiKey', brandId: key.brandId, id: key.id, name: key.label, displayName: key.label };
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

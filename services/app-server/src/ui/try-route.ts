import { Errors, type WebCallTokens } from '@switchboard/service-kit';
import type { FastifyInstance, FastifyReply, FastifyRequest, preHandlerHookHandler } from 'fastify';
import type { Principal } from '../auth/authenticator.ts';
import { externalId } from '../conversations/schemas.ts';
import type { AppStore } from '../store/store.ts';
import type { SafeHtml } from './html.ts';
import { tryPage } from './try-view.ts';
import type { Viewer } from './views.ts';

/** Browser test calls: where browsers reach voice-server's `/web-call`, and the shared token secret. */
export interface WebCallSetup {
  /** ws(s) URL of voice-server's /web-call as browsers reach it (read per request). */
  readonly url: string;
  tokens: WebCallTokens;
}

export interface TryPagesOptions {
  store: AppStore;
  webCalls: WebCallSetup | undefined;
  signedIn: preHandlerHookHandler;
  me: (req: FastifyRequest) => Principal;
  viewer: (req: FastifyRequest) => Viewer;
  sendPage: (reply: FastifyReply, page: SafeHtml, status?: number) => FastifyReply;
  /** The UI's Content-Security-Policy, to which the page adds voice-server's origin. */
  csp: string;
}

/** Profiles offered in the chooser: those the brand's recent calls used (any key may be typed). */
const RECENT_CALLS = 200;

const tokenResponse = {
  type: 'object',
  additionalProperties: false,
  required: ['token', 'callSid', 'url'],
  properties: {
    token: { type: 'string' },
    callSid: { type: 'string' },
    url: { type: 'string' },
  },
} as const;

/**
 * GET /try, the "Try your bot" page, and POST /try/token, which mints a short-lived single-use token
 * for one browser call to a profile, in the staff member's brand (voice-server checks the profile is
 * that brand's). Registered inside the UI plugin: its sign-in and same-origin check apply.
 */
export function tryPages(app: FastifyInstance, o: TryPagesOptions): void {
  app.get('/try', { preHandler: o.signedIn }, async (req, reply) => {
    const brandId = o.me(req).brandId;
    const recent = await o.store.listConversations(brandId, { limit: RECENT_CALLS });
    const profileKeys = [...new Set(recent.items.map((c) => c.botProfileKey))].sort();
    // The page's socket goes to voice-server: its origin joins connect-src here only.
    const voiceOrigin = o.webCalls ? new URL(o.webCalls.url).origin : undefined;
    if (voiceOrigin)
      reply.header(
        'content-security-policy',
        o.csp.replace("connect-src 'self'", `connect-src 'self' ${voiceOrigin}`),
      );
    return o.sendPage(reply, tryPage({ viewer: o.viewer(req), profileKeys, enabled: !!o.webCalls }));
  });

  app.post<{ Body: { profileKey: string } }>(
    '/try/token',
    {
      preHandler: o.signedIn,
      schema: {
        body: {
          type: 'object',
          required: ['profileKey'],
          additionalProperties: false,
          properties: { profileKey: externalId },
        },
        response: { 200: tokenResponse },
      },
    },
    async (req) => {
      const p = o.me(req);
      if (p.kind !== 'staff') throw Errors.forbidden('browser test calls are for staff');
      if (!o.webCalls) throw Errors.notFound('browser test calls are not set up');
      const { token, grant } = o.webCalls.tokens.issue({
        brandId: p.brandId,
        profileKey: req.body.profileKey,
        staffId: p.id,
      });
      req.log.info({ callSid: grant.callSid, botProfileKey: grant.profileKey }, 'web call token issued');
      return { token, callSid: grant.callSid, url: o.webCalls.url };
    },
  );
}

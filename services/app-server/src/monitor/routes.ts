import { Errors } from '@switchboard/service-kit';
import type { FastifyInstance, FastifyReply, FastifyRequest, preHandlerHookHandler } from 'fastify';
import type { Principal } from '../auth/authenticator.ts';
import type { Conversation } from '../domain/types.ts';
import { followLive, type LiveDeps } from '../live/follow.ts';
import type { LiveEvent } from '../live/hub.ts';
import type { SseStream } from '../live/sse.ts';
import type { AppStore } from '../store/store.ts';
import type { SafeHtml } from '../ui/html.ts';
import type { Viewer } from '../ui/views.ts';
import type { CallControl, ControlOutcome } from './call-control.ts';
import { liveCallRow, liveCallsPage, type MonitorNotice } from './views.ts';

/** Most live calls the list shows. */
export const MAX_LIVE_CALLS = 200;

export interface MonitorPagesOptions {
  store: AppStore;
  live: LiveDeps;
  control: CallControl;
  signedIn: preHandlerHookHandler;
  me: (req: FastifyRequest) => Principal;
  viewer: (req: FastifyRequest) => Viewer;
  sendPage: (reply: FastifyReply, page: SafeHtml, status?: number) => FastifyReply;
}

/** What the conversation page says after an action (the `monitor` query parameter it redirects with). */
export const MONITOR_NOTICES: Record<string, MonitorNotice> = {
  ending: { kind: 'done', text: 'Ending the call: the agent is saying goodbye.' },
  transferring: { kind: 'done', text: 'Transferring the call.' },
  gone: { kind: 'error', text: 'The call has already ended.' },
  'no-caller-id': {
    kind: 'error',
    text: 'The call cannot be transferred: it has no caller ID to show (set the profile’s outbound number).',
  },
  failed: { kind: 'error', text: 'That did not work. Try again in a moment.' },
};

/** E.164 once spaces, dashes, dots and brackets are taken out: +, a country code, at most 15 digits. */
const E164 = /^\+[1-9]\d{6,14}$/;

/** The number staff typed, as E.164, or undefined when it is not one. */
export function e164(typed: unknown): string | undefined {
  if (typeof typed !== 'string' || typed.length > 40) return undefined;
  const n = typed.replace(/[\s().-]/g, '');
  return E164.test(n) ? n : undefined;
}

const activeOnly = (c: Conversation | null) => c?.status === 'active';

/**
 * The live monitor: the brand's live calls (a page kept current over server-sent events) and the
 * actions staff take on one (end it, transfer it), sent to the voice-server instance holding it.
 * Registered inside the UI plugin: its sign-in, same-origin form check and error pages apply.
 */
export function monitorPages(app: FastifyInstance, o: MonitorPagesOptions): void {
  const { store } = o;
  const activeCalls = async (brandId: string) =>
    (await store.listConversations(brandId, { status: 'active', limit: MAX_LIVE_CALLS })).items;

  app.get('/live', { preHandler: o.signedIn }, async (req, reply) => {
    const calls = await activeCalls(o.me(req).brandId);
    return o.sendPage(reply, liveCallsPage({ viewer: o.viewer(req), calls }));
  });

  // The list's rows as they change: a call that starts is added, one that ends is removed.
  app.get('/live/stream', { preHandler: o.signedIn }, async (req, reply) => {
    const brandId = o.me(req).brandId;
    const sendRow = (stream: SseStream, c: Conversation, id?: number) => {
      if (c.status === 'active')
        stream.send(
          'item',
          { id: `live-${c.id}`, order: c.startedAt.getTime(), html: liveCallRow(c).value },
          id,
        );
      else stream.send('remove', { id: `live-${c.id}` }, id);
    };
    await followLive(req, reply, o.live, {
      scope: { brandId },
      brandId,
      send: (stream, e: LiveEvent) => {
        if (e.type === 'conversation') sendRow(stream, e.conversation, e.id);
      },
      start: async (stream) => {
        stream.send('reset', {});
        for (const c of await activeCalls(brandId)) sendRow(stream, c);
      },
    });
  });

  /** The staff member acting, refused unless a signed-in staff member of the call's brand. */
  const staffOf = (req: FastifyRequest) => {
    const p = o.me(req);
    if (p.kind !== 'staff') throw Errors.forbidden('Only signed-in staff can act on a call.');
    return { staffId: p.id, staffName: p.displayName };
  };
  const liveCall = async (req: FastifyRequest<{ Params: { id: string } }>) => {
    const c = await store.getConversation(o.me(req).brandId, req.params.id);
    if (!c) throw Errors.notFound('There is no such conversation for your brand.');
    return c;
  };
  const back = (reply: FastifyReply, c: Conversation, notice: keyof typeof MONITOR_NOTICES) =>
    reply.redirect(`/conversations/${encodeURIComponent(c.id)}?monitor=${notice}`, 303);
  const noticeOf = (r: ControlOutcome, done: 'ending' | 'transferring') =>
    r.ok ? done : r.reason === 'gone' ? 'gone' : r.status === 409 ? 'no-caller-id' : 'failed';

  app.post<{ Params: { id: string } }>(
    '/conversations/:id/end-call',
    { preHandler: o.signedIn },
    async (req, reply) => {
      const c = await liveCall(req);
      const staff = staffOf(req);
      const log = { staffId: staff.staffId, conversationId: c.id, action: 'end_call' };
      if (!activeOnly(c) || !c.controlUrl) {
        req.log.info({ ...log, outcome: 'gone' }, 'staff action on a call that is not live');
        return back(reply, c, 'gone');
      }
      const r = await o.control.end(c.controlUrl, c.callSid, staff);
      const notice = noticeOf(r, 'ending');
      req.log.info({ ...log, outcome: notice }, 'staff ended a live call');
      return back(reply, c, notice);
    },
  );

  app.post<{ Params: { id: string } }>(
    '/conversations/:id/transfer',
    { preHandler: o.signedIn },
    async (req, reply) => {
      const c = await liveCall(req);
      const staff = staffOf(req);
      const typed = (req.body as Record<string, unknown> | undefined)?.to;
      const to = e164(typed);
      if (!to)
        throw Errors.badRequest(
          'Enter the number to transfer to in international format: + then the country code and number, e.g. +14155550123.',
        );
      const log = { staffId: staff.staffId, conversationId: c.id, action: 'transfer' };
      if (!activeOnly(c) || !c.controlUrl) {
        req.log.info({ ...log, outcome: 'gone' }, 'staff action on a call that is not live');
        return back(reply, c, 'gone');
      }
      const r = await o.control.transfer(c.controlUrl, c.callSid, to, staff);
      const notice = noticeOf(r, 'transferring');
      req.log.info({ ...log, outcome: notice }, 'staff transferred a live call');
      return back(reply, c, notice);
    },
  );
}

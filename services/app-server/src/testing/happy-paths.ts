/**
 * One valid request per app-server operation, in an order where each finds what it needs (a call
 * before its tickets, a session before the staff API). The OpenAPI contract test runs them and checks
 * each answer against the document. Everything happens in its own brand, `happy`.
 */
import type { HappyAnswers, HappyRow } from '@switchboard/service-kit/testing/openapi-happy-paths';
import type { InjectOptions } from 'fastify';
import { type Harness, msg, PASSWORD, startBody } from './harness.ts';

const BRAND = 'happy';
const EMAIL = 'lead@happy.test';
const form = (fields: Record<string, string>) => ({
  headers: { 'content-type': 'application/x-www-form-urlencoded' },
  payload: new URLSearchParams(fields).toString(),
});

/** A finished recording's report from voice-server (the `n`th recording of the account). */
const recordingReport = (n: number) => ({
  recordingSid: `RE${String(n).padStart(32, '0')}`,
  accountSid: `AC${'0'.repeat(32)}`,
  status: 'completed',
  durationSec: 30,
  channels: 2,
});

/** The rows against harness `h` (its Twilio recordings answer with audio). */
export function appServerHappyRows(h: Harness): HappyRow[] {
  const start = startBody({ brandId: BRAND, language: 'en' });
  const call = start.callSid;
  const service = h.serviceHeaders;
  const cookieOf = (a: HappyAnswers, op: string) => String(a.get(op)!.headers['set-cookie']).split(';')[0]!;
  /** A staff request with the session of the JSON sign-in. */
  const staff =
    (request: (a: HappyAnswers) => InjectOptions) =>
    (a: HappyAnswers): InjectOptions => {
      const r = request(a);
      return { ...r, headers: { ...r.headers, cookie: cookieOf(a, 'POST /api/session') } };
    };
  const conversationId = (a: HappyAnswers) => a.get('POST /internal/conversations')!.json().conversationId;
  const ticketId = (a: HappyAnswers) =>
    a.get('POST /internal/conversations/{callSid}/tickets/handoff')!.json().ticketId;
  const callbackId = (a: HappyAnswers) =>
    a.get('POST /internal/conversations/{callSid}/tickets/callback')!.json().callbackId;
  const row = (op: string, request: HappyRow['request']): HappyRow => ({ op, request });
  return [
    row('GET /health-check/live', { url: '/health-check/live' }),
    row('GET /health-check/ready', { url: '/health-check/ready' }),
    row('GET /metrics', { url: '/metrics' }),
    // voice-server's side: a call, its transcript, a handoff and a callback, its end.
    row('POST /internal/conversations', {
      method: 'POST',
      url: '/internal/conversations',
      headers: service,
      payload: start,
    }),
    row('POST /internal/conversations/{callSid}/messages', {
      method: 'POST',
      url: `/internal/conversations/${call}/messages`,
      headers: service,
      payload: {
        messages: [
          msg(1, { text: 'Where is my order?' }),
          msg(2, { text: 'Let me check.' }),
          msg(3, {
            role: 'system',
            source: 'language',
            text: null,
            languageSwitch: { from: 'en', to: 'es', how: 'detected', confidence: 0.93, served: true },
          }),
        ],
      },
    }),
    row('POST /internal/conversations/{callSid}/tickets/handoff', {
      method: 'POST',
      url: `/internal/conversations/${call}/tickets/handoff`,
      headers: service,
      payload: {
        summary: 'Caller wants a person about a late order',
        transcriptExcerpt: 'Where is my order?',
        knowledgeChunkIds: [],
        priority: 'high',
        idempotencyKey: 'happy-handoff',
      },
    }),
    row('POST /internal/conversations/{callSid}/tickets/callback', {
      method: 'POST',
      url: `/internal/conversations/${call}/tickets/callback`,
      headers: service,
      payload: {
        phone: '+14155550123',
        windowStart: '2026-11-22T09:00:00.000Z',
        windowEnd: '2026-11-22T12:00:00.000Z',
        timezone: 'America/New_York',
        reason: 'Call back with the delivery date',
        idempotencyKey: 'happy-callback',
      },
    }),
    row('POST /internal/conversations/{callSid}/levels', {
      method: 'POST',
      url: `/internal/conversations/${call}/levels`,
      headers: service,
      payload: { windowMs: 250, caller: [0.1, 0.2], agent: [0, 0.4] },
    }),
    row('POST /internal/conversations/{callSid}/recording', {
      method: 'POST',
      url: `/internal/conversations/${call}/recording`,
      headers: service,
      payload: { ...recordingReport(1), durationSec: 42, channels: 2 },
    }),
    row('POST /internal/conversations/{callSid}/end', {
      method: 'POST',
      url: `/internal/conversations/${call}/end`,
      headers: service,
      payload: { endReason: 'caller_hangup', endedAt: '2026-11-21T10:05:00.000Z', durationSec: 300 },
    }),
    // The operator's side: staff, keys, brand settings.
    row('POST /admin/staff', {
      method: 'POST',
      url: '/admin/staff',
      headers: service,
      payload: { brandId: BRAND, email: 'leaver@happy.test', password: PASSWORD, displayName: 'Leaver' },
    }),
    row('POST /admin/staff/{id}/disable', (a) => ({
      method: 'POST',
      url: `/admin/staff/${a.get('POST /admin/staff')!.json().staff.id}/disable`,
      headers: service,
    })),
    row('POST /admin/api-keys', {
      method: 'POST',
      url: '/admin/api-keys',
      headers: service,
      payload: { brandId: BRAND, label: 'reporting' },
    }),
    row('PUT /admin/brands/{brandId}', {
      method: 'PUT',
      url: `/admin/brands/${BRAND}`,
      headers: service,
      payload: { name: 'Happy Bikes', timezone: 'America/New_York' },
    }),
    row('PUT /admin/conversations/{callSid}/brand', {
      method: 'PUT',
      url: `/admin/conversations/${call}/brand`,
      headers: service,
      payload: { brandId: BRAND },
    }),
    // Staff through the JSON API.
    row('POST /api/session', async () => {
      await h.app.inject({
        method: 'POST',
        url: '/admin/staff',
        headers: service,
        payload: { brandId: BRAND, email: EMAIL, password: PASSWORD, displayName: 'Lead' },
      });
      return {
        method: 'POST',
        url: '/api/session',
        payload: { brandId: BRAND, email: EMAIL, password: PASSWORD },
      };
    }),
    row(
      'GET /api/me',
      staff(() => ({ url: '/api/me' })),
    ),
    row(
      'GET /api/conversations',
      staff(() => ({ url: '/api/conversations?limit=5' })),
    ),
    row(
      'GET /api/conversations/{id}',
      staff((a) => ({ url: `/api/conversations/${conversationId(a)}` })),
    ),
    row(
      'GET /api/conversations/{id}/events',
      staff((a) => ({ url: `/api/conversations/${conversationId(a)}/events`, payloadAsStream: true })),
    ),
    row(
      'GET /api/events',
      staff(() => ({ url: '/api/events', payloadAsStream: true })),
    ),
    row(
      'GET /api/tickets',
      staff(() => ({ url: '/api/tickets' })),
    ),
    row(
      'GET /api/tickets/{id}',
      staff((a) => ({ url: `/api/tickets/${ticketId(a)}` })),
    ),
    row(
      'PATCH /api/tickets/{id}',
      staff((a) => ({
        method: 'PATCH',
        url: `/api/tickets/${ticketId(a)}`,
        payload: { status: 'in_progress' },
      })),
    ),
    row(
      'GET /api/callbacks',
      staff(() => ({ url: '/api/callbacks' })),
    ),
    row(
      'GET /api/callbacks/{id}',
      staff((a) => ({ url: `/api/callbacks/${callbackId(a)}` })),
    ),
    row(
      'PATCH /api/callbacks/{id}',
      staff((a) => ({
        method: 'PATCH',
        url: `/api/callbacks/${callbackId(a)}`,
        payload: { status: 'done' },
      })),
    ),
    row('GET /api/conversations/{id}/analysis', async (a) => {
      await h.store.analyses().saveResult(conversationId(a), {
        fields: {
          summary: 'A late order.',
          sentiment: 'neutral',
          intent: 'shipping',
          resolution: 'escalated',
          leadScore: 10,
        },
        result: { followUp: true },
        model: 'gpt-4.1-mini',
        promptVersion: 'call-analysis/1',
        schemaVersion: 'call_analysis@1',
      });
      return staff(() => ({ url: `/api/conversations/${conversationId(a)}/analysis` }))(a);
    }),
    row(
      'GET /api/conversations/{id}/recording',
      staff((a) => ({ url: `/api/conversations/${conversationId(a)}/recording` })),
    ),
    // A second call with its own recording, deleted through the API (the first is deleted in the UI).
    row('DELETE /api/conversations/{id}/recording', async (a) => {
      const second = startBody({ brandId: BRAND });
      const started = await h.app.inject({
        method: 'POST',
        url: '/internal/conversations',
        headers: service,
        payload: second,
      });
      await h.app.inject({
        method: 'POST',
        url: `/internal/conversations/${second.callSid}/recording`,
        headers: service,
        payload: recordingReport(2),
      });
      const id = started.json().conversationId as string;
      return staff(() => ({ method: 'DELETE', url: `/api/conversations/${id}/recording` }))(a);
    }),
    row(
      'GET /api/analyses',
      staff(() => ({ url: '/api/analyses?from=2026-11-01' })),
    ),
    row(
      'GET /api/analyses/aggregates',
      staff(() => ({ url: '/api/analyses/aggregates' })),
    ),
    row(
      'GET /api/analyses/lanes',
      staff(() => ({ url: '/api/analyses/lanes?from=2026-11-01' })),
    ),
    row(
      'POST /api/conversations/{id}/analysis',
      staff((a) => ({ method: 'POST', url: `/api/conversations/${conversationId(a)}/analysis` })),
    ),
    // The staff UI.
    row('GET /assets/{name}', { url: '/assets/app.css' }),
    row('GET /login', { url: '/login' }),
    row('POST /login', {
      method: 'POST',
      url: '/login',
      ...form({ brand: BRAND, email: EMAIL, password: PASSWORD, next: '/tickets' }),
    }),
    row(
      'GET /',
      staff(() => ({ url: '/' })),
    ),
    row(
      'GET /conversations',
      staff(() => ({ url: '/conversations' })),
    ),
    row(
      'GET /conversations/{id}',
      staff((a) => ({ url: `/conversations/${conversationId(a)}` })),
    ),
    row(
      'GET /conversations/{id}/live',
      staff((a) => ({ url: `/conversations/${conversationId(a)}/live`, payloadAsStream: true })),
    ),
    row(
      'GET /conversations/by-call/{callSid}',
      staff(() => ({ url: `/conversations/by-call/${call}` })),
    ),
    row(
      'POST /conversations/{id}/analysis',
      staff((a) => ({ method: 'POST', url: `/conversations/${conversationId(a)}/analysis` })),
    ),
    row(
      'GET /analytics',
      staff(() => ({ url: '/analytics' })),
    ),
    row(
      'GET /analytics.csv',
      staff(() => ({ url: '/analytics.csv' })),
    ),
    row(
      'GET /live',
      staff(() => ({ url: '/live' })),
    ),
    row(
      'GET /try',
      staff(() => ({ url: '/try' })),
    ),
    row(
      'POST /try/token',
      staff(() => ({ method: 'POST', url: '/try/token', payload: { profileKey: 'happy-support' } })),
    ),
    row(
      'GET /live/stream',
      staff(() => ({ url: '/live/stream', payloadAsStream: true })),
    ),
    row(
      'POST /conversations/{id}/end-call',
      staff((a) => ({ method: 'POST', url: `/conversations/${conversationId(a)}/end-call`, ...form({}) })),
    ),
    row(
      'POST /conversations/{id}/transfer',
      staff((a) => ({
        method: 'POST',
        url: `/conversations/${conversationId(a)}/transfer`,
        ...form({ to: '+14155550123' }),
      })),
    ),
    row(
      'POST /conversations/{id}/recording/delete',
      staff((a) => ({
        method: 'POST',
        url: `/conversations/${conversationId(a)}/recording/delete`,
        ...form({}),
      })),
    ),
    row(
      'GET /tickets',
      staff(() => ({ url: '/tickets' })),
    ),
    row(
      'POST /tickets/{id}/status',
      staff((a) => ({
        method: 'POST',
        url: `/tickets/${ticketId(a)}/status`,
        ...form({ status: 'resolved' }),
      })),
    ),
    row(
      'POST /tickets/{id}/assign',
      staff((a) => ({ method: 'POST', url: `/tickets/${ticketId(a)}/assign`, ...form({}) })),
    ),
    row(
      'POST /callbacks/{id}/status',
      staff((a) => ({
        method: 'POST',
        url: `/callbacks/${callbackId(a)}/status`,
        ...form({ status: 'cancelled' }),
      })),
    ),
    // Ending sessions last: the UI's own, a password change, every session, this one.
    row('POST /logout', (a) => ({
      method: 'POST',
      url: '/logout',
      headers: { cookie: cookieOf(a, 'POST /login') },
    })),
    row(
      'PUT /api/me/phone',
      staff(() => ({ method: 'PUT', url: '/api/me/phone', payload: { phone: '+447700900177' } })),
    ),
    row(
      'GET /api/me/phone',
      staff(() => ({ url: '/api/me/phone' })),
    ),
    row(
      'POST /api/me/password',
      staff(() => ({
        method: 'POST',
        url: '/api/me/password',
        payload: { currentPassword: PASSWORD, newPassword: `${PASSWORD} and more` },
      })),
    ),
    row(
      'DELETE /api/sessions',
      staff(() => ({ method: 'DELETE', url: '/api/sessions' })),
    ),
    row(
      'DELETE /api/session',
      staff(() => ({ method: 'DELETE', url: '/api/session' })),
    ),
  ];
}

/**
 * One valid request per ai-server operation, in an order where each finds what it needs (a profile
 * before its tools, an article before its deletion). The OpenAPI contract test runs them and checks
 * each answer against the document.
 */
import type { HappyRow } from '@switchboard/service-kit/testing/openapi-happy-paths';
import { brand, OPERATOR_TOKEN, profileBody, service } from './test-app.ts';

const KEY = 'happy';
const PHONE = '+14155550177';
const CALL_SID = `CA${'0'.repeat(31)}7`;

/** The rows for a brand's `apiKey`; `toolUrl` answers tool calls with JSON. */
export function aiServerHappyRows(apiKey: string, toolUrl: string): HappyRow[] {
  const admin = brand(apiKey);
  const operator = { authorization: `Bearer ${OPERATOR_TOKEN}` };
  const row = (op: string, request: HappyRow['request']): HappyRow => ({ op, request });
  return [
    row('GET /health-check/live', { url: '/health-check/live' }),
    row('GET /health-check/ready', { url: '/health-check/ready' }),
    row('GET /metrics', { url: '/metrics' }),
    row('POST /operator/brands', {
      method: 'POST',
      url: '/operator/brands',
      headers: operator,
      payload: { name: 'Happy path brand', keyLabel: 'first' },
    }),
    row('GET /admin/brand', { url: '/admin/brand', headers: admin }),
    row('POST /admin/api-keys', {
      method: 'POST',
      url: '/admin/api-keys',
      headers: admin,
      payload: { label: 'second' },
    }),
    row('GET /admin/api-keys', { url: '/admin/api-keys', headers: admin }),
    row('DELETE /admin/api-keys/{id}', (a) => ({
      method: 'DELETE',
      url: `/admin/api-keys/${a.get('POST /admin/api-keys')!.json().id}`,
      headers: admin,
    })),
    row('POST /admin/profiles', {
      method: 'POST',
      url: '/admin/profiles',
      headers: admin,
      payload: profileBody(KEY, {
        phoneNumbers: [PHONE],
        outboundCallerId: '+18005550177',
      }),
    }),
    row('GET /admin/profiles', { url: '/admin/profiles', headers: admin }),
    row('GET /admin/profiles/{key}', { url: `/admin/profiles/${KEY}`, headers: admin }),
    row('PATCH /admin/profiles/{key}', {
      method: 'PATCH',
      url: `/admin/profiles/${KEY}`,
      headers: admin,
      payload: { greeting: 'Hello from the happy path.' },
    }),
    row('POST /internal/profiles/lookup', {
      method: 'POST',
      url: '/internal/profiles/lookup',
      headers: service,
      payload: { to: PHONE },
    }),
    row('GET /internal/profiles/{key}', { url: `/internal/profiles/${KEY}`, headers: service }),
    row('POST /internal/profiles/{key}/system-prompt', {
      method: 'POST',
      url: `/internal/profiles/${KEY}/system-prompt`,
      headers: service,
      payload: { callerNumber: '+14155550101', isSip: false, callSid: CALL_SID },
    }),
    row('POST /admin/profiles/{key}/system-prompt/preview', {
      method: 'POST',
      url: `/admin/profiles/${KEY}/system-prompt/preview`,
      headers: admin,
      payload: { callerNumber: '+14155550101', isSip: false, callSid: CALL_SID },
    }),
    row('POST /admin/profiles/{key}/credits', {
      method: 'POST',
      url: `/admin/profiles/${KEY}/credits`,
      headers: admin,
      payload: { seconds: 600 },
    }),
    row('GET /internal/profiles/{key}/credits', {
      url: `/internal/profiles/${KEY}/credits`,
      headers: service,
    }),
    row('POST /internal/profiles/{key}/debits', {
      method: 'POST',
      url: `/internal/profiles/${KEY}/debits`,
      headers: service,
      payload: { callSid: CALL_SID, durationSec: 42 },
    }),
    row('GET /admin/profiles/{key}/debits', { url: `/admin/profiles/${KEY}/debits`, headers: admin }),
    row('POST /admin/profiles/{key}/tools', {
      method: 'POST',
      url: `/admin/profiles/${KEY}/tools`,
      headers: admin,
      payload: {
        name: 'order_status',
        description: 'Looks up an order',
        parameters: { type: 'object', properties: { orderId: { type: 'string' } } },
        endpointUrl: toolUrl,
        secretHeaderName: 'x-tool-secret',
        secretHeaderValue: 'tool-secret-value',
      },
    }),
    row('GET /admin/profiles/{key}/tools', { url: `/admin/profiles/${KEY}/tools`, headers: admin }),
    row('GET /admin/profiles/{key}/tools/{name}', {
      url: `/admin/profiles/${KEY}/tools/order_status`,
      headers: admin,
    }),
    row('PATCH /admin/profiles/{key}/tools/{name}', {
      method: 'PATCH',
      url: `/admin/profiles/${KEY}/tools/order_status`,
      headers: admin,
      payload: { timeoutMs: 3000 },
    }),
    row('GET /voiceagent/get_available_tools/', {
      url: `/voiceagent/get_available_tools/?profileKey=${KEY}`,
      headers: service,
    }),
    row('POST /voiceagent/execute_tool/', {
      method: 'POST',
      url: '/voiceagent/execute_tool/',
      headers: service,
      payload: { profileKey: KEY, name: 'order_status', arguments: { orderId: 'A1' }, callSid: CALL_SID },
    }),
    row('DELETE /admin/profiles/{key}/tools/{name}', {
      method: 'DELETE',
      url: `/admin/profiles/${KEY}/tools/order_status`,
      headers: admin,
    }),
    row('POST /admin/knowledge/articles', {
      method: 'POST',
      url: '/admin/knowledge/articles',
      headers: admin,
      payload: {
        articles: [
          { externalId: 'returns', title: 'Returns', body: 'Bicycles can be returned within 30 days.' },
          { externalId: 'hours', title: 'Opening hours', body: 'The shop opens at nine every weekday.' },
        ],
      },
    }),
    row('GET /admin/knowledge/articles', { url: '/admin/knowledge/articles?limit=10', headers: admin }),
    row('GET /admin/knowledge/articles/{articleId}', (a) => ({
      url: `/admin/knowledge/articles/${a.get('POST /admin/knowledge/articles')!.json().results[0].articleId}`,
      headers: admin,
    })),
    row('POST /admin/knowledge/search', {
      method: 'POST',
      url: '/admin/knowledge/search',
      headers: admin,
      payload: { query: 'return a bicycle', limit: 3 },
    }),
    row('POST /voiceagent/search_knowledge_base/', {
      method: 'POST',
      url: '/voiceagent/search_knowledge_base/',
      headers: service,
      payload: { profileKey: KEY, callSid: CALL_SID, query: 'when do you open' },
    }),
    row('GET /admin/knowledge/lanes', { url: '/admin/knowledge/lanes', headers: admin }),
    row('PUT /admin/knowledge/lanes', {
      method: 'PUT',
      url: '/admin/knowledge/lanes',
      headers: admin,
      payload: { primary: { name: 'main', store: 'postgres', retrieval: 'lexical' } },
    }),
    row('GET /admin/knowledge/lanes/consistency', {
      url: '/admin/knowledge/lanes/consistency',
      headers: admin,
    }),
    row('POST /admin/knowledge/lanes/evaluate', {
      method: 'POST',
      url: '/admin/knowledge/lanes/evaluate',
      headers: admin,
      payload: { queries: [{ query: 'return a bicycle', answers: ['returns'] }] },
    }),
    row('DELETE /admin/knowledge/articles/{articleId}', (a) => ({
      method: 'DELETE',
      url: `/admin/knowledge/articles/${a.get('POST /admin/knowledge/articles')!.json().results[1].articleId}`,
      headers: admin,
    })),
    row('POST /admin/do-not-call', {
      method: 'POST',
      url: '/admin/do-not-call',
      headers: admin,
      payload: { numbers: ['+14155550188', '+14155550189'] },
    }),
    row('GET /admin/do-not-call', { url: '/admin/do-not-call', headers: admin }),
    row('DELETE /admin/do-not-call/{number}', {
      method: 'DELETE',
      url: `/admin/do-not-call/${encodeURIComponent('+14155550189')}`,
      headers: admin,
    }),
    row('PUT /admin/outbound-webhook', {
      method: 'PUT',
      url: '/admin/outbound-webhook',
      headers: admin,
      payload: { url: toolUrl },
    }),
    row('GET /admin/outbound-webhook', { url: '/admin/outbound-webhook', headers: admin }),
    row('POST /admin/outbound-calls', {
      method: 'POST',
      url: '/admin/outbound-calls',
      headers: admin,
      payload: {
        to: '+14155550199',
        profileKey: KEY,
        task: 'Confirm the delivery date.',
        idempotencyKey: 'happy-1',
        context: { order: 'A1' },
        outcomeSchema: { type: 'object', properties: { date: { type: 'string' } } },
      },
    }),
    row('GET /admin/outbound-calls/{id}', (a) => ({
      url: `/admin/outbound-calls/${a.get('POST /admin/outbound-calls')!.json().id}`,
      headers: admin,
    })),
    row('POST /internal/outbound-calls', (a) => ({
      method: 'POST',
      url: '/internal/outbound-calls',
      headers: service,
      payload: {
        brandId: a.get('GET /admin/brand')!.json().id,
        to: '+14155550198',
        profileKey: KEY,
        task: 'Call back about: a late delivery',
        idempotencyKey: 'callback:happy',
        context: { reason: 'a late delivery' },
      },
    })),
    row('POST /internal/outbound-calls/{id}/events', (a) => ({
      method: 'POST',
      url: `/internal/outbound-calls/${a.get('POST /admin/outbound-calls')!.json().id}/events`,
      headers: service,
      payload: {
        callSid: a.get('GET /admin/outbound-calls/{id}')!.json().callSid,
        status: 'in-progress',
        answeredBy: 'human',
      },
    })),
    row('DELETE /admin/outbound-webhook', {
      method: 'DELETE',
      url: '/admin/outbound-webhook',
      headers: admin,
    }),
    row('POST /v1/realtime/client-secrets', {
      method: 'POST',
      url: '/v1/realtime/client-secrets',
      headers: admin,
      payload: { profile: KEY },
    }),
    row('POST /admin/client-token-secret', {
      method: 'POST',
      url: '/admin/client-token-secret',
      headers: admin,
    }),
    row('DELETE /admin/client-token-secret', {
      method: 'DELETE',
      url: '/admin/client-token-secret',
      headers: admin,
    }),
    row('DELETE /admin/profiles/{key}', { method: 'DELETE', url: `/admin/profiles/${KEY}`, headers: admin }),
  ];
}

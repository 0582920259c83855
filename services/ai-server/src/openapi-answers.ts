import type { OpenApiInfo, RouteAnswers } from '@switchboard/service-kit';

/** Routes that create something and answer 201. */
const CREATES = new Set([
  'POST /operator/brands',
  'POST /admin/api-keys',
  'POST /admin/profiles',
  'POST /admin/profiles/:key/tools',
  'POST /admin/client-token-secret',
]);

/** What each ai-server route answers (documented in the OpenAPI document; checked by its test). */
export function aiServerAnswers(method: string, url: string): RouteAnswers | undefined {
  // Health, the document itself and metrics document their own answers.
  if (url.startsWith('/health-check') || url === '/openapi.json' || url === '/metrics') return undefined;
  const success: Record<number, string> =
    method === 'DELETE'
      ? { 204: 'Deleted' }
      : CREATES.has(`${method} ${url}`)
        ? { 201: 'Created' }
        : { 200: 'OK' };
  const errors = url.startsWith('/operator')
    ? [401]
    : url.startsWith('/admin')
      ? [401, 404, 409, 413]
      : [401, 404, 409];
  if (url === '/admin/knowledge/articles' && method === 'POST') errors.push(502);
  if (url === '/admin/knowledge/articles/:articleId' && method === 'DELETE') errors.push(502);
  if (url === '/admin/do-not-call' && method === 'POST') return { success: { 200: 'Added' }, errors };
  if (url === '/admin/outbound-webhook' && method === 'PUT')
    return { success: { 200: 'Updated', 201: 'Created: the signing secret, shown this once' }, errors };
  if (url === '/admin/outbound-calls' && method === 'POST') {
    // 200: a repeated idempotency key; 422: a rule (caller ID, calling hours); 429: the brand's limit.
    return {
      success: { 200: 'The call this idempotency key placed', 201: 'Placed' },
      errors: [...errors, 422, 429, 502, 503],
    };
  }
  if (url === '/v1/realtime/client-secrets')
    // 422: an ElevenLabs voice; 429: the brand's limit; 502/503: OpenAI refused / not configured.
    return { success, errors: [400, 401, 404, 422, 429, 502, 503] };
  return { success, errors };
}

export const AI_SERVER_OPENAPI: OpenApiInfo = {
  title: 'Switchboard ai-server',
  version: '0.1.0',
  description:
    'Bot profiles, system prompts, dynamic tools and the knowledge base. `/admin/*` takes a brand API key and sees only that brand; `/internal/*` and `/voiceagent/*` take the service token (voice-server); `/v1/realtime/client-secrets` takes a brand API key or an end-user token.',
  securitySchemes: {
    brandApiKey: { type: 'http', scheme: 'bearer', description: 'A brand API key (sbk_...)' },
    serviceToken: { type: 'http', scheme: 'bearer', description: 'The shared SERVICE_TOKEN' },
    operatorToken: { type: 'http', scheme: 'bearer', description: 'OPERATOR_TOKEN' },
    endUserToken: {
      type: 'http',
      scheme: 'bearer',
      description: "An HS256 JWT {brand, profile, sub, exp} signed with the brand's client-token secret",
    },
  },
  answers: aiServerAnswers,
};

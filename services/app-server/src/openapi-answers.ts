import type { OpenApiInfo, RouteAnswers } from '@switchboard/service-kit';

const CREATED: Record<string, Record<number, string>> = {
  'POST /internal/conversations': { 200: 'Already known (idempotent)', 201: 'Created' },
  'POST /internal/conversations/:callSid/tickets/handoff': { 200: 'Repeated key', 201: 'Created' },
  'POST /internal/conversations/:callSid/tickets/callback': { 200: 'Repeated key', 201: 'Created' },
  'POST /admin/staff': { 201: 'Created' },
  'POST /admin/api-keys': { 201: 'Created' },
};
/** Routes that queue work and answer 202. */
const ACCEPTED: Record<string, Record<number, string>> = {
  'POST /api/conversations/:id/analysis': { 202: 'Queued for analysis (or already queued)' },
};
const NO_CONTENT = new Set([
  'DELETE /api/session',
  'DELETE /api/sessions',
  'POST /api/me/password',
  'DELETE /api/conversations/:id/recording',
]);
const STREAMS = new Set([
  '/api/events',
  '/api/conversations/:id/events',
  '/conversations/:id/live',
  '/live/stream',
]);

/** What each app-server route answers (documented in the OpenAPI document; checked by its test). */
export function appServerAnswers(method: string, url: string): RouteAnswers | undefined {
  const route = `${method} ${url}`;
  // Health, the document itself and metrics document their own answers.
  if (url.startsWith('/health-check') || url === '/openapi.json' || url === '/metrics') return undefined;
  if (url.startsWith('/internal') || url.startsWith('/admin'))
    return { success: CREATED[route] ?? { 200: 'OK' }, errors: [401, 403, 404, 409] };
  if (STREAMS.has(url))
    return {
      success: url.startsWith('/api')
        ? { 200: 'Server-sent events' }
        : { 200: 'Server-sent events', 303: 'Sign in first' },
      errors: [401, 404],
      mediaType: 'text/event-stream',
    };
  if (route === 'GET /api/conversations/:id/recording')
    return {
      success: { 200: "The call's audio, streamed from Twilio" },
      errors: [401, 403, 404, 429, 502, 503],
      mediaType: ['audio/wav', 'audio/mpeg'],
    };
  if (url.startsWith('/api'))
    return {
      success: ACCEPTED[route] ?? (NO_CONTENT.has(route) ? { 204: 'Done' } : { 200: 'OK' }),
      errors: [401, 403, 404, 409, 429],
    };
  if (url === '/assets/:name')
    return { success: { 200: 'The file' }, errors: [404], mediaType: ['text/css', 'text/javascript'] };
  if (url === '/analytics.csv')
    return {
      success: { 200: 'The analyses as CSV', 303: 'Sign in first' },
      errors: [404],
      mediaType: 'text/csv',
    };
  if (method === 'POST') return { success: { 303: 'Done; back to the page' }, errors: [401, 403, 404, 429] };
  return {
    success: { 200: 'The page', 303: 'Redirect (sign in first, or already signed in)' },
    errors: [404],
    mediaType: 'text/html',
  };
}

export const APP_SERVER_OPENAPI: OpenApiInfo = {
  title: 'Switchboard app-server',
  version: '0.1.0',
  description:
    'Conversations, transcripts, tickets and callbacks. `/internal/*` and `/admin/*` take the service token; `/api/*` takes a staff session cookie or a brand API key and sees only that brand; the rest is the staff UI.',
  securitySchemes: {
    serviceToken: { type: 'http', scheme: 'bearer', description: 'The shared SERVICE_TOKEN' },
    brandApiKey: { type: 'http', scheme: 'bearer', description: 'A brand API key (sbk_...)' },
  },
  answers: appServerAnswers,
};

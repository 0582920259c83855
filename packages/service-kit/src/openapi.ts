import swagger from '@fastify/swagger';
import type { FastifyInstance, RouteOptions } from 'fastify';

/** The JSON body every error answer carries, as a schema. */
export const errorBodySchema = {
  type: 'object',
  required: ['error'],
  properties: {
    error: {
      type: 'object',
      required: ['code', 'message'],
      properties: {
        code: { type: 'string', description: 'Stable code from the service error catalog' },
        message: { type: 'string', description: 'What is wrong; a 400 names the field' },
        details: {},
      },
    },
  },
} as const;

const ERROR_DESCRIPTIONS: Record<number, string> = {
  400: 'Invalid input: the message names the field',
  401: 'Missing or invalid credentials',
  403: 'Valid credentials that may not use this route',
  404: 'No such resource (or one of another brand)',
  409: 'Conflicts with existing data',
  413: 'Body or field larger than allowed',
  414: 'A path parameter longer than allowed',
  415: 'Content type not supported',
  429: 'Too many attempts; try again later',
  500: 'Internal error (never caused by input)',
  502: 'A provider the route needs failed',
  503: 'Not ready',
};

type ResponseSchema = { description: string } & Record<string, unknown>;

/** Response entries for error statuses, each with the shared error body. */
export function errorResponses(...statuses: number[]): Record<number, ResponseSchema> {
  return Object.fromEntries(
    statuses.map((s) => [s, { description: ERROR_DESCRIPTIONS[s] ?? 'Error', ...errorBodySchema }]),
  );
}

/** A documented answer with no body (204). */
export const noContent = { description: 'Done; no body', type: 'null' } as const;

/** What a route answers besides the errors every route can give. */
export interface RouteAnswers {
  /** Success (and redirect) statuses, each with a description; 204 and 3xx have no body. */
  success: Record<number, string>;
  /** Error statuses this route can answer. */
  errors?: number[];
  /** The success body's media type(s) when it is not JSON (pages, event streams, assets). */
  mediaType?: string | readonly string[];
}

export interface OpenApiInfo {
  title: string;
  version: string;
  description: string;
  securitySchemes?: Record<string, { type: 'http'; scheme: string; description?: string }>;
  /** The answers of each route that declares no response schema of its own, by method and URL. */
  answers?: (method: string, url: string) => RouteAnswers | undefined;
}

const routeLists = new WeakMap<object, string[]>();

/** Every route registered after registerOpenApi, as "METHOD /url" (HEAD left out, hidden ones too). */
export function registeredRoutes(app: FastifyInstance): string[] {
  return routeLists.get(app) ?? [];
}

function successEntry(status: number, description: string, mediaType: RouteAnswers['mediaType']) {
  if (status === 204 || (status >= 300 && status < 400)) return { description, type: 'null' };
  if (mediaType)
    return {
      description,
      content: Object.fromEntries([mediaType].flat().map((t) => [t, { schema: { type: 'string' } }])),
    };
  return { description, type: 'object', additionalProperties: true };
}

/**
 * Publishes an OpenAPI 3 document of every route registered after this call at `GET /openapi.json`,
 * and adds the answers any route can give (400 for unreadable input, 413, 415, 414 for an over-long
 * path parameter, 500) to each route.
 */
export function registerOpenApi(app: FastifyInstance, info: OpenApiInfo): void {
  const list: string[] = [];
  routeLists.set(app, list);
  app.addHook('onRoute', (route: RouteOptions) => {
    for (const m of [route.method].flat()) if (m !== 'HEAD') list.push(`${m} ${route.url}`);
    route.schema ??= {};
    const schema = route.schema as { hide?: boolean; response?: Record<string, unknown> };
    if (schema.hide) return;
    schema.response ??= {};
    const response = schema.response;
    const answers = info.answers?.([route.method].flat()[0]!, route.url);
    for (const [status, description] of Object.entries(answers?.success ?? {}))
      if (!(status in response))
        response[status] = successEntry(Number(status), description, answers?.mediaType);
    for (const [status, entry] of Object.entries(errorResponses(...(answers?.errors ?? []))))
      if (!(status in response)) response[status] = entry;
    const readsBody = [route.method].flat().some((m) => m === 'POST' || m === 'PUT' || m === 'PATCH');
    const hasParams = route.url.includes(':');
    const always = [400, 500, ...(readsBody ? [413, 415] : []), ...(hasParams ? [414] : [])];
    for (const [status, entry] of Object.entries(errorResponses(...always)))
      if (!(status in response)) response[status] = entry;
  });
  void app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: { title: info.title, version: info.version, description: info.description },
      ...(info.securitySchemes ? { components: { securitySchemes: info.securitySchemes } } : {}),
    },
  });
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
}

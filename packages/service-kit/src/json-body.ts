import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Errors } from './errors.ts';
import { findTooDeep, replaceTooDeep } from './json-depth.ts';
import {
  findNonFinite,
  findTextProblem,
  sanitizeInPlace,
  type TextRepair,
  textProblemMessage,
} from './text-safety.ts';

declare module 'fastify' {
  interface FastifyContextConfig {
    /**
     * Text Postgres can't store (NUL, unpaired surrogates) in this route's body, query or params:
     * `refuse` (default) answers 400 naming the field; `sanitize` repairs it and lists the repairs on
     * `request.textRepairs` (for text from third parties the caller can't fix).
     */
    textPolicy?: 'refuse' | 'sanitize';
    /** Nesting limit of this route's JSON body (default: the app's). */
    jsonMaxDepth?: number;
    /** What a value nested past the limit gets: a 400 naming it (default), or replaced by a marker. */
    jsonOverDepth?: 'refuse' | 'replace';
  }
  interface FastifyRequest {
    /** Strings the `sanitize` text policy repaired, by field path. */
    textRepairs?: TextRepair[];
  }
}

/** Default nesting limit of JSON bodies. */
export const DEFAULT_JSON_MAX_DEPTH = 64;

/** The object a too-deep value becomes under `jsonOverDepth: 'replace'`. */
export const TOO_DEEP_MARKER = { sanitized: 'value nested too deep; removed' } as const;

/**
 * Registers the JSON body parser (nesting measured on the raw text before parsing) and the hook that
 * checks or repairs text in every body, query string and path parameter before validation.
 */
export function installInputGuards(app: FastifyInstance, defaultMaxDepth = DEFAULT_JSON_MAX_DEPTH): void {
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser(
    'application/json',
    { parseAs: 'string' },
    (req: FastifyRequest, raw: string | Buffer, done: (err: Error | null, body?: unknown) => void) => {
      try {
        done(null, parseJsonBody(req, String(raw), defaultMaxDepth));
      } catch (err) {
        done(err as Error);
      }
    },
  );

  app.addHook('preValidation', async (req) => {
    const sanitize = req.routeOptions.config?.textPolicy === 'sanitize';
    const parts: Array<[string, unknown]> = [
      ['params', req.params],
      ['querystring', req.query],
      ['body', req.body],
    ];
    for (const [where, value] of parts) {
      if (sanitize && value && typeof value === 'object') {
        const repairs = sanitizeInPlace(value as Record<string, unknown>, where);
        if (repairs.length) req.textRepairs = [...(req.textRepairs ?? []), ...repairs];
      }
      const problem = findTextProblem(value, where);
      if (problem) throw Errors.badRequest(textProblemMessage(problem));
    }
  });
  app.addHook('preHandler', refuseNonFinite);
}

/** After validation: schema coercion can turn "Infinity" or "1e400" into a number no column holds. */
export async function refuseNonFinite(req: FastifyRequest): Promise<void> {
  for (const [where, value] of [
    ['params', req.params],
    ['querystring', req.query],
    ['body', req.body],
  ] as const) {
    const path = findNonFinite(value, where);
    if (path) throw Errors.badRequest(`${path} must be a finite number`);
  }
}

function parseJsonBody(req: FastifyRequest, text: string, defaultMaxDepth: number): unknown {
  if (!text.trim()) throw Errors.badRequest('body is empty; send a JSON value');
  const config = req.routeOptions.config;
  const maxDepth = config?.jsonMaxDepth ?? defaultMaxDepth;
  const replace = config?.jsonOverDepth === 'replace';
  const deep = findTooDeep(text, maxDepth, !replace);
  if (deep.length && !replace) {
    const where = deep[0]!.path ? `body.${deep[0]!.path}` : 'body';
    throw Errors.badRequest(`${where} is nested deeper than ${maxDepth} levels`);
  }
  try {
    return JSON.parse(replaceTooDeep(text, deep, JSON.stringify(TOO_DEEP_MARKER)));
  } catch {
    throw Errors.badRequest('body is not valid JSON');
  }
}

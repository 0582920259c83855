import { findTooDeep, type Logger, sanitizeInPlace, sanitizeString } from '@switchboard/service-kit';
import type { ExecuteToolResult, ToolErrorCode } from '@switchboard/service-kit/clients/ai-server';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { endpointProblem, resolvedAddressProblem, type ToolEndpointPolicy } from './endpoint-policy.ts';
import { CONNECT_REFUSED, guardedFetch } from './guarded-fetch.ts';

/** A brand's HTTP tool, as stored. */
export interface DynamicToolRecord {
  id: string;
  name: string;
  description: string;
  parameters: unknown;
  endpointUrl: string;
  timeoutMs: number;
  secretHeaderName: string | null;
  secretHeaderValue: string | null;
  updatedAt: Date;
}

/** What the model is told a tool call did (the wire type voice-server receives). */
export type ToolOutcome = ExecuteToolResult;
type OutcomeBody =
  | { ok: true; result: unknown; status: number }
  | { ok: false; error: { code: ToolErrorCode; message: string; status?: number } };

export interface ToolCallContext {
  callSid: string;
  profileKey: string;
}

const MAX_REDIRECTS = 3;
const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);
/** Largest JSON schema a tool may declare, characters. */
export const MAX_TOOL_SCHEMA_CHARS = 20_000;
/** Deepest JSON a tool's arguments or result may be (checked on the text, before parsing). */
export const MAX_TOOL_JSON_DEPTH = 32;

// ajv-formats is CommonJS; its default export arrives wrapped under ESM.
const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ??
  addFormatsModule) as unknown as (ajv: Ajv) => Ajv;

/**
 * Runs brands' dynamic tools: validates arguments against the tool's JSON schema, POSTs them to the
 * brand's endpoint (its timeout, its secret header), follows redirects only within the same origin,
 * caps the response size, and reports every failure as a typed outcome rather than a throw.
 */
export class ToolExecutor {
  private readonly ajv: Ajv;
  private readonly validators = new Map<string, { version: number; validate: ValidateFunction }>();
  private readonly fetchImpl: typeof fetch;

  constructor(
    private readonly policy: ToolEndpointPolicy,
    private readonly opts: {
      fetch?: typeof fetch;
      resolve?: (host: string) => Promise<string[]>;
      log?: Pick<Logger, 'info' | 'warn'>;
    } = {},
  ) {
    this.ajv = addFormats(new Ajv({ allErrors: false, strict: false, coerceTypes: false }));
    this.fetchImpl = opts.fetch ?? guardedFetch(policy, opts.resolve);
  }

  /** Why `parameters` can't be a tool's argument schema, or undefined when it can. */
  schemaProblem(parameters: unknown): string | undefined {
    if (!parameters || typeof parameters !== 'object' || Array.isArray(parameters))
      return 'must be a JSON schema object';
    if ((parameters as { type?: unknown }).type !== 'object') return 'must have type "object"';
    if (JSON.stringify(parameters).length > MAX_TOOL_SCHEMA_CHARS)
      return `must be at most ${MAX_TOOL_SCHEMA_CHARS} characters of JSON`;
    try {
      this.ajv.compile(parameters as object);
      return undefined;
    } catch (err) {
      return `is not a valid JSON schema: ${(err as Error).message}`;
    }
  }

  /**
   * Checks for saving a tool: scheme and loopback rules, and where the host resolves now (a host that
   * does not resolve yet is accepted; every call checks again).
   */
  async endpointProblem(url: string): Promise<string | undefined> {
    const problem = endpointProblem(url, this.policy);
    if (problem) return problem;
    const resolved = await resolvedAddressProblem(new URL(url), this.policy, this.opts.resolve);
    return resolved?.startsWith('host did not resolve') ? undefined : resolved;
  }

  async execute(tool: DynamicToolRecord, rawArgs: unknown, ctx: ToolCallContext): Promise<ToolOutcome> {
    const started = performance.now();
    const done = (o: OutcomeBody): ToolOutcome => {
      const outcome = { ...o, durationMs: Math.round(performance.now() - started) } as ToolOutcome;
      this.opts.log?.info(
        {
          tool: tool.name,
          ok: outcome.ok,
          code: outcome.ok ? undefined : outcome.error.code,
          status: outcome.ok ? outcome.status : outcome.error.status,
          durationMs: outcome.durationMs,
        },
        'dynamic tool executed',
      );
      return outcome;
    };

    let args: unknown = rawArgs ?? {};
    if (typeof args === 'string') {
      if (findTooDeep(args, MAX_TOOL_JSON_DEPTH, true).length)
        return done({
          ok: false,
          error: {
            code: 'INVALID_ARGUMENTS',
            message: `arguments are nested deeper than ${MAX_TOOL_JSON_DEPTH} levels`,
          },
        });
      try {
        args = args.trim() ? JSON.parse(args) : {};
      } catch {
        return done({
          ok: false,
          error: { code: 'INVALID_ARGUMENTS', message: 'arguments are not valid JSON' },
        });
      }
    }
    const validate = this.validatorFor(tool);
    if (!validate)
      return done({ ok: false, error: { code: 'INVALID_ARGUMENTS', message: 'tool schema is invalid' } });
    if (!validate(args))
      return done({
        ok: false,
        error: { code: 'INVALID_ARGUMENTS', message: describeAjvError(validate.errors?.[0]) },
      });

    const signal = AbortSignal.timeout(tool.timeoutMs);
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      accept: 'application/json',
      'user-agent': 'switchboard-ai-server',
    };
    if (tool.secretHeaderName && tool.secretHeaderValue)
      headers[tool.secretHeaderName] = tool.secretHeaderValue;
    let method = 'POST';
    let body: string | undefined = JSON.stringify({
      tool: tool.name,
      arguments: args,
      callSid: ctx.callSid,
      profileKey: ctx.profileKey,
    });
    let url: URL;
    try {
      url = new URL(tool.endpointUrl);
    } catch {
      return done({ ok: false, error: { code: 'ENDPOINT_REFUSED', message: 'endpoint is not a URL' } });
    }
    const origin = url.origin;

    try {
      let res: Response;
      for (let hop = 0; ; hop++) {
        const problem =
          endpointProblem(url.href, this.policy) ??
          (await resolvedAddressProblem(url, this.policy, this.opts.resolve));
        if (problem)
          return done({ ok: false, error: { code: 'ENDPOINT_REFUSED', message: `endpoint ${problem}` } });
        res = await this.fetchImpl(url, {
          method,
          headers: body === undefined ? withoutContentType(headers) : headers,
          body,
          redirect: 'manual',
          signal,
        });
        if (!REDIRECT_STATUSES.has(res.status)) break;
        await res.body?.cancel().catch(() => undefined);
        const location = res.headers.get('location');
        const next = location ? safeUrl(location, url) : undefined;
        if (!next)
          return done({
            ok: false,
            error: {
              code: 'HTTP_ERROR',
              message: `endpoint answered ${res.status} without a valid Location`,
              status: res.status,
            },
          });
        if (next.origin !== origin)
          return done({
            ok: false,
            error: {
              code: 'REDIRECT_REFUSED',
              message: `endpoint redirected to another host (${next.host}); not followed`,
            },
          });
        if (hop >= MAX_REDIRECTS)
          return done({
            ok: false,
            error: { code: 'REDIRECT_REFUSED', message: 'endpoint redirected too many times' },
          });
        if (res.status === 303 || ((res.status === 301 || res.status === 302) && method === 'POST')) {
          method = 'GET';
          body = undefined;
        }
        url = next;
      }

      const declared = Number(res.headers.get('content-length'));
      if (Number.isFinite(declared) && declared > this.policy.maxResponseBytes) {
        await res.body?.cancel().catch(() => undefined);
        return done({ ok: false, error: tooLarge(this.policy.maxResponseBytes) });
      }
      const text = await readCapped(res, this.policy.maxResponseBytes);
      if (text === undefined) return done({ ok: false, error: tooLarge(this.policy.maxResponseBytes) });
      if (!res.ok)
        return done({
          ok: false,
          error: {
            code: 'HTTP_ERROR',
            message: `endpoint answered ${res.status}${text.trim() ? `: ${text.trim().slice(0, 300)}` : ''}`,
            status: res.status,
          },
        });
      let result: unknown = text;
      if (/\bjson\b/i.test(res.headers.get('content-type') ?? '')) {
        if (findTooDeep(text, MAX_TOOL_JSON_DEPTH, true).length)
          return done({
            ok: false,
            error: {
              code: 'BAD_RESPONSE',
              message: `endpoint answered JSON nested deeper than ${MAX_TOOL_JSON_DEPTH} levels`,
              status: res.status,
            },
          });
        try {
          result = text.trim() ? JSON.parse(text) : null;
        } catch {
          return done({
            ok: false,
            error: { code: 'BAD_RESPONSE', message: 'endpoint answered invalid JSON', status: res.status },
          });
        }
      }
      const repaired = repairText(result);
      if (repaired.count)
        this.opts.log?.warn({ tool: tool.name, repaired: repaired.count }, 'tool result text repaired');
      return done({ ok: true, result: repaired.value, status: res.status });
    } catch (err) {
      const name = (err as Error).name;
      if (name === 'TimeoutError' || name === 'AbortError' || signal.aborted)
        return done({
          ok: false,
          error: { code: 'TIMEOUT', message: `endpoint did not answer within ${tool.timeoutMs} ms` },
        });
      const cause = (err as { cause?: { code?: string } }).cause?.code;
      if (cause === CONNECT_REFUSED)
        return done({
          ok: false,
          error: { code: 'ENDPOINT_REFUSED', message: 'endpoint resolves to a non-public address' },
        });
      return done({
        ok: false,
        error: { code: 'NETWORK_ERROR', message: `endpoint unreachable${cause ? ` (${cause})` : ''}` },
      });
    }
  }

  private validatorFor(tool: DynamicToolRecord): ValidateFunction | undefined {
    const version = tool.updatedAt.getTime();
    const cached = this.validators.get(tool.id);
    if (cached && cached.version === version) return cached.validate;
    try {
      const validate = this.ajv.compile(tool.parameters as object);
      this.validators.set(tool.id, { version, validate });
      return validate;
    } catch {
      return undefined;
    }
  }
}

/**
 * A tool's result with NUL removed and unpaired surrogates replaced (Postgres can't store them, and
 * the result reaches the transcript), and how many strings changed.
 */
function repairText(result: unknown): { value: unknown; count: number } {
  if (typeof result === 'string') {
    const r = sanitizeString(result);
    return { value: r.text, count: r.nul + r.surrogates ? 1 : 0 };
  }
  if (result && typeof result === 'object')
    return { value: result, count: sanitizeInPlace(result as Record<string, unknown>, 'result').length };
  return { value: result, count: 0 };
}

function withoutContentType(headers: Record<string, string>): Record<string, string> {
  const { 'content-type': _dropped, ...rest } = headers;
  return rest;
}

function tooLarge(max: number) {
  return { code: 'RESPONSE_TOO_LARGE' as const, message: `endpoint response exceeds ${max} bytes` };
}

function safeUrl(location: string, base: URL): URL | undefined {
  try {
    return new URL(location, base);
  } catch {
    return undefined;
  }
}

/** The body as UTF-8, or undefined once it passes `max` bytes (the rest is not read). */
async function readCapped(res: Response, max: number): Promise<string | undefined> {
  if (!res.body) return '';
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > max) {
      await reader.cancel().catch(() => undefined);
      return undefined;
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** "arguments.city is required" style text naming the field. */
export function describeAjvError(e: ErrorObject | undefined): string {
  if (!e) return 'arguments are invalid';
  const path = `arguments${e.instancePath.replace(/\//g, '.')}`;
  const params = e.params as { missingProperty?: string; additionalProperty?: string };
  if (params.missingProperty) return `${path}.${params.missingProperty} is required`;
  if (params.additionalProperty) return `${path}.${params.additionalProperty} is not allowed`;
  return `${path} ${e.message ?? 'is invalid'}`;
}

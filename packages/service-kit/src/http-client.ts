import { ServiceError } from './errors.ts';
import { withClientSpan } from './tracing.ts';

export interface JsonClientOptions {
  baseUrl: string;
  /** Sent as `Authorization: Bearer <token>`. */
  token?: string;
  timeoutMs?: number;
  /** Injected fetch (tests, custom dispatchers); default global fetch. */
  fetch?: typeof fetch;
}

export interface JsonRequest {
  method?: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  path: string;
  query?: Record<string, string | number | boolean | undefined>;
  body?: unknown;
  timeoutMs?: number;
  headers?: Record<string, string>;
}

/** A small JSON-over-HTTP client between the services. Failures become ServiceErrors with `retryable`. */
export class JsonClient {
  private readonly fetchImpl: typeof fetch;
  constructor(private readonly opts: JsonClientOptions) {
    this.fetchImpl = opts.fetch ?? fetch;
  }

  async request<T>(req: JsonRequest): Promise<T> {
    const url = new URL(this.opts.baseUrl.replace(/\/+$/, '') + req.path);
    for (const [k, v] of Object.entries(req.query ?? {}))
      if (v !== undefined) url.searchParams.set(k, String(v));
    const headers: Record<string, string> = { accept: 'application/json', ...req.headers };
    if (this.opts.token) headers.authorization = `Bearer ${this.opts.token}`;
    if (req.body !== undefined) headers['content-type'] = 'application/json';
    const timeoutMs = req.timeoutMs ?? this.opts.timeoutMs ?? 5000;
    let res: Response;
    const method = req.method ?? (req.body === undefined ? 'GET' : 'POST');
    try {
      res = await withClientSpan(`${method} ${req.path.split('?')[0]}`, headers, () =>
        this.fetchImpl(url, {
          method,
          headers,
          body: req.body === undefined ? undefined : JSON.stringify(req.body),
          signal: AbortSignal.timeout(timeoutMs),
        }),
      );
    } catch (err) {
      const name = (err as Error).name;
      if (name === 'TimeoutError' || name === 'AbortError')
        throw new ServiceError(
          'UPSTREAM_TIMEOUT',
          `${url.pathname} timed out after ${timeoutMs} ms`,
          504,
          true,
        );
      throw new ServiceError('UPSTREAM_UNREACHABLE', `${url.pathname}: ${(err as Error).message}`, 502, true);
    }
    const text = await res.text();
    let data: unknown;
    try {
      data = text ? JSON.parse(text) : undefined;
    } catch {
      throw new ServiceError(
        'UPSTREAM_BAD_RESPONSE',
        `${url.pathname} answered non-JSON (${res.status})`,
        502,
        true,
      );
    }
    if (!res.ok) {
      const e = (data as { error?: { code?: string; message?: string } } | undefined)?.error;
      throw new ServiceError(
        e?.code ?? `HTTP_${res.status}`,
        e?.message ?? `${url.pathname} answered ${res.status}`,
        res.status,
        res.status >= 500 || res.status === 429,
      );
    }
    return data as T;
  }
}

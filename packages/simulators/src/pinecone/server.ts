import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  compileFilter,
  FilterError,
  isPlainObject,
  type Metadata,
  metadataProblem,
} from './metadata-filter.ts';

/**
 * Limits from Pinecone's "Database limits" page: upsert requests ≤ 2 MB (≤ 1,000 records), top_k ≤
 * 10,000, ≤ 1,000 ids per fetch or delete, metadata ≤ 40 KB per record, record ids ≤ 512 characters.
 */
export const PINECONE_LIMITS = {
  upsertBytes: 2 * 1024 * 1024,
  upsertRecords: 1000,
  topK: 10_000,
  idsPerRequest: 1000,
  metadataBytes: 40 * 1024,
  idChars: 512,
} as const;

export interface PineconeSimulatorOptions {
  port?: number;
  host?: string;
  /** The key every request must carry in `Api-Key`. */
  apiKey: string;
  /** The one index this simulator serves (its data plane is this same server). */
  indexName: string;
  dimension: number;
}

export type PineconeOperation = 'upsert' | 'query' | 'delete' | 'stats' | 'fetch' | 'describe';

export interface PineconeSimulator {
  /** The control-plane base, for the SDK's `controllerHostUrl`. */
  controllerUrl: string;
  /** The index host, as `describe_index` answers it. */
  indexHost: string;
  /** Requests served, by operation. */
  readonly requests: Record<PineconeOperation, number>;
  /**
   * The next `count` requests of `op` fail with `status` (500: INTERNAL, 503: UNAVAILABLE, 429…);
   * with `after`, only once that many more have succeeded (a failure halfway through a series).
   */
  failNext(op: PineconeOperation, count?: number, status?: number, opts?: { after?: number }): void;
  /** The next `count` requests of `op` answer only after `ms`. */
  delayNext(op: PineconeOperation, ms: number, count?: number): void;
  /** Records in a namespace (for tests). */
  count(namespace: string): number;
  close(): Promise<void>;
}

/** gRPC status codes, which the data plane's error body (`RpcStatus`) carries. */
const RPC = {
  INVALID_ARGUMENT: 3,
  NOT_FOUND: 5,
  RESOURCE_EXHAUSTED: 8,
  INTERNAL: 13,
  UNAVAILABLE: 14,
  UNAUTHENTICATED: 16,
};
const CONTROL_CODES: Record<number, string> = {
  400: 'INVALID_ARGUMENT',
  401: 'UNAUTHENTICATED',
  404: 'NOT_FOUND',
  429: 'RESOURCE_EXHAUSTED',
  500: 'UNKNOWN',
  503: 'UNAVAILABLE',
};

class PineconeHttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}
const invalid = (message: string) => new PineconeHttpError(400, message);

interface StoredRecord {
  id: string;
  values: number[];
  metadata?: Metadata;
}

/**
 * A protocol-faithful simulator of a Pinecone serverless index: the data plane (`/vectors/upsert`,
 * `/query`, `/vectors/delete`, `/describe_index_stats`, `/vectors/fetch`) with namespaces, metadata
 * filters and cosine scores, and the control plane's `GET /indexes/{name}` (the SDK resolves the index
 * host with it). Errors carry the documented shapes: `{code, message, details}` (a gRPC status) on the
 * data plane, `{error: {code, message}, status}` on the control plane.
 */
export async function startPineconeSimulator(opts: PineconeSimulatorOptions): Promise<PineconeSimulator> {
  const namespaces = new Map<string, Map<string, StoredRecord>>();
  const requests: Record<PineconeOperation, number> = {
    upsert: 0,
    query: 0,
    delete: 0,
    stats: 0,
    fetch: 0,
    describe: 0,
  };
  const failures = new Map<PineconeOperation, number[]>();
  const delays = new Map<PineconeOperation, number[]>();
  let baseUrl = '';

  const server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    const control = path.startsWith('/indexes');
    handle(req, res, path).catch((err: unknown) => {
      const e = err instanceof PineconeHttpError ? err : new PineconeHttpError(500, 'Internal error');
      if (control)
        send(res, e.status, {
          error: { code: CONTROL_CODES[e.status] ?? 'UNKNOWN', message: e.message },
          status: e.status,
        });
      else send(res, e.status, { code: rpcCode(e.status), message: e.message, details: [] });
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse, path: string): Promise<void> {
    if (req.headers['api-key'] !== opts.apiKey) throw new PineconeHttpError(401, 'Invalid API Key');
    const url = new URL(req.url ?? '/', 'http://x');
    if (req.method === 'GET' && path.startsWith('/indexes/')) {
      await gate('describe');
      const name = decodeURIComponent(path.slice('/indexes/'.length));
      if (name !== opts.indexName) throw new PineconeHttpError(404, `Resource ${name} not found`);
      return send(res, 200, {
        name: opts.indexName,
        dimension: opts.dimension,
        metric: 'cosine',
        // A real index answers a bare host name (the SDK adds https://); a local one needs its scheme.
        host: baseUrl,
        spec: { serverless: { cloud: 'aws', region: 'us-east-1' } },
        status: { ready: true, state: 'Ready' },
        vector_type: 'dense',
        deletion_protection: 'disabled',
      });
    }
    if (req.method === 'GET' && path === '/vectors/fetch') {
      await gate('fetch');
      const ids = url.searchParams.getAll('ids');
      if (!ids.length) throw invalid('No IDs provided for fetch query');
      if (ids.length > PINECONE_LIMITS.idsPerRequest)
        throw invalid(`Too many IDs; the limit is ${PINECONE_LIMITS.idsPerRequest}`);
      const namespace = url.searchParams.get('namespace') ?? '';
      const ns = namespaces.get(namespace);
      const vectors: Record<string, StoredRecord> = {};
      for (const id of ids) {
        const r = ns?.get(id);
        if (r) vectors[id] = r;
      }
      return send(res, 200, { vectors, namespace, usage: { readUnits: 1 } });
    }
    if (req.method !== 'POST') throw new PineconeHttpError(404, 'Not Found');
    const op = POST_ROUTES[path];
    if (!op) throw new PineconeHttpError(404, 'Not Found');
    const raw = await readBody(req, op === 'upsert' ? PINECONE_LIMITS.upsertBytes : 8 * 1024 * 1024);
    await gate(op);
    let body: unknown;
    try {
      body = JSON.parse(raw.toString('utf8'));
    } catch {
      throw invalid('Request body is not valid JSON');
    }
    if (!isPlainObject(body)) throw invalid('Request body must be a JSON object');
    if (op === 'upsert') return send(res, 200, upsert(body));
    if (op === 'query') return send(res, 200, query(body));
    if (op === 'delete') return send(res, 200, remove(body));
    return send(res, 200, stats(body));
  }

  async function gate(op: PineconeOperation): Promise<void> {
    requests[op]++;
    const delay = delays.get(op)?.shift();
    if (delay) await new Promise((r) => setTimeout(r, delay));
    const status = failures.get(op)?.shift();
    if (status)
      throw new PineconeHttpError(
        status,
        status === 429 ? 'Too many requests' : status === 503 ? 'Service unavailable' : 'Internal error',
      );
  }

  function namespaceOf(body: Record<string, unknown>): string {
    const ns = body.namespace ?? '';
    if (typeof ns !== 'string') throw invalid('namespace must be a string');
    return ns === '__default__' ? '' : ns;
  }

  function checkValues(values: unknown, what: string): number[] {
    if (!Array.isArray(values) || !values.every((v) => typeof v === 'number' && Number.isFinite(v)))
      throw invalid(`${what} values must be a list of finite numbers`);
    if (values.length !== opts.dimension)
      throw invalid(
        `Vector dimension ${values.length} does not match the dimension of the index ${opts.dimension}`,
      );
    return values as number[];
  }

  function upsert(body: Record<string, unknown>) {
    const vectors = body.vectors;
    if (!Array.isArray(vectors) || vectors.length === 0) throw invalid('vectors must be a non-empty list');
    if (vectors.length > PINECONE_LIMITS.upsertRecords)
      throw invalid(
        `Too many vectors: ${vectors.length}; the limit is ${PINECONE_LIMITS.upsertRecords} per request`,
      );
    const records: StoredRecord[] = vectors.map((v: unknown, i) => {
      if (!isPlainObject(v)) throw invalid(`vectors[${i}] must be an object`);
      if (typeof v.id !== 'string' || !v.id) throw invalid(`vectors[${i}].id must be a non-empty string`);
      if (v.id.length > PINECONE_LIMITS.idChars)
        throw invalid(`Vector ID exceeds the maximum length of ${PINECONE_LIMITS.idChars}`);
      const values = checkValues(v.values, `vectors[${i}]`);
      if (values.every((x) => x === 0))
        throw invalid('Dense vectors must contain at least one non-zero value');
      const problem = metadataProblem(v.metadata);
      if (problem) throw invalid(problem);
      if (v.metadata && Buffer.byteLength(JSON.stringify(v.metadata)) > PINECONE_LIMITS.metadataBytes)
        throw invalid(`Metadata size exceeds the limit of ${PINECONE_LIMITS.metadataBytes} bytes per vector`);
      return { id: v.id, values, ...(v.metadata ? { metadata: v.metadata as Metadata } : {}) };
    });
    const namespace = namespaceOf(body);
    const ns = namespaces.get(namespace) ?? new Map<string, StoredRecord>();
    namespaces.set(namespace, ns);
    for (const r of records) ns.set(r.id, r);
    return { upsertedCount: records.length };
  }

  function query(body: Record<string, unknown>) {
    const topK = body.topK;
    if (typeof topK !== 'number' || !Number.isInteger(topK) || topK < 1)
      throw invalid('topK must be a positive integer');
    if (topK > PINECONE_LIMITS.topK)
      throw invalid(`topK must be less than or equal to ${PINECONE_LIMITS.topK}`);
    const hasVector = body.vector !== undefined;
    const hasId = body.id !== undefined;
    if (hasVector === hasId) throw invalid('Exactly one of vector or id must be provided');
    const namespace = namespaceOf(body);
    const ns = namespaces.get(namespace);
    let vector: number[];
    if (hasId) {
      const r = typeof body.id === 'string' ? ns?.get(body.id) : undefined;
      if (!r) return { results: [], matches: [], namespace, usage: { readUnits: 1 } };
      vector = r.values;
    } else vector = checkValues(body.vector, 'query');
    const keep = body.filter === undefined ? () => true : filterOf(body.filter);
    const norm = Math.hypot(...vector);
    const scored = [...(ns?.values() ?? [])]
      .filter((r) => keep(r.metadata ?? {}))
      .map((r) => ({ r, score: dot(vector, r.values) / (norm * Math.hypot(...r.values) || 1) }))
      .sort((a, b) => b.score - a.score || (a.r.id < b.r.id ? -1 : 1))
      .slice(0, topK);
    return {
      results: [],
      matches: scored.map(({ r, score }) => ({
        id: r.id,
        score,
        values: body.includeValues ? r.values : [],
        ...(body.includeMetadata && r.metadata ? { metadata: r.metadata } : {}),
      })),
      namespace,
      usage: { readUnits: Math.max(1, Math.ceil((ns?.size ?? 0) / 1000)) },
    };
  }

  function remove(body: Record<string, unknown>) {
    const namespace = namespaceOf(body);
    const given = ['ids', 'deleteAll', 'filter'].filter((k) => body[k] !== undefined && body[k] !== false);
    if (given.length !== 1) throw invalid('Exactly one of ids, deleteAll or filter must be provided');
    const ns = namespaces.get(namespace);
    if (body.deleteAll) {
      namespaces.delete(namespace);
      return {};
    }
    if (body.ids !== undefined) {
      const ids = body.ids;
      if (!Array.isArray(ids) || !ids.every((x) => typeof x === 'string'))
        throw invalid('ids must be a list of strings');
      if (ids.length > PINECONE_LIMITS.idsPerRequest)
        throw invalid(`Too many IDs; the limit is ${PINECONE_LIMITS.idsPerRequest}`);
      for (const id of ids) ns?.delete(id);
      return {};
    }
    const keep = filterOf(body.filter);
    for (const [id, r] of ns ?? []) if (keep(r.metadata ?? {})) ns!.delete(id);
    return {};
  }

  function stats(body: Record<string, unknown>) {
    if (body.filter !== undefined)
      throw invalid(
        'Serverless and starter indexes do not support describing index stats with metadata filtering',
      );
    const out: Record<string, { vectorCount: number }> = {};
    let total = 0;
    for (const [name, ns] of namespaces)
      if (ns.size) {
        out[name === '' ? '__default__' : name] = { vectorCount: ns.size };
        total += ns.size;
      }
    return {
      namespaces: out,
      dimension: opts.dimension,
      indexFullness: 0,
      totalVectorCount: total,
      metric: 'cosine',
      vectorType: 'dense',
    };
  }

  await new Promise<void>((resolve) => server.listen(opts.port ?? 0, opts.host ?? '127.0.0.1', resolve));
  const addr = server.address() as AddressInfo;
  baseUrl = `http://${opts.host ?? '127.0.0.1'}:${addr.port}`;
  return {
    controllerUrl: baseUrl,
    indexHost: baseUrl,
    requests,
    failNext(op, count = 1, status = 500, { after = 0 } = {}) {
      const list = failures.get(op) ?? [];
      for (let i = 0; i < after; i++) list.push(0);
      for (let i = 0; i < count; i++) list.push(status);
      failures.set(op, list);
    },
    delayNext(op, ms, count = 1) {
      const list = delays.get(op) ?? [];
      for (let i = 0; i < count; i++) list.push(ms);
      delays.set(op, list);
    },
    count: (namespace) => namespaces.get(namespace)?.size ?? 0,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function filterOf(filter: unknown) {
  try {
    return compileFilter(filter);
  } catch (err) {
    if (err instanceof FilterError) throw invalid(`Invalid filter: ${err.message}`);
    throw err;
  }
}

const POST_ROUTES: Record<string, PineconeOperation | undefined> = {
  '/vectors/upsert': 'upsert',
  '/query': 'query',
  '/vectors/delete': 'delete',
  '/describe_index_stats': 'stats',
};

const dot = (a: number[], b: number[]) => a.reduce((s, x, i) => s + x * b[i]!, 0);

function rpcCode(status: number): number {
  if (status === 400) return RPC.INVALID_ARGUMENT;
  if (status === 401) return RPC.UNAUTHENTICATED;
  if (status === 404) return RPC.NOT_FOUND;
  if (status === 429) return RPC.RESOURCE_EXHAUSTED;
  if (status === 503) return RPC.UNAVAILABLE;
  return RPC.INTERNAL;
}

function send(res: ServerResponse, status: number, body: unknown): void {
  if (res.headersSent) return;
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    let size = 0;
    let over = false;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > limit) over = true;
      else parts.push(c);
    });
    req.on('end', () =>
      over
        ? reject(
            invalid(
              `Request size ${(size / 1048576).toFixed(1)}MB exceeds the maximum supported size of ${limit / 1048576}MB`,
            ),
          )
        : resolve(Buffer.concat(parts)),
    );
    req.on('error', reject);
  });
}

import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { embeddingToBase64, MODEL_DIMENSIONS, simulatedEmbedding } from './embeddings.ts';
import { rerankScore, sigmoid } from './rerank.ts';

export interface KnowledgeSimulatorOptions {
  /** Default 0 (an ephemeral port). */
  port?: number;
  host?: string;
  /** When set, `/v1/*` requires `Authorization: Bearer <apiKey>`; otherwise any bearer key is accepted. */
  apiKey?: string;
  /** Largest request body accepted, bytes (default 8 MiB). */
  maxBodyBytes?: number;
}

export interface KnowledgeSimulatorStats {
  embeddingRequests: number;
  embeddedInputs: number;
  rerankRequests: number;
}

/** A running embeddings + rerank simulator. */
export interface KnowledgeSimulator {
  /** `http://host:port` */
  baseUrl: string;
  /** The value for `OPENAI_BASE_URL` (`baseUrl + '/v1'`). */
  openaiBaseUrl: string;
  /** The TEI-style rerank endpoint (`baseUrl + '/rerank'`). */
  rerankUrl: string;
  readonly stats: KnowledgeSimulatorStats;
  /** The next `count` requests to `endpoint` fail with `status` (default 500). */
  failNext(endpoint: 'embeddings' | 'rerank', count?: number, status?: number): void;
  close(): Promise<void>;
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly param: string | null = null,
    readonly code: string | null = null,
  ) {
    super(message);
  }
}

const MAX_INPUTS = 2048;

/**
 * Starts a deterministic simulator of OpenAI's `POST /v1/embeddings` (OpenAI's request and response
 * shapes, float or base64 encoding, `dimensions`) and of text-embeddings-inference's `POST /rerank`.
 */
export async function startKnowledgeSimulator(
  opts: KnowledgeSimulatorOptions = {},
): Promise<KnowledgeSimulator> {
  const stats: KnowledgeSimulatorStats = { embeddingRequests: 0, embeddedInputs: 0, rerankRequests: 0 };
  const failures = { embeddings: [] as number[], rerank: [] as number[] };
  const maxBody = opts.maxBodyBytes ?? 8 * 1024 * 1024;

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      const e = err instanceof HttpError ? err : new HttpError(500, 'internal simulator error');
      if (req.url?.startsWith('/v1/'))
        send(res, e.status, {
          error: { message: e.message, type: 'invalid_request_error', param: e.param, code: e.code },
        });
      else send(res, e.status, { error: e.message, error_type: e.status === 422 ? 'Validation' : 'Backend' });
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    if (req.method === 'GET' && (path === '/health' || path === '/v1/health'))
      return send(res, 200, { ok: true });
    if (req.method === 'POST' && path === '/v1/embeddings') {
      checkAuth(req);
      stats.embeddingRequests++;
      const injected = failures.embeddings.shift();
      if (injected) throw new HttpError(injected, 'injected failure', null, 'simulated_failure');
      return send(res, 200, embeddings(await readJson(req, maxBody), stats));
    }
    if (req.method === 'POST' && path === '/rerank') {
      stats.rerankRequests++;
      const injected = failures.rerank.shift();
      if (injected) throw new HttpError(injected, 'injected failure');
      return send(res, 200, rerank(await readJson(req, maxBody)));
    }
    throw new HttpError(404, `no route ${req.method} ${path}`, null, 'unknown_url');
  }

  function checkAuth(req: IncomingMessage): void {
    const m = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '');
    if (!m || (opts.apiKey && m[1] !== opts.apiKey))
      throw new HttpError(401, 'Incorrect API key provided.', null, 'invalid_api_key');
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, opts.host ?? '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const host = opts.host ?? '127.0.0.1';
  const baseUrl = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  return {
    baseUrl,
    openaiBaseUrl: `${baseUrl}/v1`,
    rerankUrl: `${baseUrl}/rerank`,
    stats,
    failNext(endpoint, count = 1, status = 500) {
      for (let i = 0; i < count; i++) failures[endpoint].push(status);
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function embeddings(body: unknown, stats: KnowledgeSimulatorStats) {
  const b = asObject(body);
  const model = b.model;
  if (typeof model !== 'string' || !model) throw new HttpError(400, "'model' is required", 'model');
  const defaultDims = MODEL_DIMENSIONS[model];
  if (!defaultDims)
    throw new HttpError(
      404,
      `The model \`${model}\` does not exist or you do not have access to it.`,
      null,
      'model_not_found',
    );
  let dims = defaultDims;
  if (b.dimensions !== undefined) {
    if (model === 'text-embedding-ada-002')
      throw new HttpError(400, 'This model does not support specifying dimensions.', 'dimensions');
    if (
      !Number.isInteger(b.dimensions) ||
      (b.dimensions as number) < 1 ||
      (b.dimensions as number) > defaultDims
    )
      throw new HttpError(400, `'dimensions' must be an integer between 1 and ${defaultDims}`, 'dimensions');
    dims = b.dimensions as number;
  }
  const format = b.encoding_format ?? 'float';
  if (format !== 'float' && format !== 'base64')
    throw new HttpError(400, "'encoding_format' must be 'float' or 'base64'", 'encoding_format');
  const inputs = normaliseInput(b.input);
  stats.embeddedInputs += inputs.length;
  let tokens = 0;
  const data = inputs.map((text, index) => {
    tokens += Math.max(1, Math.ceil(text.length / 4));
    const v = simulatedEmbedding(text, dims);
    return { object: 'embedding', index, embedding: format === 'base64' ? embeddingToBase64(v) : v };
  });
  return { object: 'list', data, model, usage: { prompt_tokens: tokens, total_tokens: tokens } };
}

/** Strings, or token arrays (rendered as their ids, so equal arrays embed equally). */
function normaliseInput(input: unknown): string[] {
  const bad = () => new HttpError(400, "'$.input' is invalid. Please check the API reference.", 'input');
  if (typeof input === 'string') {
    if (!input) throw bad();
    return [input];
  }
  if (!Array.isArray(input) || input.length === 0) throw bad();
  if (input.length > MAX_INPUTS)
    throw new HttpError(400, `'$.input' must have at most ${MAX_INPUTS} items`, 'input');
  if (input.every((x) => typeof x === 'number')) return [input.map((t) => `t${t}`).join(' ')];
  return input.map((x) => {
    if (typeof x === 'string' && x) return x;
    if (Array.isArray(x) && x.length && x.every((t) => typeof t === 'number'))
      return x.map((t) => `t${t}`).join(' ');
    throw bad();
  });
}

function rerank(body: unknown) {
  const b = asObject(body, 422);
  if (typeof b.query !== 'string' || !b.query) throw new HttpError(422, 'query must be a non-empty string');
  if (!Array.isArray(b.texts) || b.texts.length === 0 || !b.texts.every((t) => typeof t === 'string'))
    throw new HttpError(422, 'texts must be a non-empty array of strings');
  const query = b.query;
  const texts = b.texts as string[];
  const raw = b.raw_scores === true;
  const scored = texts.map((text, index) => {
    const s = rerankScore(query, text);
    return { index, score: raw ? s : sigmoid(s), ...(b.return_text === true ? { text } : {}) };
  });
  return scored.sort((x, y) => y.score - x.score || x.index - y.index);
}

function asObject(body: unknown, status = 400): Record<string, unknown> {
  if (!body || typeof body !== 'object' || Array.isArray(body))
    throw new HttpError(status, 'body must be a JSON object');
  return body as Record<string, unknown>;
}

async function readJson(req: IncomingMessage, maxBytes: number): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > maxBytes) throw new HttpError(413, 'request body too large');
    chunks.push(chunk as Buffer);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    throw new HttpError(400, 'We could not parse the JSON body of your request.');
  }
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

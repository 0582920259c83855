import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { closeLocal, LOCAL_HOST, listenLocal } from '../support/local-server.ts';
import { answerFor, readTranscript } from './answer.ts';
import { ApiError, type ParsedRequest, parseChatRequest, parseResponsesRequest } from './requests.ts';

export interface ChatSimulatorOptions {
  port?: number;
  host?: string;
  /** When set, requests must carry `Authorization: Bearer <apiKey>`; otherwise any bearer key passes. */
  apiKey?: string;
  /** Largest request body, bytes (default 4 MiB). */
  maxBodyBytes?: number;
}

/** A failure the next request meets instead of an answer. */
export type ChatFault =
  | { kind: 'rate_limit' }
  | { kind: 'server_error'; status?: 500 | 502 | 503 }
  /** Holds the request unanswered until the client gives up (its timeout) or the simulator closes. */
  | { kind: 'stall' };

export interface ChatRequestRecord {
  api: 'chat.completions' | 'responses';
  model: string;
  schemaName: string | null;
  strict: boolean;
  status: number;
}

export interface ChatSimulator {
  baseUrl: string;
  /** The value for `OPENAI_BASE_URL` (`baseUrl + '/v1'`). */
  openaiBaseUrl: string;
  /** Every request, in order, with how it was answered. */
  readonly requests: readonly ChatRequestRecord[];
  /** The next `count` requests meet `fault`. */
  failNext(fault: ChatFault, count?: number): void;
  /** The next request is answered with exactly this content (an object is sent as its JSON). */
  scriptNext(content: unknown): void;
  close(): Promise<void>;
}

const id = (prefix: string) => `${prefix}${randomBytes(12).toString('hex')}`;
const tokens = (chars: number) => Math.max(1, Math.ceil(chars / 4));

/**
 * Starts a simulator of OpenAI's `POST /v1/chat/completions` and `POST /v1/responses` for structured
 * output: it refuses what the API refuses (no model, an unknown model, a schema strict mode does not
 * accept) with the API's error shapes, and answers with JSON that matches the requested schema, derived
 * from the user turns (the same transcript always gets the same answer).
 */
export async function startChatSimulator(opts: ChatSimulatorOptions = {}): Promise<ChatSimulator> {
  const faults: ChatFault[] = [];
  const scripted: unknown[] = [];
  const requests: ChatRequestRecord[] = [];
  const stalled = new Set<ServerResponse>();
  const maxBody = opts.maxBodyBytes ?? 4 * 1024 * 1024;

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      const e =
        err instanceof ApiError
          ? err
          : new ApiError(
              500,
              'The server had an error while processing your request. Sorry about that!',
              'server_error',
            );
      send(res, e.status, e.body());
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    const api =
      path === '/v1/chat/completions' ? 'chat.completions' : path === '/v1/responses' ? 'responses' : null;
    if (req.method !== 'POST' || !api)
      throw new ApiError(
        404,
        `Invalid URL (${req.method} ${path})`,
        'invalid_request_error',
        null,
        'unknown_url',
      );
    checkAuth(req);
    const body = await readJson(req, maxBody);
    const record: ChatRequestRecord = { api, model: '', schemaName: null, strict: false, status: 0 };
    requests.push(record);
    try {
      const parsed = api === 'chat.completions' ? parseChatRequest(body) : parseResponsesRequest(body);
      Object.assign(record, {
        model: parsed.model,
        schemaName: parsed.format?.name ?? null,
        strict: parsed.format?.strict ?? false,
      });
      const fault = faults.shift();
      if (fault?.kind === 'stall') {
        record.status = -1;
        stalled.add(res);
        res.on('close', () => stalled.delete(res));
        return;
      }
      if (fault) throw faultError(fault, parsed.model);
      const text = contentFor(parsed);
      record.status = 200;
      send(res, 200, api === 'chat.completions' ? chatCompletion(parsed, text) : response(parsed, text));
    } catch (err) {
      record.status = err instanceof ApiError ? err.status : 500;
      throw err;
    }
  }

  function contentFor(p: ParsedRequest): string {
    if (scripted.length) {
      const s = scripted.shift();
      return typeof s === 'string' ? s : JSON.stringify(s);
    }
    const reading = readTranscript(p.userText);
    if (!p.format) return reading.summary;
    return JSON.stringify(answerFor(p.format.schema, reading));
  }

  function checkAuth(req: IncomingMessage): void {
    const m = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '');
    if (!m || (opts.apiKey && m[1] !== opts.apiKey))
      throw new ApiError(
        401,
        'Incorrect API key provided.',
        'invalid_request_error',
        null,
        'invalid_api_key',
      );
  }

  const host = opts.host ?? LOCAL_HOST;
  const port = await listenLocal(server, opts.port ?? 0, host);
  const baseUrl = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  return {
    baseUrl,
    openaiBaseUrl: `${baseUrl}/v1`,
    requests,
    failNext(fault, count = 1) {
      for (let i = 0; i < count; i++) faults.push(fault);
    },
    scriptNext(content) {
      scripted.push(content);
    },
    async close() {
      for (const res of stalled) res.destroy();
      await closeLocal(server);
    },
  };
}

/** The errors OpenAI sends for these outages (types and codes as the API reports them). */
function faultError(f: Exclude<ChatFault, { kind: 'stall' }>, model: string): ApiError {
  if (f.kind === 'rate_limit')
    return new ApiError(
      429,
      `Rate limit reached for ${model} in organization org-simulated on requests per min (RPM): Limit 3, Used 3, Requested 1. Please try again in 20s.`,
      'requests',
      null,
      'rate_limit_exceeded',
    );
  return new ApiError(
    f.status ?? 500,
    'The server had an error while processing your request. Sorry about that!',
    'server_error',
  );
}

function chatCompletion(p: ParsedRequest, text: string) {
  const prompt = tokens(p.inputChars + p.userText.length);
  const completion = tokens(text.length);
  return {
    id: id('chatcmpl-'),
    object: 'chat.completion',
    created: Math.floor(Date.now() / 1000),
    model: p.model,
    choices: [
      {
        index: 0,
        message: { role: 'assistant', content: text, refusal: null, annotations: [] },
        logprobs: null,
        finish_reason: 'stop',
      },
    ],
    usage: { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion },
    system_fingerprint: 'fp_simulated',
  };
}

function response(p: ParsedRequest, text: string) {
  const input = tokens(p.inputChars + p.userText.length);
  const output = tokens(text.length);
  return {
    id: id('resp_'),
    object: 'response',
    created_at: Math.floor(Date.now() / 1000),
    status: 'completed',
    error: null,
    incomplete_details: null,
    model: p.model,
    output: [
      {
        type: 'message',
        id: id('msg_'),
        status: 'completed',
        role: 'assistant',
        content: [{ type: 'output_text', text, annotations: [] }],
      },
    ],
    text: {
      format: p.format
        ? { type: 'json_schema', name: p.format.name, schema: p.format.schema, strict: p.format.strict }
        : { type: 'text' },
    },
    usage: { input_tokens: input, output_tokens: output, total_tokens: input + output },
  };
}

async function readJson(req: IncomingMessage, maxBytes: number): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > maxBytes) throw new ApiError(413, 'Request body too large.');
    chunks.push(chunk as Buffer);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    throw new ApiError(
      400,
      "We could not parse the JSON body of your request. (HINT: This likely means you aren't using your HTTP library correctly. The OpenAI API expects a JSON payload, but what was sent was not valid JSON.)",
    );
  }
}

function send(res: ServerResponse, status: number, body: unknown): void {
  if (res.headersSent || res.destroyed) return;
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
    'x-request-id': id('req_'),
  });
  res.end(text);
}

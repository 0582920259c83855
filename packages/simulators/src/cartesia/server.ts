/**
 * The Cartesia simulator: the speech-to-text WebSocket at `/stt/websocket` (ink-whisper and ink-2,
 * manual finalize), where the SDK's `stt.manualFinalize.websocket(...)` connects when
 * `CARTESIA_BASE_URL` (the client's `baseURL`) points here. The key is taken as the SDK sends it
 * (`Authorization: Bearer`), or as `X-API-Key` or `?api_key=`; a wrong one refuses the handshake with
 * 401. Parameters are checked once connected: a bad one gets the STT `error` message and close 1008.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import { closeLocal, listenLocal } from '../support/local-server.ts';
import { StateWaiters } from '../support/waiters.ts';
import { STT_ENCODINGS, type SttEncoding } from './encoding.ts';
import { type SttFaults, SttSession, type SttSessionParams } from './stt-session.ts';

/** STT models the simulator transcribes with. */
export const STT_MODELS = ['ink-whisper', 'ink-whisper-2025-06-04', 'ink-2'] as const;

/** Options of {@link startCartesiaSimulator}; all optional. */
export interface CartesiaSimulatorOptions {
  /** Accept only this key (default: any non-empty key). */
  apiKey?: string;
  faults?: SttFaults;
  host?: string;
  port?: number;
}

/** A running simulator. */
export interface CartesiaSimulator {
  /** `http://127.0.0.1:PORT`: `CARTESIA_BASE_URL`, the SDK's `baseURL`. */
  readonly baseUrl: string;
  readonly port: number;
  readonly sessions: readonly SttSession[];
  /** Resolves with session `index` once it exists (default: the next). */
  session(index?: number, timeoutMs?: number): Promise<SttSession>;
  setFaults(faults: SttFaults): void;
  close(): Promise<void>;
}

/** Starts the simulator on 127.0.0.1 (ephemeral port unless `port` is given). */
export async function startCartesiaSimulator(
  options: CartesiaSimulatorOptions = {},
): Promise<CartesiaSimulator> {
  let faults: SttFaults = { ...options.faults };
  const sessions: SttSession[] = [];
  const waiters = new StateWaiters();
  const wss = new WebSocketServer({ noServer: true });
  const server: Server = createServer((_req, res) => {
    res.writeHead(404, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ error: 'Not found', status_code: 404 }));
  });
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', () => {});
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (url.pathname !== '/stt/websocket') return refuse(socket, 404, 'Not Found', 'Not found');
    const key = apiKeyOf(req, url);
    if (!key || (options.apiKey !== undefined && key !== options.apiKey)) {
      return refuse(socket, 401, 'Unauthorized', 'Invalid API key');
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      const checked = readParams(url, req);
      const session = new SttSession(
        ws,
        typeof checked === 'string' ? placeholderParams(url) : checked,
        () => faults,
      );
      sessions.push(session);
      if (typeof checked === 'string')
        session.fail({ status_code: 400, title: 'Invalid request', message: checked }, 1008);
      waiters.notify();
    });
  });
  const port = await listenLocal(server, options.port, options.host);
  return {
    baseUrl: `http://${options.host ?? '127.0.0.1'}:${port}`,
    port,
    sessions,
    session(index = sessions.length, timeoutMs = 5000) {
      return waiters.until(
        () => sessions[index],
        timeoutMs,
        `no Cartesia session #${index} within ${timeoutMs} ms`,
      );
    },
    setFaults(next) {
      faults = { ...faults, ...next };
    },
    async close() {
      for (const client of wss.clients) client.terminate();
      await closeLocal(server, wss);
    },
  };
}

function apiKeyOf(req: IncomingMessage, url: URL): string | null {
  const bearer = /^Bearer\s+(\S+)$/i.exec(String(req.headers.authorization ?? ''))?.[1];
  const header = req.headers['x-api-key'];
  return bearer ?? (typeof header === 'string' ? header : null) ?? url.searchParams.get('api_key');
}

/** The session parameters, or what is wrong with them. */
function readParams(url: URL, req: IncomingMessage): SttSessionParams | string {
  const q = url.searchParams;
  if (!req.headers['cartesia-version'] && !q.get('cartesia_version')) {
    return 'Missing the Cartesia-Version header (or cartesia_version query parameter).';
  }
  const model = q.get('model');
  if (!model || !(STT_MODELS as readonly string[]).includes(model)) {
    return `Invalid model: expected one of ${STT_MODELS.join(', ')}.`;
  }
  const encoding = q.get('encoding');
  if (!encoding || !(STT_ENCODINGS as readonly string[]).includes(encoding)) {
    return `Invalid encoding: expected one of ${STT_ENCODINGS.join(', ')}.`;
  }
  const sampleRate = Number(q.get('sample_rate'));
  if (!Number.isInteger(sampleRate) || sampleRate < 8000 || sampleRate > 48000) {
    return 'Invalid sample_rate: expected an integer from 8000 to 48000.';
  }
  const language = q.get('language') ?? 'en';
  const silence = q.get('max_silence_duration_secs');
  const maxSilenceS = silence === null ? null : Number(silence);
  if (maxSilenceS !== null && !(maxSilenceS > 0 && maxSilenceS <= 10)) {
    return 'Invalid max_silence_duration_secs: expected a number above 0 and at most 10.';
  }
  const whisper = model.startsWith('ink-whisper');
  return {
    model,
    encoding: encoding as SttEncoding,
    sampleRate,
    language,
    maxSilenceMs: whisper && maxSilenceS !== null ? maxSilenceS * 1000 : null,
  };
}

function placeholderParams(url: URL): SttSessionParams {
  return {
    model: url.searchParams.get('model') ?? '',
    encoding: 'pcm_s16le',
    sampleRate: 16000,
    language: 'en',
    maxSilenceMs: null,
  };
}

function refuse(socket: Duplex, status: number, statusText: string, message: string): void {
  const body = JSON.stringify({ error: message, status_code: status });
  socket.end(
    `HTTP/1.1 ${status} ${statusText}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}

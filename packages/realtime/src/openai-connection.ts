import { connect as netConnect } from 'node:net';
import OpenAI from 'openai';
import { OpenAIRealtimeWS } from 'openai/realtime/ws';
import { AsyncQueue } from './async-queue.ts';
import { decodeServerEvent } from './event-guards.ts';
import type {
  RealtimeClientEvent,
  RealtimeCloseInfo,
  RealtimeConnection,
  RealtimeConnector,
  RealtimeEventResult,
} from './types.ts';

export interface OpenAIRealtimeOptions {
  apiKey: string;
  model: string;
  /**
   * The Realtime endpoint, e.g. `wss://api.openai.com/v1/realtime` or a local simulator's
   * `ws://127.0.0.1:PORT/v1/realtime`. ws:// is reached over a plain TCP socket, since the SDK always
   * asks for wss.
   */
  realtimeUrl: string;
  /** Gives up opening after this long. */
  connectTimeoutMs?: number;
}

/** The SDK's base URL for a Realtime URL: `.../v1/realtime` → `https://host/v1`. */
export function sdkBaseUrlFor(realtimeUrl: string): { baseURL: string; plaintext: boolean } {
  const u = new URL(realtimeUrl);
  const plaintext = u.protocol === 'ws:' || u.protocol === 'http:';
  const path = u.pathname.replace(/\/realtime\/?$/, '') || '/v1';
  const port = u.port || (plaintext ? '80' : '443');
  return { baseURL: `${plaintext ? 'http' : 'https'}://${u.hostname}:${port}${path}`, plaintext };
}

/** A connector that opens Realtime sockets with the openai SDK's `OpenAIRealtimeWS`. */
export function openAIRealtimeConnector(opts: OpenAIRealtimeOptions): RealtimeConnector {
  const { baseURL, plaintext } = sdkBaseUrlFor(opts.realtimeUrl);
  const client = new OpenAI({ apiKey: opts.apiKey, baseURL, maxRetries: 0 });
  return (signal) => openConnection(client, opts, plaintext, signal);
}

// ws hands createConnection its request options, whose `path` is the HTTP path: connect by host and port only.
function plainTcp(o: { host?: string; port?: number | string }) {
  return netConnect(Number(o.port), o.host ?? '127.0.0.1');
}

function openConnection(
  client: OpenAI,
  opts: OpenAIRealtimeOptions,
  plaintext: boolean,
  signal?: AbortSignal,
): Promise<RealtimeConnection> {
  const rt = new OpenAIRealtimeWS(
    {
      model: opts.model,
      options: plaintext ? { createConnection: plainTcp as unknown as typeof netConnect } : {},
    },
    client,
  );
  const events = new AsyncQueue<RealtimeEventResult>();
  let closedByClient = false;
  let lastError: Error | undefined;
  let resolveClosed!: (info: RealtimeCloseInfo) => void;
  const closed = new Promise<RealtimeCloseInfo>((r) => {
    resolveClosed = r;
  });

  // The SDK's socket, held here: every caller frame reaches it without the SDK's object in between.
  const socket = rt.socket;
  const { OPEN, CONNECTING } = socket;
  // Read events straight off the socket: one JSON.parse and one check per event, no emitter fan-out.
  // The SDK still opens the socket, authenticates and reports socket errors.
  socket.removeAllListeners('message');
  socket.on('message', (data) => events.push(decodeServerEvent(String(data))));
  // Error events arrive through 'event' too; this listener keeps the SDK from raising them.
  rt.on('error', (err) => {
    if (!(err as { error?: unknown }).error) lastError = err;
  });
  socket.on('close', (code, reason) => {
    events.end();
    resolveClosed({ code, reason: reason.toString(), byClient: closedByClient, error: lastError });
  });

  const connection: RealtimeConnection = {
    send(event: RealtimeClientEvent) {
      if (socket.readyState === OPEN) rt.send(event);
    },
    appendAudio(audioBase64: string) {
      if (socket.readyState === OPEN)
        socket.send(`{"type":"input_audio_buffer.append","audio":"${audioBase64}"}`);
    },
    events,
    closed,
    close(code = 1000, reason = 'call ended') {
      closedByClient = true;
      if (socket.readyState === CONNECTING) socket.terminate();
      else rt.close({ code, reason });
    },
  };

  return new Promise<RealtimeConnection>((resolve, reject) => {
    const timeoutMs = opts.connectTimeoutMs ?? 10_000;
    const timer = setTimeout(
      () => fail(new Error(`Realtime socket did not open within ${timeoutMs} ms`)),
      timeoutMs,
    );
    const onAbort = () => fail(new Error('aborted'));
    signal?.addEventListener('abort', onAbort, { once: true });
    function cleanup() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      socket.off('open', onOpen);
      socket.off('unexpected-response', onUnexpected);
    }
    function fail(err: Error) {
      cleanup();
      closedByClient = true;
      socket.terminate();
      reject(err);
    }
    function onOpen() {
      cleanup();
      resolve(connection);
    }
    function onUnexpected(_req: unknown, res: { statusCode?: number }) {
      // The status travels with the error: 401/403/404 are refusals no retry can fix.
      fail(
        Object.assign(new Error(`Realtime upgrade refused with HTTP ${res.statusCode}`), {
          status: res.statusCode,
        }),
      );
    }
    socket.once('open', onOpen);
    socket.once('unexpected-response', onUnexpected);
    closed.then((info) =>
      fail(info.error ?? new Error(`Realtime socket closed before opening (${info.code})`)),
    );
  });
}

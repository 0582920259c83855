/**
 * Pointing the official openai SDK's `OpenAIRealtimeWS` at a ws:// endpoint (the simulator, or any
 * `OPENAI_REALTIME_URL`). The SDK builds its URL from `baseURL` + `/realtime?model=...` and always
 * switches the scheme to wss; for a plain ws:// target we hand `ws` a `createConnection` that opens
 * a plain TCP socket, so the "wss" request travels unencrypted to the local server.
 */
import { connect, type NetConnectOpts, type TcpNetConnectOpts } from 'node:net';
import type { OpenAIRealtimeWS } from 'openai/realtime/ws';
import type { ClientOptions } from 'ws';

/** What to pass to `new OpenAI({ baseURL })` and `new OpenAIRealtimeWS({ model, options })`. */
export interface RealtimeSdkTarget {
  /** For the OpenAI client: `http(s)://host:port/v1`. */
  baseURL: string;
  /** The `model` query parameter of the URL, if it had one. */
  model: string | null;
  /** For `OpenAIRealtimeWS`'s `options` (the `ws` client options). Empty for wss:// URLs. */
  wsOptions: Pick<ClientOptions, 'createConnection'>;
}

/**
 * Turns a Realtime WebSocket URL (`ws://127.0.0.1:PORT/v1/realtime`, optionally with `?model=`)
 * into SDK settings. wss:// URLs need no trick; ws:// ones get a plain-TCP `createConnection`.
 */
export function realtimeSdkTarget(realtimeUrl: string): RealtimeSdkTarget {
  const url = new URL(realtimeUrl);
  if (!['ws:', 'wss:', 'http:', 'https:'].includes(url.protocol)) {
    throw new Error(`unsupported Realtime URL scheme: ${url.protocol}`);
  }
  const secure = url.protocol === 'wss:' || url.protocol === 'https:';
  const path = url.pathname.replace(/\/+$/, '').replace(/\/realtime$/, '');
  const baseURL = `${secure ? 'https' : 'http'}://${url.host}${path}`;
  const model = url.searchParams.get('model');
  if (secure) return { baseURL, model, wsOptions: {} };
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const port = Number(url.port || 80);
  return {
    baseURL,
    model,
    // the SDK rewrites the scheme to wss; connecting plain TCP here keeps the ws:// target working
    wsOptions: { createConnection: plainTcpConnect(host, port) },
  };
}

function plainTcpConnect(host: string, port: number): typeof connect {
  const open = (options: NetConnectOpts) => {
    const tcp = options as TcpNetConnectOpts;
    return connect({ host: tcp.host || host, port: Number(tcp.port) || port });
  };
  return open as typeof connect;
}

/** Options of {@link connectRealtimeSdk}. */
export interface ConnectRealtimeSdkOptions {
  /** Model query parameter (default: the URL's, else `gpt-realtime`). */
  model?: string;
  /** Bearer key the SDK sends (default `sk-simulator`). */
  apiKey?: string;
  /** Give up opening after this long (default 5000 ms). */
  timeoutMs?: number;
}

/**
 * Opens the official SDK's `OpenAIRealtimeWS` against a simulator (or any ws:// / wss:// Realtime
 * URL) and resolves once `session.created` has arrived (so no event is missed before listeners are
 * attached; register your own listeners synchronously after `new OpenAIRealtimeWS` to see it). Attach an `error` listener before the server can send
 * an `error` event: without one the SDK turns it into an unhandled rejection.
 * The `openai` package is loaded on first use, so importing this module does not require it.
 */
export async function connectRealtimeSdk(
  target: { url: string } | string,
  options: ConnectRealtimeSdkOptions = {},
): Promise<OpenAIRealtimeWS> {
  const sdkTarget = realtimeSdkTarget(typeof target === 'string' ? target : target.url);
  const [{ default: OpenAI }, { OpenAIRealtimeWS: RealtimeWS }] = await Promise.all([
    import('openai'),
    import('openai/realtime/ws'),
  ]);
  const client = new OpenAI({ apiKey: options.apiKey ?? 'sk-simulator', baseURL: sdkTarget.baseURL });
  const rt = new RealtimeWS(
    { model: options.model ?? sdkTarget.model ?? 'gpt-realtime', options: sdkTarget.wsOptions },
    client,
  );
  const timeoutMs = options.timeoutMs ?? 5000;
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(
      () => fail(new Error(`Realtime session was not created within ${timeoutMs} ms`)),
      timeoutMs,
    );
    const cleanup = () => {
      clearTimeout(timer);
      rt.off('session.created', onSessionCreated);
      rt.off('error', onError);
      rt.socket.off('unexpected-response', onUnexpected);
    };
    const fail = (err: Error) => {
      cleanup();
      // the caller never gets this client, so its abort error must not become an unhandled rejection
      rt.on('error', () => {});
      rt.socket.terminate();
      reject(err);
    };
    const onSessionCreated = () => {
      cleanup();
      resolve();
    };
    const onUnexpected = (_req: unknown, res: { statusCode?: number }) =>
      fail(new Error(`Realtime upgrade refused with HTTP ${res.statusCode ?? '?'}`));
    // the SDK reports socket errors and `error` events through its own emitter
    const onError = (err: Error) => fail(err);
    rt.once('session.created', onSessionCreated);
    rt.on('error', onError);
    rt.socket.once('unexpected-response', onUnexpected);
  });
  return rt;
}

/**
 * The Realtime simulator server: a WebSocket endpoint at `/v1/realtime?model=...` on 127.0.0.1
 * that checks the upgrade like the real API (path, bearer key, model) and runs one
 * {@link RealtimeSimSession} per connection.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { type WebSocket, WebSocketServer } from 'ws';
import { closeLocal, listenLocal } from '../support/local-server.ts';
import { StateWaiters } from '../support/waiters.ts';
import { ClientSecretStore, type SecretLookup } from './client-secrets.ts';
import { handleClientSecrets } from './client-secrets-http.ts';
import { type FaultPlan, mergeFaultPlans } from './faults.ts';
import { apiError, bearerKey } from './http-auth.ts';
import { type Pacing, type SimClock, systemClock } from './pacing.ts';
import { loadReplyAudio, type ReplyAudio, type ReplyAudioSource } from './reply-audio.ts';
import { loadScenario, parseScenario, type Scenario } from './scenario.ts';
import { type RealtimeSimObserver, RealtimeSimSession } from './session.ts';
import type { SimSessionConfig } from './session-config.ts';
import { type ModelTiming, parseModelTiming } from './timing.ts';

/** Options of {@link startRealtimeSimulator}; all optional. */
export interface RealtimeSimulatorOptions {
  /** What the assistant says: an object, or the path of a scenario JSON file. */
  scenario?: Scenario | string;
  /** Delta pacing (default `realtime`). Tests usually want `burst`. */
  pacing?: Pacing;
  /** Reply audio (default: the built-in tone). */
  audio?: ReplyAudioSource;
  /** Audio per `response.output_audio.delta` (default 100 ms). */
  audioChunkMs?: number;
  /** Faults for every session (a scenario's faults and per-session changes override). */
  faults?: FaultPlan;
  /** Shorthand for `faults.sessionExpiresAfterMs`: the session_expired error + close 1001 after this long. */
  maxSessionDurationMs?: number;
  /** When set, only this exact bearer key is accepted (anything else gets 401). */
  apiKey?: string;
  /** Listen host (default 127.0.0.1) and port (default 0 = ephemeral). */
  host?: string;
  port?: number;
  /** Clock for timestamps, pacing and timers (default: the process clock). */
  clock?: SimClock;
  /** Keep base64 audio in the event log (default true; turn off for long benchmark calls). */
  logAudioPayloads?: boolean;
  /**
   * Keep audio events (`input_audio_buffer.append`, `response.output_audio.delta`) in the event log at
   * all (default true). Off, a session's log holds every other event and grows with turns, not with
   * audio: 50 appends a second per call otherwise stay in it for the whole session (a long-running
   * server, a benchmark of many calls). The observer sees them either way.
   */
  logAudioEvents?: boolean;
  /** Synchronous hooks on every session's events (benchmarks); none by default. */
  observer?: RealtimeSimObserver;
  /**
   * Model timing: `instant` (default), `realistic` (response.created 150–400 ms after the request,
   * first audio 300–700 ms, audio at 1–5 × real time; seeded), or realistic with ranges of your own.
   */
  timing?: ModelTiming;
  /** Commit → input transcript under instant timing, unless a turn says (default 400 ms). */
  transcriptionDelayMs?: number;
}

/** A running simulator. */
export interface RealtimeSimulator {
  /** `ws://127.0.0.1:PORT/v1/realtime` (add `?model=...`, or let the SDK do it). */
  readonly url: string;
  readonly port: number;
  /** Every session so far, in connection order. */
  readonly sessions: readonly RealtimeSimSession[];
  /** Calls `listener` for each new session; returns an unsubscribe function. */
  onSession(listener: (session: RealtimeSimSession) => void): () => void;
  /** Resolves with the session at `index` (connection order) once it exists; default: the next one. */
  session(index?: number, timeoutMs?: number): Promise<RealtimeSimSession>;
  /** Faults for sessions that connect from now on (merged into the current plan, field by field). */
  setFaults(plan: FaultPlan): void;
  /** Replaces the whole fault plan for sessions that connect from now on (none: no faults). */
  resetFaults(plan?: FaultPlan): void;
  /** Scenario for sessions that connect from now on. */
  setScenario(scenario: Scenario): void;
  /** Model timing for sessions that connect from now on. */
  setTiming(timing: ModelTiming): void;
  /** Drops every session socket (no close frame) and stops the server. */
  close(): Promise<void>;
}

/** Default size of an audio delta. */
export const DEFAULT_AUDIO_CHUNK_MS = 100;
/** Default commit → input transcript delay (a fast transcription model's typical latency). */
export const DEFAULT_TRANSCRIPTION_DELAY_MS = 400;
/** The path the real API serves the Realtime WebSocket on. */
export const REALTIME_PATH = '/v1/realtime';

/** Starts a simulator listening on 127.0.0.1 (ephemeral port unless `port` is given). */
export async function startRealtimeSimulator(
  options: RealtimeSimulatorOptions = {},
): Promise<RealtimeSimulator> {
  let scenario: Scenario =
    typeof options.scenario === 'string'
      ? await loadScenario(options.scenario)
      : parseScenario(options.scenario ?? {});
  const replyAudio: ReplyAudio = await loadReplyAudio(options.audio);
  const clock = options.clock ?? systemClock;
  let faults: FaultPlan = mergeFaultPlans(
    options.maxSessionDurationMs === undefined
      ? undefined
      : { sessionExpiresAfterMs: options.maxSessionDurationMs },
    options.faults,
  );
  let timing: ModelTiming | undefined =
    options.timing === undefined ? undefined : parseModelTiming(options.timing);
  const sessions: RealtimeSimSession[] = [];
  const listeners = new Set<(s: RealtimeSimSession) => void>();
  const waiters = new StateWaiters();
  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: 16 * 1024 * 1024,
    handleProtocols: (protocols) => (protocols.has('realtime') ? 'realtime' : false),
  });

  const secrets = new ClientSecretStore();
  const accept = (socket: WebSocket, model: string, minted?: SimSessionConfig) => {
    const session = new RealtimeSimSession(socket, {
      model,
      ...(minted ? { initialConfig: minted } : {}),
      scenario,
      replyAudio,
      pacing: options.pacing ?? 'realtime',
      audioChunkMs: options.audioChunkMs ?? DEFAULT_AUDIO_CHUNK_MS,
      faults,
      clock,
      logAudioPayloads: options.logAudioPayloads ?? true,
      logAudioEvents: options.logAudioEvents ?? true,
      ...(options.observer ? { observer: options.observer } : {}),
      ...(timing !== undefined ? { timing } : {}),
      sessionIndex: sessions.length,
      transcriptionDelayMs: options.transcriptionDelayMs ?? DEFAULT_TRANSCRIPTION_DELAY_MS,
    });
    sessions.push(session);
    for (const listener of listeners) listener(session);
    waiters.notify();
  };

  const server: Server = createServer((req, res) => {
    if (handleClientSecrets(req, res, { secrets, clock, apiKey: options.apiKey })) return;
    const body = JSON.stringify(
      apiError('invalid_request_error', 'Not found. Connect with a WebSocket upgrade.'),
    );
    res.writeHead(req.url?.startsWith(REALTIME_PATH) ? 426 : 404, { 'content-type': 'application/json' });
    res.end(body);
  });
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', () => {
      // the client went away during the handshake; nothing to clean up
    });
    const rejection = checkUpgrade(req, options.apiKey, (key) => secrets.lookup(key, clock.now()));
    if ('status' in rejection) {
      rejectUpgrade(socket, rejection.status, rejection.body);
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => accept(ws, rejection.model, rejection.minted));
  });

  const port = await listenLocal(server, options.port, options.host);
  const host = options.host ?? '127.0.0.1';

  return {
    url: `ws://${host.includes(':') ? `[${host}]` : host}:${port}${REALTIME_PATH}`,
    port,
    get sessions() {
      return sessions;
    },
    onSession(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    session(index = sessions.length, timeoutMs = 5000) {
      return waiters.until(
        () => sessions[index],
        timeoutMs,
        `no realtime session #${index} within ${timeoutMs} ms`,
      );
    },
    setFaults(plan) {
      faults = mergeFaultPlans(faults, plan);
    },
    resetFaults(plan) {
      faults = mergeFaultPlans(plan);
    },
    setScenario(next) {
      scenario = parseScenario(next);
    },
    setTiming(next) {
      timing = parseModelTiming(next);
    },
    async close() {
      for (const s of sessions) s.dropSocket('terminate');
      await closeLocal(server, wss);
    },
  };
}

type UpgradeCheck =
  | { model: string; minted?: SimSessionConfig }
  | { status: number; body: Record<string, unknown> };

function checkUpgrade(
  req: IncomingMessage,
  requiredKey: string | undefined,
  lookupSecret: (key: string) => SecretLookup,
): UpgradeCheck {
  const url = new URL(req.url ?? '/', 'http://localhost');
  if (url.pathname !== REALTIME_PATH) {
    return { status: 404, body: apiError('invalid_request_error', `Invalid URL (GET ${url.pathname})`) };
  }
  const key = bearerKey(req);
  if (key?.startsWith('ek_')) return checkEphemeralKey(url, lookupSecret(key));
  if (!key || (requiredKey !== undefined && key !== requiredKey)) {
    return {
      status: 401,
      body: apiError(
        'invalid_request_error',
        key
          ? 'Incorrect API key provided.'
          : "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY).",
        key ? 'invalid_api_key' : null,
      ),
    };
  }
  if (String(req.headers['openai-beta'] ?? '').includes('realtime=v1')) {
    return {
      status: 400,
      body: apiError(
        'invalid_request_error',
        'The simulator speaks only the GA Realtime protocol; drop the OpenAI-Beta header.',
      ),
    };
  }
  const model = url.searchParams.get('model');
  if (!model) {
    return {
      status: 400,
      body: apiError(
        'invalid_request_error',
        "Missing required parameter: 'model'.",
        'missing_required_parameter',
      ),
    };
  }
  return { model };
}

/**
 * An ephemeral key opens a session with the configuration it was minted with, model included; the
 * URL may repeat that model but not name another (a relay that appended `?model=` to an `ek_` URL was
 * refused: maximhq/bifrost#5136). An unknown or expired key is refused like a wrong API key.
 */
function checkEphemeralKey(url: URL, found: SecretLookup): UpgradeCheck {
  if (!found || 'expired' in found) {
    const message = found ? 'Your client secret has expired.' : 'Incorrect API key provided.';
    return { status: 401, body: apiError('invalid_request_error', message, 'invalid_api_key') };
  }
  const asked = url.searchParams.get('model');
  if (asked !== null && asked !== found.session.model) {
    return {
      status: 400,
      body: apiError(
        'invalid_request_error',
        `The client secret was created for model '${found.session.model}', not '${asked}'.`,
        'invalid_value',
      ),
    };
  }
  return { model: found.session.model, minted: found.session };
}

const STATUS_TEXT: Record<number, string> = { 400: 'Bad Request', 401: 'Unauthorized', 404: 'Not Found' };

function rejectUpgrade(socket: Duplex, status: number, body: Record<string, unknown>): void {
  const text = JSON.stringify(body);
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_TEXT[status] ?? 'Error'}\r\n` +
      'Content-Type: application/json\r\n' +
      `Content-Length: ${Buffer.byteLength(text)}\r\n` +
      'Connection: close\r\n\r\n' +
      text,
  );
}

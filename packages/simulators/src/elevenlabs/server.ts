/**
 * The ElevenLabs simulator: one local server for the text-to-speech WebSockets
 * (`/v1/text-to-speech/{voice_id}/stream-input` and `/multi-stream-input`) and Scribe
 * (`POST /v1/speech-to-text`). Point `ELEVENLABS_BASE_URL` (the SDK's `baseUrl`) at `baseUrl`.
 * Handshakes are checked like the API checks them: the `xi-api-key` header, a known voice and model,
 * an `output_format` the simulator can render, `inactivity_timeout` within 1–180 s.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import { type SimClock, systemClock } from '../openai-realtime/pacing.ts';
import { parseScenario, type Scenario, ScenarioPlayer } from '../openai-realtime/scenario.ts';
import { closeLocal, listenLocal } from '../support/local-server.ts';
import { StateWaiters } from '../support/waiters.ts';
import {
  type ApiError,
  detailError,
  INVALID_API_KEY,
  refuseUpgrade,
  sendError,
  validationError,
} from './errors.ts';
import { parseOutputFormat, SIMULATED_OUTPUT_FORMATS } from './output-format.ts';
import { type ScribeRequest, type ScribeScriptStep, transcribe } from './scribe.ts';
import { TtsConnection, type TtsFaults } from './tts-connection.ts';

/** Models the text-to-speech endpoints accept. */
export const TTS_MODELS = [
  'eleven_flash_v2_5',
  'eleven_flash_v2',
  'eleven_turbo_v2_5',
  'eleven_turbo_v2',
  'eleven_multilingual_v2',
  'eleven_v3',
] as const;

/** Options of {@link startElevenLabsSimulator}; all optional. */
export interface ElevenLabsSimulatorOptions {
  /** Accept only this key (default: any non-empty key). */
  apiKey?: string;
  /** Voice ids that exist (default: any id of 20 letters and digits, ElevenLabs' shape). */
  voices?: string[];
  /** Wait before each generation's first audio (default 0). */
  synthesisDelayMs?: number;
  /** Faults for text-to-speech connections (changeable with `setFaults`). */
  faults?: TtsFaults;
  /** Scripted Scribe answers, used in order before recognition (also `scriptScribe`). */
  scribeScript?: ScribeScriptStep[];
  /** Caller lines for audio without simulated speech, in order (the Realtime scenario's `user` lines). */
  scenario?: Scenario;
  host?: string;
  port?: number;
  clock?: SimClock;
}

/** A running simulator. */
export interface ElevenLabsSimulator {
  /** `http://127.0.0.1:PORT`: `ELEVENLABS_BASE_URL`, the SDK's `baseUrl`. */
  readonly baseUrl: string;
  /** `ws://127.0.0.1:PORT`, for the stream-input WebSockets. */
  readonly wsBaseUrl: string;
  readonly port: number;
  /** Text-to-speech connections, in order. */
  readonly connections: readonly TtsConnection[];
  /** Scribe requests, in order. */
  readonly transcriptions: readonly ScribeRequest[];
  /** Resolves with connection `index` once it exists (default: the next). */
  connection(index?: number, timeoutMs?: number): Promise<TtsConnection>;
  setFaults(faults: TtsFaults): void;
  setSynthesisDelayMs(ms: number): void;
  /** Appends scripted Scribe answers. */
  scriptScribe(...steps: ScribeScriptStep[]): void;
  close(): Promise<void>;
}

const VOICE_ID = /^[A-Za-z0-9]{20}$/;
const TTS_PATH = /^\/v1\/text-to-speech\/([^/]+)\/(stream-input|multi-stream-input)$/;

/** Starts the simulator on 127.0.0.1 (ephemeral port unless `port` is given). */
export async function startElevenLabsSimulator(
  options: ElevenLabsSimulatorOptions = {},
): Promise<ElevenLabsSimulator> {
  const clock = options.clock ?? systemClock;
  let faults: TtsFaults = { ...options.faults };
  let synthesisDelayMs = options.synthesisDelayMs ?? 0;
  const scribeScript = [...(options.scribeScript ?? [])];
  const scenario = options.scenario ? new ScenarioPlayer(parseScenario(options.scenario), () => '') : null;
  const connections: TtsConnection[] = [];
  const transcriptions: ScribeRequest[] = [];
  const waiters = new StateWaiters();
  const keyOk = (key: string) => key !== '' && (options.apiKey === undefined || key === options.apiKey);
  const wss = new WebSocketServer({ noServer: true });

  const server: Server = createServer((req, res) => {
    void handleHttp(req, res).catch(() =>
      sendError(res, detailError(500, 'internal_error', 'Internal error')),
    );
  });

  async function handleHttp(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (url.pathname !== '/v1/speech-to-text' || req.method !== 'POST') {
      sendError(res, detailError(404, 'not_found', `No route for ${req.method} ${url.pathname}`));
      return;
    }
    const key = headerKey(req);
    if (key === null || !keyOk(key)) return sendError(res, INVALID_API_KEY);
    const body = await readBody(req);
    let form: FormData;
    try {
      form = await new Request('http://simulator/', {
        method: 'POST',
        headers: { 'content-type': String(req.headers['content-type'] ?? '') },
        body,
      }).formData();
    } catch {
      return sendError(res, validationError('body', 'file', 'Expected a multipart/form-data body'));
    }
    const answer = await transcribe(form, scribeScript, scenario);
    transcriptions.push({
      ...answer.request,
      status: answer.status,
      text: answer.status === 200 ? String(answer.body.text) : null,
    });
    res.writeHead(answer.status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(answer.body));
  }

  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', () => {
      // the client left during the handshake
    });
    const checked = checkUpgrade(req);
    if ('status' in checked) return refuseUpgrade(socket, checked);
    wss.handleUpgrade(req, socket, head, (ws) => {
      connections.push(
        new TtsConnection(ws, {
          ...checked,
          clock,
          checkKey: keyOk,
          synthesisDelayMs: () => synthesisDelayMs,
          faults: () => faults,
        }),
      );
      waiters.notify();
    });
  });

  function checkUpgrade(req: IncomingMessage) {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const match = TTS_PATH.exec(url.pathname);
    if (!match) return detailError(404, 'not_found', `No route for GET ${url.pathname}`);
    const key = headerKey(req);
    if (key !== null && !keyOk(key)) return INVALID_API_KEY;
    const voiceId = decodeURIComponent(match[1]!);
    const known = options.voices ? options.voices.includes(voiceId) : VOICE_ID.test(voiceId);
    if (!known)
      return detailError(404, 'voice_not_found', `A voice with the voice_id ${voiceId} was not found.`);
    const modelId = url.searchParams.get('model_id') ?? 'eleven_multilingual_v2';
    if (!(TTS_MODELS as readonly string[]).includes(modelId)) {
      return detailError(400, 'model_not_found', `A model with model ID ${modelId} does not exist.`);
    }
    const formatName = url.searchParams.get('output_format') ?? 'mp3_44100_128';
    const format = parseOutputFormat(formatName);
    if (format === null) {
      return validationError(
        'query',
        'output_format',
        `Input should be one of the documented formats, got '${formatName}'`,
      );
    }
    if (format === 'unsupported') {
      return detailError(
        400,
        'unsupported_output_format',
        `The simulator renders ${SIMULATED_OUTPUT_FORMATS.join(', ')}; ${formatName} is not simulated.`,
      );
    }
    const timeout = Number(url.searchParams.get('inactivity_timeout') ?? 20);
    if (!(Number.isInteger(timeout) && timeout >= 1 && timeout <= 180)) {
      return validationError('query', 'inactivity_timeout', 'Input should be an integer between 1 and 180');
    }
    return {
      voiceId,
      modelId,
      format,
      multiContext: match[2] === 'multi-stream-input',
      inactivityTimeoutS: timeout,
      headerKey: key,
    };
  }

  const port = await listenLocal(server, options.port, options.host);
  const host = options.host ?? '127.0.0.1';
  return {
    baseUrl: `http://${host}:${port}`,
    wsBaseUrl: `ws://${host}:${port}`,
    port,
    connections,
    transcriptions,
    connection(index = connections.length, timeoutMs = 5000) {
      return waiters.until(
        () => connections[index],
        timeoutMs,
        `no ElevenLabs connection #${index} within ${timeoutMs} ms`,
      );
    },
    setFaults(next) {
      faults = { ...faults, ...next };
    },
    setSynthesisDelayMs(ms) {
      synthesisDelayMs = ms;
    },
    scriptScribe(...steps) {
      scribeScript.push(...steps);
    },
    async close() {
      for (const c of connections) c.drop(1001, 'Going away');
      await closeLocal(server, wss);
    },
  };
}

function headerKey(req: IncomingMessage): string | null {
  const key = req.headers['xi-api-key'];
  return typeof key === 'string' ? key : null;
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

export type { ApiError };

/**
 * A tiny stand-in for voice-server, used by this folder's tests: it checks signatures the way
 * voice-server does, answers the webhook with TwiML, and records every Media Stream frame it receives.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  connectStreamTwiml,
  decodeTwilioInbound,
  encodeTwilioClear,
  encodeTwilioMark,
  encodeTwilioMedia,
  type TwilioInbound,
  validateTwilioRequest,
} from '@switchboard/telephony';
import { type WebSocket, WebSocketServer } from 'ws';

export interface WebhookHit {
  form: Record<string, string>;
  headers: IncomingMessage['headers'];
  signatureValid: boolean;
}

export interface StreamConnection {
  socket: WebSocket;
  url: string;
  signature: string;
  /** Raw texts received, in order. */
  texts: string[];
  /** Decoded frames (a decode failure fails the test through `decodeErrors`). */
  frames: TwilioInbound[];
  decodeErrors: string[];
  closed: Promise<{ code: number }>;
  streamSid(): string;
  sendAudio(audio: Uint8Array): void;
  sendMark(name: string): void;
  sendClear(): void;
  /** Resolves when `predicate` holds for the frames received so far (polled on every frame). */
  until(predicate: (frames: TwilioInbound[]) => boolean, timeoutMs?: number): Promise<void>;
}

export interface TestVoiceServer {
  url: string;
  /** What the server signs against: PUBLIC_BASE_URL. */
  publicBaseUrl: string;
  webhooks: WebhookHit[];
  streams: StreamConnection[];
  refusedStreams: number;
  /** Resolves with the n-th stream (0-based) once it connects and (unless `started` is false) starts. */
  stream(index?: number, started?: boolean): Promise<StreamConnection>;
  close(): Promise<void>;
}

export interface TestVoiceServerOptions {
  authToken: string;
  /** Default: the server's own http://127.0.0.1:port. */
  publicBaseUrl?: string;
  /** TwiML for a webhook; default Connect/Stream to `<public wss>/twilio-stream` with `parameters`. */
  twiml?: (form: Record<string, string>, streamUrl: string) => string;
  parameters?: Record<string, string>;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
  });
}

export async function startTestVoiceServer(opts: TestVoiceServerOptions): Promise<TestVoiceServer> {
  const webhooks: WebhookHit[] = [];
  const streams: StreamConnection[] = [];
  const streamWaiters: Array<() => void> = [];
  let publicBaseUrl = opts.publicBaseUrl ?? '';
  let refused = 0;

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    void readBody(req).then((body) => {
      const form = Object.fromEntries(new URLSearchParams(body));
      const signature = String(req.headers['x-twilio-signature'] ?? '');
      const signatureValid = validateTwilioRequest(opts.authToken, signature, publicBaseUrl + req.url, form);
      webhooks.push({ form, headers: req.headers, signatureValid });
      if (!signatureValid) {
        res.writeHead(403).end();
        return;
      }
      const streamUrl = publicBaseUrl.replace(/^http/, 'ws') + '/twilio-stream';
      const twiml =
        opts.twiml?.(form, streamUrl) ??
        connectStreamTwiml({ url: streamUrl, parameters: opts.parameters ?? { bot_profile_key: 'demo' } });
      res.writeHead(200, { 'content-type': 'text/xml' }).end(twiml);
    });
  });
  const wss = new WebSocketServer({ noServer: true });
  server.on('upgrade', (req, socket, head) => {
    const signature = String(req.headers['x-twilio-signature'] ?? '');
    const url = publicBaseUrl.replace(/^http/, 'ws') + req.url;
    if (!validateTwilioRequest(opts.authToken, signature, url, {})) {
      refused++;
      socket.end('HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\nConnection: close\r\n\r\n');
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      const texts: string[] = [];
      const frames: TwilioInbound[] = [];
      const decodeErrors: string[] = [];
      const checks: Array<() => void> = [];
      let resolveClosed!: (v: { code: number }) => void;
      const closed = new Promise<{ code: number }>((r) => {
        resolveClosed = r;
      });
      const conn: StreamConnection = {
        socket: ws,
        url,
        signature,
        texts,
        frames,
        decodeErrors,
        closed,
        streamSid: () => {
          const start = frames.find((f) => f.event === 'start');
          return start?.event === 'start' ? start.start.streamSid : '';
        },
        sendAudio: (audio) =>
          ws.send(encodeTwilioMedia(conn.streamSid(), Buffer.from(audio).toString('base64'))),
        sendMark: (name) => ws.send(encodeTwilioMark(conn.streamSid(), name)),
        sendClear: () => ws.send(encodeTwilioClear(conn.streamSid())),
        until: (predicate, timeoutMs = 5000) =>
          new Promise<void>((resolve, reject) => {
            if (predicate(frames)) return resolve();
            const timer = setTimeout(() => reject(new Error('stream condition timed out')), timeoutMs);
            const check = () => {
              if (!predicate(frames)) return;
              clearTimeout(timer);
              checks.splice(checks.indexOf(check), 1);
              resolve();
            };
            checks.push(check);
          }),
      };
      ws.on('message', (data) => {
        const text = data.toString();
        texts.push(text);
        const decoded = decodeTwilioInbound(text);
        if (decoded.ok) frames.push(decoded.message);
        else decodeErrors.push(decoded.error.message);
        for (const check of [...checks]) check();
      });
      ws.on('close', (code) => resolveClosed({ code }));
      streams.push(conn);
      for (const w of streamWaiters.splice(0)) w();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const url = `http://127.0.0.1:${port}`;
  if (!publicBaseUrl) publicBaseUrl = url;

  return {
    url,
    publicBaseUrl,
    webhooks,
    streams,
    get refusedStreams() {
      return refused;
    },
    async stream(index = 0, started = true) {
      const conn = await new Promise<StreamConnection>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`stream ${index} never connected`)), 5000);
        const check = () => {
          const s = streams[index];
          if (!s) return streamWaiters.push(check);
          clearTimeout(timer);
          resolve(s);
        };
        check();
      });
      if (started) await conn.until((frames) => frames.some((f) => f.event === 'start'));
      return conn;
    },
    close() {
      for (const client of wss.clients) client.terminate();
      return new Promise<void>((resolve) => {
        wss.close();
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}

import { validateTwilioRequest } from '@switchboard/telephony';
import type { FastifyInstance, FastifyPluginAsync } from 'fastify';
import type { WebSocket } from 'ws';
import type { CallTransport } from '../ports/call-transport.ts';
import type { CallInfo } from '../session/session-manager.ts';
import { type CallRunOptions, runCall } from './run-call.ts';
import type { StreamTokens } from './stream-token.ts';
import { WsCallTransport } from './ws-call-transport.ts';

export interface StreamOptions extends CallRunOptions {
  /** wss URL of this route as Twilio sees it (what it signs). */
  streamUrl: string;
  authToken: string;
  startTimeoutMs: number;
  maxFrameBytes: number;
  /** Checks each `start`'s per-call token (minted by the webhook). */
  streamTokens: StreamTokens;
  /** False refuses new streams with 503 (draining). */
  accepting: () => boolean;
  /** Decorates each call's transport (tracing, taps); identity when absent. */
  wrapTransport?: (transport: CallTransport, call: CallInfo) => CallTransport;
}

/** GET /twilio-stream: the Media Stream WebSocket, one TwilioSessionManager per call. */
export const streamRoutes: FastifyPluginAsync<StreamOptions> = async (app: FastifyInstance, opts) => {
  app.get(
    '/twilio-stream',
    {
      websocket: true,
      preValidation: async (req, reply) => {
        if (!opts.accepting()) {
          opts.metrics.streamsRefused++;
          return reply.status(503).send({ error: { code: 'DRAINING', message: 'not accepting new calls' } });
        }
        const signature = req.headers['x-twilio-signature'];
        const base = opts.streamUrl.replace(/\/twilio-stream$/, '');
        if (
          typeof signature !== 'string' ||
          !validateTwilioRequest(opts.authToken, signature, base + req.url, {})
        ) {
          opts.metrics.streamsRefused++;
          req.log.warn(
            { reason: signature ? 'signature does not match' : 'missing signature' },
            'stream refused',
          );
          return reply.status(403).send({ error: { code: 'FORBIDDEN', message: 'invalid signature' } });
        }
      },
    },
    (socket: WebSocket, req) => {
      void handleStream(socket, opts, req.log).catch((err) => {
        req.log.error({ err: { message: (err as Error).message } }, 'stream handler failed');
        socket.terminate();
      });
    },
  );
};

async function handleStream(
  socket: WebSocket,
  opts: StreamOptions,
  log: FastifyInstance['log'],
): Promise<void> {
  const transport = new WsCallTransport(socket, opts.maxFrameBytes);
  const timer = setTimeout(() => {
    log.warn({ timeoutMs: opts.startTimeoutMs }, 'no start message; closing the stream');
    transport.close(1008, 'no start message');
  }, opts.startTimeoutMs);
  const frames = transport.inbound;
  let call: CallInfo | undefined;
  try {
    while (!call) {
      const next = await frames.next();
      if (next.done) return;
      const decoded = next.value;
      if (!decoded.ok) {
        opts.metrics.framesMalformed++;
        log.warn(
          { code: decoded.error.code, reason: decoded.error.message },
          'dropped a malformed frame before start',
        );
        continue;
      }
      const msg = decoded.message;
      if (msg.event === 'media' || msg.event === 'mark' || msg.event === 'dtmf') {
        // Twilio sends nothing but `connected` before `start`: count what a broken peer sends.
        opts.metrics.framesBeforeStart++;
        continue;
      }
      if (msg.event !== 'start') continue;
      const p = msg.start.customParameters ?? {};
      const verdict = opts.streamTokens.verify(msg.start.callSid, p);
      if (verdict !== 'ok') {
        // A start not minted for this call by our webhook (replayed, altered, forged, stale).
        opts.metrics.streamsRefused++;
        log.warn({ reason: verdict }, 'stream start with an unusable token; closing the stream');
        transport.close(1008, 'invalid stream token');
        return;
      }
      if (!p.bot_profile_key) {
        log.warn('start message without bot_profile_key; closing the stream');
        transport.close(1008, 'missing bot_profile_key');
        return;
      }
      call = {
        streamSid: msg.start.streamSid,
        callSid: msg.start.callSid,
        accountSid: msg.start.accountSid,
        botProfileKey: p.bot_profile_key,
        isSip: p.is_sip_call === 'true',
        callerNumber: p.original_caller_number ?? '',
        ...(p.freshcaller_call_id ? { freshcallerCallId: p.freshcaller_call_id } : {}),
      };
    }
  } finally {
    clearTimeout(timer);
  }
  transport.setStreamSid(call.streamSid);
  await runCall(opts, opts.wrapTransport ? opts.wrapTransport(transport, call) : transport, call, log);
}

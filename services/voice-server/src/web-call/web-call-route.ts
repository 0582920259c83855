import type { WebCallGrant, WebCallTokens } from '@switchboard/service-kit';
import type { FastifyBaseLogger, FastifyInstance, FastifyPluginAsync } from 'fastify';
import type { WebSocket } from 'ws';
import type { CallInfo } from '../session/session-manager.ts';
import { type CallRunOptions, runCall } from '../stream/run-call.ts';
import { webCallLine } from './web-call-line.ts';
import { WebCallTransport } from './web-call-transport.ts';

export interface WebCallOptions extends CallRunOptions {
  /** Checks the browser's token (minted by app-server for a signed-in staff member). */
  tokens: WebCallTokens;
  startTimeoutMs: number;
  /** False refuses new calls with 503 (draining). */
  accepting: () => boolean;
}

/**
 * GET /web-call: a browser test call ("Try your bot"). The browser streams its microphone here and
 * plays the agent; the call runs on the same session core as a Twilio call.
 */
export const webCallRoutes: FastifyPluginAsync<WebCallOptions> = async (app: FastifyInstance, opts) => {
  app.get(
    '/web-call',
    {
      websocket: true,
      preValidation: async (_req, reply) => {
        if (!opts.accepting()) {
          opts.metrics.streamsRefused++;
          return reply.status(503).send({ error: { code: 'DRAINING', message: 'not accepting new calls' } });
        }
      },
    },
    (socket: WebSocket, req) => {
      void handleWebCall(socket, opts, req.log).catch((err) => {
        req.log.error({ err: { message: (err as Error).message } }, 'web call handler failed');
        socket.terminate();
      });
    },
  );
};

async function handleWebCall(socket: WebSocket, opts: WebCallOptions, log: FastifyBaseLogger): Promise<void> {
  const transport = new WebCallTransport(socket, {
    onMalformed: (reason) => {
      opts.metrics.framesMalformed++;
      log.warn({ reason }, 'malformed web call frame; closing');
    },
    onEarlyAudio: () => opts.metrics.framesBeforeStart++,
  });
  const timer = setTimeout(() => {
    log.warn({ timeoutMs: opts.startTimeoutMs }, 'no start message; closing the web call');
    transport.close(1008, 'no start message');
  }, opts.startTimeoutMs);
  const token = await transport.startToken.finally(() => clearTimeout(timer));
  if (token === undefined) return;
  const verdict = opts.tokens.verify(token);
  if (!verdict.ok) {
    opts.metrics.streamsRefused++;
    log.warn({ reason: verdict.reason }, 'web call with an unusable token; closing');
    transport.close(1008, 'invalid web call token');
    return;
  }
  const grant = verdict.grant;
  // A bare key may be shared by several brands: the token's brand says whose profile it is.
  const profileRef = grant.profileKey.includes(':')
    ? grant.profileKey
    : `${grant.brandId}:${grant.profileKey}`;
  const refusal = await profileRefusal(opts, grant, profileRef);
  if (refusal) {
    opts.metrics.streamsRefused++;
    log.warn({ reason: refusal, botProfileKey: grant.profileKey }, 'web call refused');
    transport.close(1008, refusal);
    return;
  }
  const call: CallInfo = {
    streamSid: `MZ${grant.callSid.slice(2)}`,
    callSid: grant.callSid,
    accountSid: '',
    botProfileKey: profileRef,
    isSip: false,
    // No phone line: the conversation's caller says where the call came from.
    callerNumber: 'browser',
    channel: 'web',
  };
  const callLog = log.child({ callSid: call.callSid, webCall: true, staffId: grant.staffId });
  transport.begin(call.callSid, call.streamSid);
  await runCall(opts, transport, call, callLog, webCallLine(transport));
}

/** Why the grant's profile may not be called from the browser, or undefined when it may. */
async function profileRefusal(
  opts: WebCallOptions,
  grant: WebCallGrant,
  profileRef: string,
): Promise<string | undefined> {
  try {
    const profile = await opts.aiServer.getBotProfile(profileRef);
    // The token names the staff member's brand: a profile of another brand is not theirs to try.
    return profile.brandId === grant.brandId ? undefined : 'profile not of this brand';
  } catch {
    return 'profile unavailable';
  }
}

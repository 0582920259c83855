// A voice-server app on fakes, for tests of its HTTP and WebSocket routes.
import { scriptedConnector } from '@switchboard/realtime/testing';
import { createLogger } from '@switchboard/service-kit';
import { encodeTwilioStart } from '@switchboard/telephony';
import type { WebSocket } from 'ws';
import { buildVoiceServer, type VoiceServer } from '../app.ts';
import { InMemoryAppServer } from '../ports/in-memory-app-server.ts';
import { STREAM_TOKEN_PARAM, StreamTokens } from '../stream/stream-token.ts';
import { FakeAiServer, FakeTwilioRest } from './fakes.ts';

export const AUTH_TOKEN = 'test-auth-token-0123456789abcdef';
export const PUBLIC = 'https://voice.example.com';
export const STREAM_URL = 'wss://voice.example.com/twilio-stream';
export const SIDS = {
  call: 'CA11111111111111111111111111111111',
  account: 'AC22222222222222222222222222222222',
  stream: 'MZ33333333333333333333333333333333',
};

export class LookupAi extends FakeAiServer {
  readonly lookups: unknown[] = [];
  readonly answers: Record<string, string> = {
    sipDomain: 'acme.sip.twilio.com',
    to: '+18005550100',
    applicationSid: 'AP1',
  };
  down = false;
  override async lookupBotProfile(q: { sipDomain?: string; to?: string; applicationSid?: string }) {
    this.lookups.push(q);
    if (this.down) throw new Error('ECONNREFUSED');
    const [field, value] = Object.entries(q)[0]!;
    return this.answers[field] === value ? { key: `profile-by-${field}` } : null;
  }
}

let server: VoiceServer | undefined;
let lines: string[] = [];

/** The secret app-server and voice-server share for browser test calls' tokens. */
export const WEB_CALL_SECRET = 'test-web-call-secret';

export async function build(opts: { startTimeoutMs?: number; webCalls?: boolean } = {}) {
  lines = [];
  const ai = new LookupAi();
  const appServer = new InMemoryAppServer();
  const twilioRest = new FakeTwilioRest();
  const connector = scriptedConnector();
  server = await buildVoiceServer({
    config: {
      PUBLIC_BASE_URL: PUBLIC,
      TWILIO_AUTH_TOKEN: AUTH_TOKEN,
      STREAM_START_TIMEOUT_MS: opts.startTimeoutMs ?? 5000,
      MAX_FRAME_BYTES: 65536,
      ...(opts.webCalls ? { WEB_CALL_SECRET } : {}),
    },
    logger: createLogger({ name: 'test', destination: { write: (l: string) => lines.push(l) } }),
    aiServer: ai,
    appServer,
    twilioRest,
    connectRealtime: connector,
  });
  await server.app.ready();
  return { server, ai, connector, appServer, twilioRest, app: server.app };
}

/** The app built last (closed by `closeApp`). */
export function currentServer(): VoiceServer | undefined {
  return server;
}

/** Log lines of the app built last. */
export function logLines(): string[] {
  return lines;
}

export async function closeApp(): Promise<void> {
  await server?.app.close();
  server = undefined;
}

export function form(params: Record<string, string>): string {
  return new URLSearchParams(params).toString();
}

export function pstnCall(extra: Record<string, string> = {}): Record<string, string> {
  return {
    CallSid: SIDS.call,
    AccountSid: SIDS.account,
    From: '+14155550123',
    To: '+18005550100',
    CallStatus: 'ringing',
    Direction: 'inbound',
    ...extra,
  };
}

export async function postWebhook(
  app: VoiceServer['app'],
  params: Record<string, string>,
  signature?: string,
) {
  return app.inject({
    method: 'POST',
    url: '/twilio-voice-webhook',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      host: 'internal-pod:8080',
      ...(signature !== undefined ? { 'x-twilio-signature': signature } : {}),
    },
    payload: form(params),
  });
}

/**
 * A `start` as Twilio sends it for the TwiML our webhook returned: the parameters with the call's
 * stream token (minted as the webhook would; `token: null` leaves it out, a string replaces it).
 */
export function startFrame(
  params: Record<string, string> = { bot_profile_key: 'acme-support' },
  opts: { token?: string | null; callSid?: string } = {},
) {
  const callSid = opts.callSid ?? SIDS.call;
  const token = opts.token === undefined ? new StreamTokens(AUTH_TOKEN).issue(callSid, params) : opts.token;
  return encodeTwilioStart({
    sequenceNumber: 1,
    streamSid: SIDS.stream,
    accountSid: SIDS.account,
    callSid,
    customParameters: token === null ? params : { ...params, [STREAM_TOKEN_PARAM]: token },
  });
}

export function closed(ws: WebSocket): Promise<number> {
  return new Promise((resolve) => ws.once('close', (code) => resolve(code)));
}

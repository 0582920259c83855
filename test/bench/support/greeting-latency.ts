/**
 * Stream start → first greeting audio: a raw Media Stream client opens a stream (signed as Twilio signs
 * it), sends `connected` and `start`, and times the first media frame the relay sends back. With the
 * benchmark's instantly answering model, this is the relay's own set-up cost (profile, socket,
 * session.update, greeting request, first delta out).
 */
import { encodeTwilioConnected, encodeTwilioStart, signTwilioRequest } from '@switchboard/telephony';
import { STREAM_TOKEN_PARAM, StreamTokens } from '@switchboard/voice-server';
import { WebSocket } from 'ws';

export interface GreetingTarget {
  /** http://127.0.0.1:port of the relay. */
  url: string;
  /** The public URL voice-server checks signatures against; absent for relays that check none. */
  publicBaseUrl?: string;
  authToken: string;
  accountSid: string;
}

const hex32 = (n: number) => n.toString(16).padStart(32, '0');

/** One stream: ms from sending `start` to the first media frame; rejects after `timeoutMs`. */
export function greetingLatency(target: GreetingTarget, n: number, timeoutMs = 10_000): Promise<number> {
  const streamUrl = `${target.url.replace(/^http/, 'ws')}/twilio-stream`;
  const headers: Record<string, string> = {};
  if (target.publicBaseUrl)
    headers['x-twilio-signature'] = signTwilioRequest(
      target.authToken,
      `${target.publicBaseUrl.replace(/^http/, 'ws')}/twilio-stream`,
    );
  const streamSid = `MZ${hex32(0xbe000 + n)}`;
  const callSid = `CA${hex32(0xbe000 + n)}`;
  // As the webhook would have put them in the TwiML, token included.
  const params = { bot_profile_key: 'bench', original_caller_number: '+15550100000' };
  const tokens = new StreamTokens(target.authToken);
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(streamUrl, { headers });
    let startedAt = 0;
    const timer = setTimeout(() => {
      ws.terminate();
      reject(new Error(`no greeting audio within ${timeoutMs} ms`));
    }, timeoutMs);
    ws.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    ws.on('open', () => {
      ws.send(encodeTwilioConnected());
      startedAt = performance.now();
      ws.send(
        encodeTwilioStart({
          sequenceNumber: 1,
          streamSid,
          accountSid: target.accountSid,
          callSid,
          customParameters: { ...params, [STREAM_TOKEN_PARAM]: tokens.issue(callSid, params) },
        }),
      );
    });
    ws.on('message', (data) => {
      if (!String(data).startsWith('{"event":"media"')) return;
      const ms = performance.now() - startedAt;
      clearTimeout(timer);
      ws.close();
      resolve(ms);
    });
  });
}

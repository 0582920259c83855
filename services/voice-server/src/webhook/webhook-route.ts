import { annotateActiveSpan, maskPhone } from '@switchboard/service-kit';
import { connectStreamTwiml, sayAndHangupTwiml, validateTwilioRequest } from '@switchboard/telephony';
import type { FastifyInstance, FastifyPluginAsync } from 'fastify';
import type { VoiceMetrics } from '../metrics.ts';
import type { CallAiServer } from '../ports/ai-server.ts';
import { recordingTwiml } from '../recording/consent.ts';
import { errSummary, isPeerRejection } from '../resilience/peer-errors.ts';
import { STREAM_TOKEN_PARAM, type StreamTokens } from '../stream/stream-token.ts';
import { transferTwiml } from '../tools/transfer-to-human.ts';

export interface WebhookOptions {
  publicBaseUrl: string;
  streamUrl: string;
  authToken: string;
  aiServer: CallAiServer;
  metrics: VoiceMetrics;
  /** Mints the per-call token the stream's `start` must carry back. */
  streamTokens: StreamTokens;
  /** False while the Realtime circuit breaker is open: the call gets the fallback instead of a stream. */
  admitCall?: () => boolean;
}

/** Twilio's form fields we read; Twilio sends many more. */
type VoiceWebhookBody = Record<string, string | undefined>;

/** The fields a call is routed by, and their longest sane value (E.164, SIP URIs, domains, SIDs). */
const ROUTING_FIELDS: Record<string, number> = {
  CallSid: 64,
  From: 256,
  To: 256,
  SipDomain: 253,
  ApplicationSid: 64,
  FreshcallerCallId: 128,
};

/** The first routing field Twilio would never send as it came (repeated, too long), if any. */
export function unusableField(body: Record<string, unknown>): { field: string; reason: string } | undefined {
  for (const [field, max] of Object.entries(ROUTING_FIELDS)) {
    const v = body[field];
    if (v === undefined) continue;
    if (typeof v !== 'string') return { field, reason: 'sent more than once' };
    if (v.length > max) return { field, reason: `longer than ${max} characters` };
  }
  return undefined;
}

const NOT_IN_SERVICE = 'Sorry, this number is not in service. Goodbye.';
const TRY_LATER = 'Sorry, we cannot take your call right now. Please try again later. Goodbye.';
const PROVIDER_DOWN_TRANSFER = 'Thanks for calling. Let me connect you with a colleague.';
const PROVIDER_DOWN = 'Sorry, we are having technical trouble. Please call again in a few minutes. Goodbye.';

/** True for calls that reached us over SIP rather than the phone network. */
export function isSipCall(body: VoiceWebhookBody): boolean {
  return Boolean(body.SipDomain) || /^sips?:/i.test(body.To ?? '') || /^sips?:/i.test(body.From ?? '');
}

/**
 * POST /twilio-voice-webhook: checks Twilio's signature over PUBLIC_BASE_URL (never the Host header, so
 * it holds behind a TLS-terminating proxy), finds the bot profile, and answers Connect/Stream TwiML.
 */
export const webhookRoutes: FastifyPluginAsync<WebhookOptions> = async (app: FastifyInstance, opts) => {
  app.post<{ Body: VoiceWebhookBody }>('/twilio-voice-webhook', async (req, reply) => {
    const signature = req.headers['x-twilio-signature'];
    const url = opts.publicBaseUrl + req.url;
    const params = (req.body && typeof req.body === 'object' ? req.body : {}) as VoiceWebhookBody;
    if (typeof signature !== 'string' || !signature) {
      opts.metrics.webhooksRefused++;
      req.log.warn({ reason: 'missing X-Twilio-Signature' }, 'webhook refused');
      return reply.status(403).send({ error: { code: 'FORBIDDEN', message: 'missing signature' } });
    }
    if (!validateTwilioRequest(opts.authToken, signature, url, params as Record<string, string>)) {
      opts.metrics.webhooksRefused++;
      req.log.warn({ reason: 'signature does not match' }, 'webhook refused');
      return reply.status(403).send({ error: { code: 'FORBIDDEN', message: 'invalid signature' } });
    }

    const bad = unusableField(params);
    if (bad) {
      opts.metrics.webhooksUnusable++;
      req.log.warn(
        { field: bad.field, reason: bad.reason },
        'signed webhook with an unusable field; not in service',
      );
      return reply.type('text/xml').send(sayAndHangupTwiml(NOT_IN_SERVICE));
    }
    const sip = isSipCall(params);
    const log = req.log.child({ callSid: params.CallSid });
    annotateActiveSpan({ 'call.sid': params.CallSid ?? '' });
    let profileKey: string | undefined;
    try {
      profileKey = await lookupProfile(opts.aiServer, params, sip);
    } catch (err) {
      if (isPeerRejection(err)) {
        // ai-server answered and refused the query itself: this call has no profile.
        log.warn({ err: errSummary(err) }, 'bot profile lookup refused; not in service');
        return reply.type('text/xml').send(sayAndHangupTwiml(NOT_IN_SERVICE));
      }
      log.error({ err: errSummary(err) }, 'bot profile lookup failed');
      return reply.type('text/xml').send(sayAndHangupTwiml(TRY_LATER));
    }
    if (!profileKey) {
      log.info({ to: maskPhone(params.To), sipDomain: params.SipDomain }, 'no bot profile for this call');
      return reply.type('text/xml').send(sayAndHangupTwiml(NOT_IN_SERVICE));
    }
    if (opts.admitCall && !opts.admitCall()) {
      opts.metrics.breakerFallbacks++;
      const fallback = await fallbackTwiml(opts.aiServer, profileKey, params, sip);
      log.warn(
        { botProfileKey: profileKey, fallback: fallback.kind },
        'Realtime circuit breaker open: answered with the fallback',
      );
      return reply.type('text/xml').send(fallback.twiml);
    }
    // A recorded profile's consent notice is said before the stream opens (and so before the greeting).
    const profile = await opts.aiServer.getBotProfile(profileKey).catch((err) => {
      log.warn({ err: errSummary(err) }, 'bot profile unavailable at answer; the call is not recorded');
      return undefined;
    });
    const recording = recordingTwiml(profile, opts.publicBaseUrl);
    if (recording.startRecording) opts.metrics.add(opts.metrics.callRecordings, 'started');
    const parameters: Record<string, string> = {
      bot_profile_key: profileKey,
      is_sip_call: String(sip),
      original_caller_number: params.From ?? '',
    };
    const freshcaller = params.FreshcallerCallId ?? params.freshcaller_call_id;
    if (freshcaller) parameters.freshcaller_call_id = freshcaller;
    parameters[STREAM_TOKEN_PARAM] = opts.streamTokens.issue(params.CallSid ?? '', parameters);
    log.info(
      { botProfileKey: profileKey, from: maskPhone(params.From), isSip: sip, recorded: !!recording.sayFirst },
      'call accepted',
    );
    return reply.type('text/xml').send(
      connectStreamTwiml({
        url: opts.streamUrl,
        parameters,
        ...recording,
      }),
    );
  });
};

/** While the model is unreachable: the profile's human line, or its after-hours message, or an apology. */
async function fallbackTwiml(
  ai: CallAiServer,
  profileKey: string,
  body: VoiceWebhookBody,
  sip: boolean,
): Promise<{ twiml: string; kind: 'transfer' | 'after_hours_message' | 'apology' }> {
  const profile = await ai.getBotProfile(profileKey).catch(() => undefined);
  const target = profile?.transferTarget;
  const callerId = sip ? profile?.outboundCallerId : body.From;
  if (target && callerId)
    return { twiml: transferTwiml(target, callerId, PROVIDER_DOWN_TRANSFER), kind: 'transfer' };
  const own = afterHoursLine(profile?.afterHoursMessage);
  if (own) return { twiml: sayAndHangupTwiml(own), kind: 'after_hours_message' };
  return { twiml: sayAndHangupTwiml(PROVIDER_DOWN), kind: 'apology' };
}

/** Longest after-hours message said (ai-server refuses longer ones; a stale row is cut, not read out whole). */
export const AFTER_HOURS_MAX_CHARS = 500;

/** The brand's after-hours message as it is said: trimmed, at most 500 characters cut at a word; none if blank. */
export function afterHoursLine(message: string | null | undefined): string | undefined {
  const text = message?.trim();
  if (!text) return undefined;
  if (text.length <= AFTER_HOURS_MAX_CHARS) return text;
  const cut = text.slice(0, AFTER_HOURS_MAX_CHARS);
  const lastSpace = cut.lastIndexOf(' ');
  return lastSpace > AFTER_HOURS_MAX_CHARS / 2 ? cut.slice(0, lastSpace) : cut;
}

async function lookupProfile(
  ai: CallAiServer,
  body: VoiceWebhookBody,
  sip: boolean,
): Promise<string | undefined> {
  if (sip && body.SipDomain) {
    const bySip = await ai.lookupBotProfile({ sipDomain: body.SipDomain });
    if (bySip) return bySip.key;
  }
  if (body.To) {
    const byTo = await ai.lookupBotProfile({ to: body.To });
    if (byTo) return byTo.key;
  }
  if (body.ApplicationSid) {
    const byApp = await ai.lookupBotProfile({ applicationSid: body.ApplicationSid });
    if (byApp) return byApp.key;
  }
  return undefined;
}

/**
 * Outbound calls through Twilio: ai-server asks for a call (`POST /internal/outbound-calls`, service
 * token), voice-server creates it with the Calls API (AMD on, status callbacks for every event), then
 * Twilio's signed requests come back here: the answer webhook (Connect/Stream TwiML, the call then runs
 * as any other), status callbacks and the asynchronous AMD verdict, each reported to ai-server. On a
 * machine the agent leaves the profile's voicemail message (after the beep) or hangs up.
 */
import { defineError, maskPhone, requireServiceToken } from '@switchboard/service-kit';
import {
  connectStreamTwiml,
  hangupTwiml,
  sayAndHangupTwiml,
  validateTwilioRequest,
} from '@switchboard/telephony';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { VoiceMetrics } from '../metrics.ts';
import type { CallAiServer } from '../ports/ai-server.ts';
import type { TwilioCallCreator, TwilioRest } from '../ports/twilio-rest.ts';
import { recordingTwiml } from '../recording/consent.ts';
import { STREAM_TOKEN_PARAM, type StreamTokens } from '../stream/stream-token.ts';
import { machineAction, type OutboundReports } from './outbound-reports.ts';

export const OutboundErrors = {
  twilioRefused: defineError('TWILIO_REFUSED', 400),
  twilioFailed: defineError('TWILIO_FAILED', 502, true),
  unavailable: defineError('OUTBOUND_UNAVAILABLE', 503),
};

export interface OutboundRouteOptions {
  publicBaseUrl: string;
  streamUrl: string;
  authToken: string;
  serviceToken?: string;
  calls?: TwilioCallCreator;
  twilioRest: TwilioRest;
  reports?: OutboundReports;
  streamTokens: StreamTokens;
  metrics: VoiceMetrics;
  /** False while the Realtime circuit breaker is open. */
  admitCall?: () => boolean;
  /** The call's profile, for its recording setting (consent notice first); not recorded without it. */
  profiles?: Pick<CallAiServer, 'getBotProfile'>;
}

interface PlaceBody {
  outboundCallId: string;
  to: string;
  from: string;
  machineDetection: 'Enable' | 'DetectMessageEnd';
  timeoutSec: number;
}

const UUID = '^[0-9a-f-]{36}$';
const E164 = '^\\+[1-9][0-9]{6,14}$';
const placeBody = {
  type: 'object',
  additionalProperties: false,
  required: ['outboundCallId', 'to', 'from', 'machineDetection', 'timeoutSec'],
  properties: {
    outboundCallId: { type: 'string', pattern: UUID },
    to: { type: 'string', pattern: E164 },
    from: { type: 'string', pattern: E164 },
    machineDetection: { type: 'string', enum: ['Enable', 'DetectMessageEnd'] },
    timeoutSec: { type: 'integer', minimum: 5, maximum: 600 },
  },
} as const;
const callQuery = {
  type: 'object',
  required: ['call'],
  properties: { call: { type: 'string', pattern: UUID } },
} as const;
const STATUSES = new Set([
  'initiated',
  'ringing',
  'in-progress',
  'completed',
  'busy',
  'no-answer',
  'failed',
  'canceled',
]);
const SORRY = 'Sorry, we cannot continue this call right now. Goodbye.';

type Form = Record<string, unknown>;
/** A form field Twilio sends once; anything else (repeated, absent) is undefined. */
const field = (form: Form, name: string): string | undefined =>
  typeof form[name] === 'string' ? (form[name] as string) : undefined;

/** The routes of outbound calling. */
export const outboundRoutes: FastifyPluginAsync<OutboundRouteOptions> = async (app, opts) => {
  const base = opts.publicBaseUrl.replace(/\/+$/, '');
  const urlFor = (kind: string, id: string) => `${base}/twilio-outbound/${kind}?call=${id}`;

  /** Twilio's signature over the public URL; false (403 sent) when it does not match. */
  const signed = (req: FastifyRequest, reply: FastifyReply): boolean => {
    const sig = req.headers['x-twilio-signature'];
    const form = (req.body && typeof req.body === 'object' ? req.body : {}) as Record<string, string>;
    if (typeof sig === 'string' && validateTwilioRequest(opts.authToken, sig, base + req.url, form))
      return true;
    opts.metrics.webhooksRefused++;
    req.log.warn({ reason: 'outbound callback signature does not match' }, 'webhook refused');
    void reply.status(403).send({ error: { code: 'FORBIDDEN', message: 'invalid signature' } });
    return false;
  };

  if (opts.serviceToken) {
    app.post<{ Body: PlaceBody }>(
      '/internal/outbound-calls',
      { preHandler: requireServiceToken(opts.serviceToken), schema: { body: placeBody } },
      async (req, reply) => {
        if (!opts.calls) throw OutboundErrors.unavailable('this voice-server cannot place calls');
        const b = req.body;
        const log = req.log.child({ outboundCallId: b.outboundCallId });
        const result = await opts.calls.createCall({
          to: b.to,
          from: b.from,
          url: urlFor('answer', b.outboundCallId),
          statusCallback: urlFor('status', b.outboundCallId),
          machineDetection: b.machineDetection,
          asyncAmdStatusCallback: urlFor('amd', b.outboundCallId),
          timeoutSec: b.timeoutSec,
        });
        if (result.ok) {
          log.info({ callSid: result.callSid, to: maskPhone(b.to) }, 'outbound call created');
          return reply.status(201).send({ callSid: result.callSid, status: result.status });
        }
        log.warn({ to: maskPhone(b.to), refused: result.refused }, 'outbound call not created');
        if (result.refused)
          throw OutboundErrors.twilioRefused(result.message, {
            ...(result.twilioCode ? { twilioCode: result.twilioCode } : {}),
          });
        throw OutboundErrors.twilioFailed(result.message);
      },
    );
  }

  app.post<{ Querystring: { call: string }; Body: Form }>(
    '/twilio-outbound/answer',
    { schema: { querystring: callQuery } },
    async (req, reply) => {
      if (!signed(req, reply)) return reply;
      const form = req.body ?? {};
      const callSid = field(form, 'CallSid') ?? '';
      const to = field(form, 'To') ?? '';
      const log = req.log.child({ callSid, outboundCallId: req.query.call });
      reply.type('text/xml');
      if (!opts.reports || !/^CA[0-9a-f]{32}$/i.test(callSid)) return sayAndHangupTwiml(SORRY);
      let answer: Awaited<ReturnType<OutboundReports['report']>>;
      try {
        answer = await opts.reports.report(req.query.call, { callSid, status: 'in-progress' });
      } catch (err) {
        log.error(
          { err: { message: (err as Error).message } },
          'outbound call unknown to ai-server; hanging up',
        );
        return sayAndHangupTwiml(SORRY);
      }
      if (['completed', 'busy', 'no-answer', 'failed', 'canceled'].includes(answer.status))
        return hangupTwiml();
      if (opts.admitCall && !opts.admitCall()) {
        opts.metrics.breakerFallbacks++;
        log.warn('Realtime circuit breaker open: the outbound call ends with an apology');
        return sayAndHangupTwiml(SORRY);
      }
      const profile = await opts.profiles?.getBotProfile(answer.profileRef).catch((err: Error) => {
        log.warn(
          { err: { message: err.message } },
          'bot profile unavailable at answer; the call is not recorded',
        );
        return undefined;
      });
      const recording = recordingTwiml(profile, opts.publicBaseUrl);
      if (recording.startRecording) opts.metrics.add(opts.metrics.callRecordings, 'started');
      const parameters: Record<string, string> = {
        bot_profile_key: answer.profileRef,
        is_sip_call: 'false',
        // The person called is "the caller" of the session: the number the agent talks to.
        original_caller_number: to,
        outbound_call_id: req.query.call,
      };
      parameters[STREAM_TOKEN_PARAM] = opts.streamTokens.issue(callSid, parameters);
      log.info(
        { botProfileKey: answer.profileRef, to: maskPhone(to), recorded: !!recording.sayFirst },
        'outbound call answered',
      );
      return connectStreamTwiml({
        url: opts.streamUrl,
        parameters,
        ...recording,
      });
    },
  );

  app.post<{ Querystring: { call: string }; Body: Form }>(
    '/twilio-outbound/status',
    { schema: { querystring: callQuery } },
    async (req, reply) => {
      if (!signed(req, reply)) return reply;
      const form = req.body ?? {};
      const status = field(form, 'CallStatus') ?? '';
      const callSid = field(form, 'CallSid') ?? '';
      if (!opts.reports || !STATUSES.has(status) || !/^CA[0-9a-f]{32}$/i.test(callSid))
        return reply.status(204).send();
      const duration = Number(field(form, 'CallDuration'));
      await opts.reports
        .report(req.query.call, {
          callSid,
          status,
          ...(Number.isInteger(duration) && duration >= 0 && duration <= 86_400
            ? { durationSec: duration }
            : {}),
        })
        .catch((err: Error) =>
          req.log.warn({ callSid, err: { message: err.message } }, 'outbound status not reported'),
        );
      return reply.status(204).send();
    },
  );

  app.post<{ Querystring: { call: string }; Body: Form }>(
    '/twilio-outbound/amd',
    { schema: { querystring: callQuery } },
    async (req, reply) => {
      if (!signed(req, reply)) return reply;
      const form = req.body ?? {};
      const callSid = field(form, 'CallSid') ?? '';
      const answeredBy = (field(form, 'AnsweredBy') ?? '').slice(0, 64);
      if (!opts.reports || !answeredBy || !/^CA[0-9a-f]{32}$/i.test(callSid)) return reply.status(204).send();
      const log = req.log.child({ callSid, outboundCallId: req.query.call });
      try {
        const answer = await opts.reports.report(req.query.call, { callSid, answeredBy });
        const action = machineAction(answeredBy, answer.voicemailMessage);
        log.info({ answeredBy, action }, 'answering machine detection');
        if (action === 'continue') return reply.status(204).send();
        // New TwiML ends the stream (and the agent's session); Twilio then says the message or hangs up.
        if (action === 'leave_message')
          await opts.twilioRest.updateCallTwiml(callSid, sayAndHangupTwiml(answer.voicemailMessage!));
        else await opts.twilioRest.hangup(callSid);
        await opts.reports.report(req.query.call, {
          callSid,
          voicemail: action === 'leave_message' ? 'left_message' : 'hung_up',
        });
      } catch (err) {
        log.warn({ err: { message: (err as Error).message } }, 'answering machine verdict not acted on');
      }
      return reply.status(204).send();
    },
  );
};

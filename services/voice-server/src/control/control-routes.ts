import { Errors, requireServiceToken } from '@switchboard/service-kit';
import type { FastifyInstance, FastifyPluginAsync } from 'fastify';
import { errInfo } from '../session/call-types.ts';
import { NoCallerIdError, type TwilioSessionManager } from '../session/session-manager.ts';
import type { SessionRegistry } from '../session/session-registry.ts';

export interface ControlOptions {
  sessions: SessionRegistry;
  serviceToken: string;
}

/** E.164: a plus, a leading digit that is not zero, at most 15 digits in all. */
export const E164 = '^\\+[1-9][0-9]{6,14}$';

const staff = {
  staffId: { type: 'string', minLength: 1, maxLength: 128 },
  staffName: { type: 'string', minLength: 1, maxLength: 200 },
} as const;
const params = {
  type: 'object',
  required: ['callSid'],
  properties: { callSid: { type: 'string', minLength: 1, maxLength: 64 } },
} as const;

interface StaffBody {
  staffId: string;
  staffName: string;
}

/**
 * The live monitor's actions (CALL_CONTROL_PATHS) on a call this instance holds, for app-server (service token): end it
 * politely, or transfer it. 404 when the call is not here (it ended, or another instance holds it).
 */
export const controlRoutes: FastifyPluginAsync<ControlOptions> = async (app: FastifyInstance, opts) => {
  const auth = requireServiceToken(opts.serviceToken);
  const held = (callSid: string): TwilioSessionManager => {
    for (const s of opts.sessions) if (s.call.callSid === callSid && !s.isEnded) return s;
    throw Errors.notFound('this voice-server holds no such call');
  };

  app.post<{ Params: { callSid: string }; Body: StaffBody }>(
    '/internal/calls/:callSid/end',
    {
      preHandler: auth,
      schema: {
        params,
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['staffId', 'staffName'],
          properties: staff,
        },
      },
    },
    async (req, reply) => {
      const ending = held(req.params.callSid).endByStaff(req.body);
      return reply.status(202).send({ status: ending ? 'ending' : 'already_ending' });
    },
  );

  app.post<{ Params: { callSid: string }; Body: StaffBody & { to: string } }>(
    '/internal/calls/:callSid/transfer',
    {
      preHandler: auth,
      schema: {
        params,
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['staffId', 'staffName', 'to'],
          properties: { ...staff, to: { type: 'string', pattern: E164 } },
        },
      },
    },
    async (req, reply) => {
      const session = held(req.params.callSid);
      try {
        const { to, ...actor } = req.body;
        if (!(await session.transferByStaff(to, actor)))
          throw Errors.notFound('this voice-server holds no such call');
      } catch (err) {
        if (err instanceof NoCallerIdError) throw Errors.conflict(err.message);
        if ((err as { statusCode?: number }).statusCode === 404) throw err;
        req.log.warn({ err: errInfo(err) }, 'staff transfer failed');
        throw Errors.upstream('Twilio refused the transfer');
      }
      return reply.status(202).send({ status: 'transferring' });
    },
  );
};

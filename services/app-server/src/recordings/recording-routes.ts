/**
 * The recording routes: voice-server's report (service token), and the brand's staff playing
 * (`GET /api/conversations/:id/recording`, the audio streamed from Twilio) and deleting one.
 */
import { Readable } from 'node:stream';
import type { ReadableStream as NodeReadableStream } from 'node:stream/web';
import { answer, obj, str } from '@switchboard/service-kit';
import type { FastifyInstance, preHandlerHookHandler } from 'fastify';
import type { Principal } from '../auth/authenticator.ts';
import { callSidParams } from '../conversations/schemas.ts';
import type { RecordingService } from './recording-service.ts';
import type { RecordingStatus } from './recording-store.ts';

interface ReportBody {
  recordingSid: string;
  accountSid: string;
  status: RecordingStatus;
  durationSec: number;
  channels: number;
  startedAt?: string;
}

export const recordingReportBody = {
  type: 'object',
  additionalProperties: false,
  required: ['recordingSid', 'accountSid', 'status', 'durationSec', 'channels'],
  properties: {
    recordingSid: { type: 'string', pattern: '^RE[0-9a-fA-F]{32}$' },
    accountSid: { type: 'string', pattern: '^AC[0-9a-fA-F]{32}$' },
    status: { type: 'string', enum: ['completed', 'absent', 'failed'] },
    durationSec: { type: 'integer', minimum: 0, maximum: 86_400 },
    channels: { type: 'integer', enum: [1, 2] },
    startedAt: { type: 'string', format: 'date-time' },
  },
} as const;

const idParams = {
  type: 'object',
  required: ['id'],
  properties: { id: { type: 'string', minLength: 1, maxLength: 64 } },
} as const;

const mediaQuery = {
  type: 'object',
  additionalProperties: false,
  properties: { format: { type: 'string', enum: ['wav', 'mp3'] } },
} as const;

/** voice-server's route (service token). */
export async function recordingInternalRoutes(
  app: FastifyInstance,
  opts: { recordings: RecordingService; requireService: preHandlerHookHandler },
): Promise<void> {
  app.post<{ Params: { callSid: string }; Body: ReportBody }>(
    '/internal/conversations/:callSid/recording',
    {
      preHandler: opts.requireService,
      schema: {
        params: callSidParams,
        body: recordingReportBody,
        response: {
          200: answer(
            'Stored on the conversation (a deleted recording stays deleted)',
            obj({ conversationId: str, status: str }),
          ),
        },
      },
    },
    async (req) => {
      const b = req.body;
      const rec = await opts.recordings.record(req.params.callSid, {
        recordingSid: b.recordingSid,
        accountSid: b.accountSid,
        status: b.status,
        durationSec: b.durationSec,
        channels: b.channels,
        startedAt: b.startedAt ? new Date(b.startedAt) : null,
      });
      return { conversationId: rec.conversationId, status: rec.deletedAt ? 'deleted' : rec.status };
    },
  );
}

/** The staff routes (behind requirePrincipal): play and delete, scoped to the principal's brand. */
export async function recordingApiRoutes(
  app: FastifyInstance,
  opts: { recordings: RecordingService },
): Promise<void> {
  const principal = (req: { principal?: Principal }): Principal => req.principal!;

  app.get<{ Params: { id: string }; Querystring: { format?: 'wav' | 'mp3' } }>(
    '/api/conversations/:id/recording',
    { schema: { params: idParams, querystring: mediaQuery } },
    async (req, reply) => {
      const format = req.query.format ?? 'wav';
      const res = await opts.recordings.media(principal(req).brandId, req.params.id, format);
      const length = res.headers.get('content-length');
      reply
        .header('content-type', format === 'mp3' ? 'audio/mpeg' : 'audio/wav')
        .header('cache-control', 'private, no-store')
        .header('content-disposition', `inline; filename="call-${req.params.id}.${format}"`);
      if (length && /^\d+$/.test(length)) reply.header('content-length', length);
      return reply.send(Readable.fromWeb(res.body as unknown as NodeReadableStream<Uint8Array>));
    },
  );

  app.delete<{ Params: { id: string } }>(
    '/api/conversations/:id/recording',
    { schema: { params: idParams } },
    async (req, reply) => {
      const p = principal(req);
      await opts.recordings.deleteForStaff(p.brandId, req.params.id, p.id);
      req.log.info({ conversationId: req.params.id, by: p.id }, 'recording deleted by staff');
      return reply.status(204).send();
    },
  );
}

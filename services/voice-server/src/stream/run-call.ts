import type { RealtimeConnector } from '@switchboard/realtime';
import type { Logger } from '@switchboard/service-kit';
import { annotateActiveSpan, withStageSpan } from '@switchboard/service-kit';
import type { FastifyBaseLogger } from 'fastify';
import type { VoiceMetrics } from '../metrics.ts';
import type { AmdGate } from '../outbound/amd-gate.ts';
import type { CallAiServer } from '../ports/ai-server.ts';
import type { AppServerClient } from '../ports/app-server.ts';
import type { CallTransport } from '../ports/call-transport.ts';
import type { TwilioRest } from '../ports/twilio-rest.ts';
import type { LevelsSink } from '../session/audio-levels.ts';
import type { SessionHealth } from '../session/reconnect-budget.ts';
import {
  type CallInfo,
  type CallLimitsOverrides,
  type SpeechProviders,
  type TtsControl,
  TwilioSessionManager,
} from '../session/session-manager.ts';
import type { SessionRegistry } from '../session/session-registry.ts';
import type { CallTracer } from '../telemetry/call-tracer.ts';

/** What every call needs, whichever transport carries it (Twilio's Media Stream, a browser). */
export interface CallRunOptions {
  aiServer: CallAiServer;
  appServer: AppServerClient;
  twilioRest: TwilioRest;
  connectRealtime: RealtimeConnector;
  metrics: VoiceMetrics;
  sessions: SessionRegistry;
  tts?: () => TtsControl | undefined;
  limits?: CallLimitsOverrides;
  /** Where each call reports its Realtime sessions' health (the circuit breaker). */
  realtimeHealth?: SessionHealth;
  tracer?: CallTracer;
  speech?: SpeechProviders;
  /** Outbound calls hold their opening until answering machine detection says human. */
  amdGate?: AmdGate;
  /** Where calls' audio levels go (the live monitor). */
  levels?: LevelsSink;
  /** The URL app-server reaches this instance's call controls at. */
  controlUrl?: () => string | undefined;
}

/** Runs one accepted call on the session core to its end, registered while it runs. */
export async function runCall(
  opts: CallRunOptions,
  transport: CallTransport,
  call: CallInfo,
  log: FastifyBaseLogger,
  twilioRest: TwilioRest = opts.twilioRest,
): Promise<void> {
  const tts = opts.tts?.();
  const session = new TwilioSessionManager(
    {
      transport,
      connectRealtime: opts.connectRealtime,
      aiServer: opts.aiServer,
      appServer: opts.appServer,
      twilioRest,
      logger: log as unknown as Logger,
      metrics: opts.metrics,
      ...(tts ? { tts } : {}),
      ...(opts.limits ? { limits: opts.limits } : {}),
      ...(opts.realtimeHealth ? { realtimeHealth: opts.realtimeHealth } : {}),
      ...(opts.tracer ? { tracer: opts.tracer } : {}),
      ...(opts.speech ? { speech: opts.speech } : {}),
      ...(opts.amdGate ? { amdGate: opts.amdGate } : {}),
      ...(opts.levels ? { levels: opts.levels } : {}),
      ...(opts.controlUrl ? { controlUrl: opts.controlUrl } : {}),
    },
    call,
  );
  opts.sessions.add(session);
  try {
    annotateActiveSpan({ 'call.sid': call.callSid });
    await withStageSpan(
      'voice-server',
      'call',
      { 'call.sid': call.callSid, 'call.stream_sid': call.streamSid, 'bot.profile_key': call.botProfileKey },
      () => session.run(),
    );
  } finally {
    opts.sessions.delete(session);
  }
}

import type { Logger } from '@switchboard/service-kit';
import { maskPhone } from '@switchboard/service-kit';
import { servedLanguages } from '../language/languages.ts';
import type { VoiceMetrics } from '../metrics.ts';
import type { CallAiServer, CallProfile } from '../ports/ai-server.ts';
import { type AppServerClient, hasDurableTasks } from '../ports/app-server.ts';
import type { CallInfo } from '../ports/call-control.ts';
import type { CallTrace } from '../telemetry/call-tracer.ts';
import { debitCall } from './call-limits.ts';
import type { SpeechUsage } from './call-speech.ts';
import { type EndReason, errInfo } from './call-types.ts';
import type { Transcript } from './transcript.ts';

/**
 * What the rest of the platform hears about a call: its start (metrics, log, the conversation in
 * app-server) and its end (the transcript flushed, the end reason and duration, the debit).
 */
export class CallReport {
  /** Settles once app-server has the conversation (or failed to take it). */
  conversationStarted: Promise<void> = Promise.resolve();

  constructor(
    private readonly deps: {
      call: CallInfo;
      startedAtMs: number;
      aiServer: CallAiServer;
      appServer: AppServerClient;
      metrics: VoiceMetrics;
      log: Logger;
      /** The call's trace: ended here, its id sent with the conversation. */
      trace?: CallTrace;
      /** Where app-server reaches this instance's controls for the call. */
      controlUrl?: () => string | undefined;
    },
  ) {}

  started(): void {
    const { metrics, log, call } = this.deps;
    metrics.activeCalls++;
    metrics.callsStarted++;
    log.info(
      { botProfileKey: call.botProfileKey, caller: maskPhone(call.callerNumber), isSip: call.isSip },
      'call started',
    );
  }

  /** The call was accepted on `profile`: app-server opens its conversation. */
  startConversation(profile: CallProfile, outbound = false): void {
    const { call } = this.deps;
    const controlUrl = this.deps.controlUrl?.();
    this.conversationStarted = this.deps.appServer
      .startConversation({
        callSid: call.callSid,
        botProfileKey: call.botProfileKey,
        ...(profile.brandId ? { brandId: profile.brandId } : {}),
        callerNumber: call.callerNumber,
        isSip: call.isSip,
        startedAt: new Date(this.deps.startedAtMs).toISOString(),
        ...(call.freshcallerCallId ? { freshcallerCallId: call.freshcallerCallId } : {}),
        direction: call.channel === 'web' ? 'web' : outbound ? 'outbound' : 'inbound',
        language: servedLanguages(profile)[0]!.tag,
        ...(controlUrl ? { controlUrl } : {}),
      })
      .catch((err) => this.deps.log.warn({ err: errInfo(err) }, 'conversation start sync failed'));
  }

  /** The call is over: the rest of the transcript, the end, and (once the model was reached) the debit. */
  finished(reason: EndReason, transcript: Transcript, reachedModel: boolean, speech?: SpeechUsage): void {
    const { call, startedAtMs, appServer, metrics, log } = this.deps;
    if (speech) metrics.ttsCharacters += speech.charactersSynthesized;
    transcript.flush();
    const durationSec = Math.round((Date.now() - startedAtMs) / 100) / 10;
    void this.conversationStarted
      .then(() =>
        appServer.endConversation(call.callSid, {
          endReason: reason,
          endedAt: new Date().toISOString(),
          durationSec,
          ...(this.deps.trace?.traceId ? { opikTraceId: this.deps.trace.traceId } : {}),
        }),
      )
      .catch((err) => log.warn({ err: errInfo(err) }, 'conversation end sync failed'));
    if (reachedModel) {
      const debit = {
        botProfileKey: call.botProfileKey,
        callSid: call.callSid,
        durationSec: Math.max(1, Math.ceil((Date.now() - startedAtMs) / 1000)),
      };
      // Through the outbox when there is one: retried like transcripts, and draining waits for it.
      if (hasDurableTasks(appServer))
        appServer.enqueueTask(`debit:${call.callSid}`, 'debit', () =>
          this.deps.aiServer.debitCall(debit.botProfileKey, {
            callSid: debit.callSid,
            durationSec: debit.durationSec,
          }),
        );
      else debitCall(this.deps.aiServer, debit, log);
    }
    this.deps.trace?.end({ endReason: reason, durationSec });
    metrics.callEnded(reason);
    // External speech used, for cost attribution (characters synthesized, caller audio transcribed).
    const usage = speech && (speech.voiceProvider !== 'openai' || speech.transcriber) ? { speech } : {};
    log.info({ reason, durationSec, ...usage }, 'call ended');
  }
}

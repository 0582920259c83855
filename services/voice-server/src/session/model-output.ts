import type { RealtimeConnection, RealtimeEventResult, RealtimeServerEvent } from '@switchboard/realtime';
import type { Logger } from '@switchboard/service-kit';
import type { VoiceMetrics } from '../metrics.ts';
import type { TracedResponse } from '../telemetry/call-tracer.ts';
import type { AfterReply } from './after-reply.ts';
import type { AudioOut } from './audio-out.ts';
import type { BargeIn } from './barge-in.ts';
import type { CallLimiter } from './call-limits.ts';
import { errInfo } from './call-types.ts';
import { RELAY_SAMPLE_EVERY } from './caller-input.ts';
import type { CallLifecycle } from './lifecycle.ts';
import { AFTER_CONTENT_FILTER, AFTER_FAILED_RESPONSE } from './lines.ts';
import type { RealtimeLink } from './realtime-link.ts';
import { isFatalRealtimeError } from './reconnect-budget.ts';
import type { ResponseQueue } from './response-queue.ts';
import type { ToolBridge } from './tool-bridge.ts';
import type { TranscriptEvents } from './transcript-events.ts';

/** Responses that may fail in a row before the call takes its fallback (a retry, an apology, then give up). */
export const MAX_FAILED_RESPONSES_IN_ROW = 3;

export interface ModelOutputDeps {
  link: RealtimeLink;
  lifecycle: CallLifecycle;
  audioOut: AudioOut;
  responses: ResponseQueue;
  bargeIn: BargeIn;
  afterReply: AfterReply;
  tools: ToolBridge;
  transcriptEvents: TranscriptEvents;
  limiter: CallLimiter;
  /** The first response of the call, asked for once the session is configured. */
  greeting: () => string;
  /** Something worth keeping on the conversation (a failed response). */
  record: (text: string) => void;
  metrics: VoiceMetrics;
  log: Logger;
  /** Told of every finished response (the trace: usage, cost). */
  onResponseDone?: (response: TracedResponse) => void;
  /** The external voice, for text responses (a profile with its own TTS voice). */
  speech?: TextSpeech;
}

/** Where the text of text-only responses goes to be spoken. */
export interface TextSpeech {
  onTextDelta(responseId: string, itemId: string, delta: string): void;
  onTextDone(itemId: string): void;
  onResponseDone(responseId: string): void;
}

/**
 * Loop 2, model → caller: Realtime events in arrival order, across reconnects and renewals. Audio
 * deltas go to Twilio unless their response was cancelled (a mark every second of audio and at the end
 * of the audio: `response.output_audio.done`, `response.done`, or the socket's end); every other event is handed
 * to the part that owns it, synchronously and in a fixed order.
 */
export class ModelOutput {
  private greeted = false;
  /** Audio deltas relayed, for sampling the relay latency. */
  private deltasRelayed = 0;
  /** Event types already logged as refused on this call (logged once per type). */
  private readonly refusedLogged = new Set<string>();
  /** Responses that failed since the last one that did not. */
  private failedInRow = 0;
  /** The model was asked to apologise for a content-filter cut, and has not completed an answer since. */
  private filterApologyAsked = false;

  constructor(private readonly deps: ModelOutputDeps) {}

  /** Reads Realtime events for the whole call, across reconnects and renewals. */
  async run(first: RealtimeConnection): Promise<void> {
    const { link, lifecycle } = this.deps;
    let current = first;
    for (;;) {
      await current.events.drain((r) => {
        this.onEntered(r);
        return !lifecycle.isEnded;
      });
      // Audio sent from a socket that stopped mid-response still gets its closing mark.
      this.deps.audioOut.endMark();
      if (lifecycle.isEnded) return;
      // A renewal swapped the socket under us: read the new one.
      const now = link.current;
      if (now && now !== current) {
        current = now;
        continue;
      }
      const info = await current.closed;
      const next = await link.reconnect(info);
      if (!next) return;
      current = next;
    }
  }

  /**
   * One event from the socket: a refused one is dropped, counted and logged once per call per type; a
   * handler that fails is counted the same way. Nothing from the socket ends the loop.
   */
  onEntered(r: RealtimeEventResult): void {
    if (!r.ok) {
      this.refused(r.type, r.code, r.reason);
      return;
    }
    try {
      this.onEvent(r.event);
    } catch (err) {
      this.refused(r.event.type, 'handler_error', errInfo(err).message);
    }
  }

  private refused(type: string, code: string, reason: string): void {
    this.deps.metrics.realtimeEventDropped(type, code);
    if (this.refusedLogged.has(type)) return;
    this.refusedLogged.add(type);
    this.deps.log.warn({ type, code, reason }, 'dropped a Realtime event (logged once per call per type)');
  }

  /** Handles one Realtime server event. */
  onEvent(ev: RealtimeServerEvent): void {
    const d = this.deps;
    switch (ev.type) {
      case 'response.output_audio.delta':
        if (d.responses.isCancelled(ev.response_id)) {
          d.metrics.lateDeltasDropped++;
          return;
        }
        {
          const sampled = (this.deltasRelayed++ & (RELAY_SAMPLE_EVERY - 1)) === 0;
          const startedAt = sampled ? performance.now() : 0;
          const timed = d.transcriptEvents.onAgentAudio(ev.item_id);
          d.limiter.activity();
          d.audioOut.agent(ev.item_id, ev.delta);
          if (timed) d.transcriptEvents.onAgentFrameSent(ev.item_id);
          if (sampled)
            d.metrics.relayLatencyByDirection.model_to_caller.observe((performance.now() - startedAt) / 1000);
        }
        return;
      case 'response.output_text.delta':
        if (d.responses.isCancelled(ev.response_id)) {
          d.metrics.lateDeltasDropped++;
          return;
        }
        d.speech?.onTextDelta(ev.response_id, ev.item_id, ev.delta);
        return;
      case 'response.output_text.done':
        d.speech?.onTextDone(ev.item_id);
        d.transcriptEvents.onEvent(ev);
        return;
      case 'input_audio_buffer.speech_started':
        d.bargeIn.onSpeechStarted();
        d.transcriptEvents.onSpeechStarted(ev.item_id, ev.audio_start_ms);
        return;
      case 'input_audio_buffer.speech_stopped':
        d.bargeIn.onSpeechStopped();
        d.transcriptEvents.onSpeechStopped(ev.item_id, ev.audio_end_ms);
        return;
      case 'session.updated':
        if (!this.greeted) {
          this.greeted = true;
          d.responses.request({ kind: 'greeting', line: d.greeting() });
        }
        return;
      case 'response.created':
        if (d.responses.onCreated(ev.response.id, ev.response.metadata).cancel) {
          // The caller spoke while this response was on its way: none of it may play.
          d.link.send({ type: 'response.cancel', response_id: ev.response.id });
        }
        d.afterReply.onResponseCreated(ev.response.id);
        return;
      case 'response.output_item.done':
        if (ev.item.type === 'function_call' && ev.item.call_id && ev.item.name) {
          d.tools.onFunctionCall({
            callId: ev.item.call_id,
            name: ev.item.name,
            argumentsJson: ev.item.arguments ?? '',
            responseId: ev.response_id,
          });
        }
        return;
      case 'response.output_audio.done':
        d.audioOut.endMark();
        d.transcriptEvents.onEvent(ev);
        return;
      case 'response.done': {
        d.audioOut.endMark();
        const id = ev.response.id ?? '';
        d.speech?.onResponseDone(id);
        const status = ev.response.status;
        if (status === 'failed') this.failedInRow++;
        else if (status === 'completed' || status === 'incomplete') this.failedInRow = 0;
        d.onResponseDone?.(ev.response as TracedResponse);
        if (status === 'failed' && this.failedInRow >= MAX_FAILED_RESPONSES_IN_ROW) {
          // Nothing more is asked of this model: the call takes its fallback.
          d.responses.reset();
          this.onFailedForGood(ev.response);
        } else {
          const outcome = d.responses.onDone(id, status);
          if (outcome.failed) this.onFailed(ev.response, outcome.retried);
          if (status === 'incomplete') this.onIncomplete(ev.response);
          else if (status === 'completed') this.filterApologyAsked = false;
        }
        d.tools.onResponseDone(id);
        d.afterReply.onResponseDone(id);
        d.link.maybeRenew();
        return;
      }
      case 'error':
        this.onError(ev.error);
        return;
      default:
        d.transcriptEvents.onEvent(ev);
    }
  }

  /** A response failed: it was asked for again, or (the second time) the model apologizes. */
  private onFailed(response: { id?: string; status_details?: unknown }, retried: boolean): void {
    const code = failureCode(response);
    this.deps.metrics.realtimeError(`response_failed:${code}`);
    this.deps.log.warn({ responseId: response.id, code, retried }, 'a Realtime response failed');
    this.deps.record(
      retried
        ? `The model failed to answer (${code}); asked again.`
        : `The model failed to answer again (${code}).`,
    );
    if (!retried) this.deps.responses.request({ kind: 'line', line: AFTER_FAILED_RESPONSE });
  }

  /**
   * Responses failed {@link MAX_FAILED_RESPONSES_IN_ROW} times in a row (the apology too): the model
   * cannot answer, so the session is given up and the call takes the drop fallback (a transfer to the
   * profile's person, or a callback and a goodbye).
   */
  private onFailedForGood(response: { id?: string; status_details?: unknown }): void {
    const code = failureCode(response);
    this.deps.metrics.realtimeError(`response_failed:${code}`);
    this.deps.log.warn(
      { responseId: response.id, code, inRow: this.failedInRow },
      'Realtime responses keep failing; taking the fallback',
    );
    this.deps.record(
      `The model failed to answer ${this.failedInRow} times in a row (${code}); the call took its fallback.`,
    );
    this.deps.link.refusedForGood('response_failed_repeatedly');
  }

  /**
   * A response ended `incomplete`: at `max_output_tokens` what was said stands; cut by the content
   * filter, the caller would be left in silence, so the model apologises (once until an answer goes
   * through: an apology cut the same way is not asked again). Both are kept on the conversation.
   */
  private onIncomplete(response: { id?: string; status_details?: unknown }): void {
    const reason = (response.status_details as { reason?: string } | null | undefined)?.reason ?? 'unknown';
    const d = this.deps;
    d.metrics.realtimeError(`response_incomplete:${reason}`);
    d.log.info({ responseId: response.id, reason }, 'a Realtime response ended incomplete');
    if (reason !== 'content_filter') {
      d.record(`The model's answer was cut short (${reason}); what was said stands.`);
      return;
    }
    if (this.filterApologyAsked) {
      d.record("The content filter cut the model's apology too; nothing more was asked.");
      return;
    }
    this.filterApologyAsked = true;
    d.record("The content filter cut the model's answer short; the model was asked to apologise.");
    d.responses.request({ kind: 'line', line: AFTER_CONTENT_FILTER });
  }

  private onError(error: { code?: string | null; message: string; type: string }): void {
    const code = error.code ?? error.type;
    this.deps.metrics.realtimeError(code);
    if (code === 'conversation_already_has_active_response') {
      // The server started a response (VAD) as we asked for one: ask again when it is done.
      this.deps.responses.onAlreadyActive();
      this.deps.log.info('a response was already active; will create again when it is done');
      return;
    }
    if (isFatalRealtimeError(code)) {
      this.deps.link.refusedForGood(code);
      return;
    }
    if (code === 'response_cancel_not_active') {
      this.deps.log.debug('cancel raced the end of the response');
      return;
    }
    this.deps.log.warn({ code, message: error.message }, 'Realtime error event');
  }
}

/** The error code of a failed response (`status_details.error`), or `unknown`. */
function failureCode(response: { status_details?: unknown }): string {
  const details = response.status_details as { error?: { code?: string; type?: string } } | null | undefined;
  return details?.error?.code ?? details?.error?.type ?? 'unknown';
}

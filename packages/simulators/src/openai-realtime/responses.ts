/**
 * The response lifecycle: one response at a time (`response.create` during an active one is refused
 * like the real API refuses it, and so is a VAD turn that would start one), cancellation by the client
 * or by VAD, scripted failed and incomplete ends, `response.done` with the status, output and usage,
 * then `rate_limits.updated`. A user turn that ends while a cancelled response winds down is answered
 * right after it.
 */

import { type ActiveResponse, type CancelReason, endAsScripted } from './active-response.ts';
import { formatBytesPerMs } from './audio-format.ts';
import { sendMalformedEvents } from './connection-faults.ts';
import { RealtimeProtocolError } from './errors.ts';
import { newId } from './ids.ts';
import { Sleeper } from './pacing.ts';
import { DEFAULT_REPLY_LANGUAGE, inLanguage } from './reply-language.ts';
import { type ResponseOutcome, serverErrorMessage } from './response-outcomes.ts';
import { defaultResponseParams, parseResponseCreate, type ResponseParams } from './response-params.ts';
import { finalStatus, rateLimitsEvent, responseObject, responseUsage } from './response-report.ts';
import { streamFunctionCall, streamMessage } from './response-stream.ts';
import type { PlannedReply } from './scenario.ts';
import type { SessionCore } from './session-core.ts';
import type { SimActiveResponse, SimReply } from './session-types.ts';
import { tokensForText } from './text-units.ts';
import { expectString } from './validate.ts';

/** Runs a session's responses, one at a time. */
export class ResponseRunner {
  /**
   * Called after each `response.done` with the input position at which the reply's audio would have
   * finished playing (the idle timeout counts from there).
   */
  onFinished: ((replyEndInputMs: number) => void) | null = null;

  private readonly core: SessionCore;
  private current: ActiveResponse | null = null;
  private readonly replyLog: SimReply[] = [];
  private answerAfterCurrent = false;
  /** Responses the fault plan's `responseOutcome` has ended so far. */
  private faultOutcomesUsed = 0;

  constructor(core: SessionCore) {
    this.core = core;
  }

  /** True while a response is active (until its `response.done`). */
  get isActive(): boolean {
    return this.current !== null;
  }

  /** The active response as tests see it. */
  get view(): SimActiveResponse | null {
    const r = this.current;
    if (!r) return null;
    return {
      id: r.id,
      cancelReason: r.cancel?.reason ?? null,
      itemIds: r.output.map((i) => i.id),
      audioMsSent: r.audioMsSent,
      text: r.plan.text,
    };
  }

  /** Which scenario reply each response played, in order. */
  get replies(): SimReply[] {
    return this.replyLog.map((r) => ({ ...r, toolCalls: [...r.toolCalls] }));
  }

  /** `response.create`. */
  create(event: Record<string, unknown>): void {
    if (this.current) throw this.busy();
    const params = parseResponseCreate(event, this.core.config, {
      audioProduced: this.core.audioDeltasSent > 0,
    });
    this.start(this.core.player.nextReply(), params);
  }

  /** `response.cancel`. */
  cancel(event: Record<string, unknown>): void {
    const wanted = event.response_id === undefined ? null : expectString(event.response_id, 'response_id');
    const active = this.current;
    if (!active || active.cancel || (wanted !== null && wanted !== active.id)) {
      throw new RealtimeProtocolError(
        'response_cancel_not_active',
        'Cancellation failed: no active response found',
        null,
      );
    }
    this.requestCancel(active, 'client_cancelled', this.core.faults.lateDeltasAfterCancel ?? 0);
  }

  /** Caller speech started: cancels an in-band response (barge-in with `interrupt_response`). */
  interruptForSpeech(): void {
    const r = this.current;
    if (r && !r.cancel && r.conversation === 'auto') this.requestCancel(r, 'turn_detected', 0);
  }

  /**
   * A VAD turn ended with `create_response`: answers it now, or right after a cancelled response. A
   * response still going (not interrupted) is not replaced: the server reports the refused response as
   * the real API does, with no client `event_id` (the error reported in tleyden/arty#81).
   */
  answerUserTurn(): void {
    if (!this.current) this.start(this.core.player.nextReply(), defaultResponseParams(this.core.config));
    else if (this.current.cancel) this.answerAfterCurrent = true;
    else this.core.out.sendError(this.busy(), null);
  }

  /** Ends the active response without a client event (the socket is going away). */
  cancelSilently(): void {
    const r = this.current;
    if (!r) return;
    r.cancel ??= { reason: 'client_cancelled', lateDeltas: 0 };
    r.sleeper.wake();
  }

  /** Starts a response that plays `plan` (as the effective instructions let the model play it). */
  start(scripted: PlannedReply, params: ResponseParams): void {
    const plan = inLanguage(this.core.player.inCharacter(scripted, params.instructions), params.instructions);
    const outcome = plan.outcome ?? this.faultOutcome();
    const r: ActiveResponse = {
      ...params,
      id: newId('resp'),
      plan,
      output: [],
      cancel: null,
      audioMsSent: 0,
      textSent: '',
      inputMsAtStart: this.core.buffer.endMs,
      inputTokens: this.countInputTokens(params.instructions),
      sleeper: new Sleeper(this.core.clock),
      timing: this.core.timing.response(),
      ending: outcome ? { outcome, atAudioMs: outcome.afterAudioMs ?? defaultCut(outcome) } : null,
      ended: null,
    };
    this.current = r;
    this.replyLog.push({
      responseId: r.id,
      source: plan.source,
      text: plan.text,
      language: plan.language ?? DEFAULT_REPLY_LANGUAGE,
      languageInForce: plan.languageInForce ?? DEFAULT_REPLY_LANGUAGE,
      toolCalls: plan.toolCalls,
      instructions: params.instructions,
      instructionsFrom: params.instructionsFrom,
      metadata: params.metadata,
      status: 'in_progress',
    });
    void this.run(r)
      .catch(() => {
        // a socket that died mid-write ends the response; the close handler does the bookkeeping
      })
      .finally(() => {
        if (this.current === r) this.current = null;
      });
  }

  private busy(): RealtimeProtocolError {
    return new RealtimeProtocolError(
      'conversation_already_has_active_response',
      `Conversation already has an active response in progress: ${this.current?.id}. Wait until the response is finished before creating a new one.`,
      null,
    );
  }

  /** The fault plan's outcome for the next response, while its `count` lasts. */
  private faultOutcome(): ResponseOutcome | null {
    const planned = this.core.faults.responseOutcome;
    if (!planned) return null;
    if (planned.count !== undefined && this.faultOutcomesUsed >= planned.count) return null;
    this.faultOutcomesUsed++;
    const { count: _count, ...outcome } = planned;
    return outcome;
  }

  private requestCancel(r: ActiveResponse, reason: CancelReason, lateDeltas: number): void {
    r.cancel = { reason, lateDeltas };
    r.sleeper.wake();
  }

  private async run(r: ActiveResponse): Promise<void> {
    const { core } = this;
    // realistic timing: the response exists (and is active) before the client hears of it; a cancel
    // meanwhile does not hurry the server, it ends the response once it has been created
    if (r.timing) await new Sleeper(core.clock).sleep(r.timing.createdDelayMs);
    if (!core.out.isOpen) return;
    core.out.send({ type: 'response.created', response: this.report(r, 'in_progress') });
    const malformed = core.faults.malformedEvents;
    if (malformed?.at === 'response') sendMalformedEvents(core.out, malformed, { responseId: r.id });
    // model think time: the message item is announced, then its first delta waits (livekit/agents#6157
    // shows the real gap between content_part.added and the first audio)
    const latency =
      r.plan.latencyMs + (core.faults.firstDeltaLatencyMs ?? 0) + (r.timing?.firstAudioAfterCreatedMs ?? 0);
    if (r.ending?.atAudioMs === 0) {
      if (latency > 0 && !r.cancel) await r.sleeper.sleep(latency);
      endAsScripted(r, r.ending.outcome);
    }
    let outputIndex = 0;
    if (r.plan.text.length > 0 && !r.cancel && !r.ended && core.out.isOpen) {
      const finished = await streamMessage(core, r, outputIndex++, latency);
      if (!finished) return;
    } else if (latency > 0 && !r.cancel && !r.ended) await r.sleeper.sleep(latency);
    const emitted: string[] = [];
    for (const call of r.plan.toolCalls) {
      if (r.cancel || r.ended || !core.out.isOpen) break;
      await streamFunctionCall(core, r, call, outputIndex++);
      emitted.push(call.callId);
    }
    if (!r.cancel && !r.ended && emitted.length > 0)
      core.player.expectToolOutputs(emitted, r.plan.afterTools);
    this.finish(r);
  }

  private finish(r: ActiveResponse): void {
    if (this.current === r) this.current = null;
    const { out } = this.core;
    if (!out.isOpen) return;
    const status = finalStatus(r);
    const logged = this.replyLog.find((x) => x.responseId === r.id);
    if (logged) logged.status = status;
    if (status === 'failed' && r.ended?.status === 'failed' && r.ended.outcome.serverErrorEvent) {
      out.send({
        type: 'error',
        error: {
          type: 'server_error',
          code: null,
          message: serverErrorMessage(this.core.sessionId),
          param: null,
          event_id: null,
        },
      });
    }
    out.send({ type: 'response.done', response: this.report(r, status) });
    out.send(rateLimitsEvent(responseUsage(r).total_tokens, this.core.faults.rateLimits));
    this.onFinished?.(Math.max(this.core.buffer.endMs, r.inputMsAtStart + r.audioMsSent));
    if (this.answerAfterCurrent) {
      this.answerAfterCurrent = false;
      this.start(this.core.player.nextReply(), defaultResponseParams(this.core.config));
    }
  }

  private report(r: ActiveResponse, status: Parameters<typeof responseObject>[1]) {
    return responseObject(r, status, {
      conversationId: this.core.conversation.id,
      sessionId: this.core.sessionId,
    });
  }

  /** Rough token counts of the context: ~4 characters per text token, 10 input audio tokens per second. */
  private countInputTokens(instructions: string): { text: number; audio: number } {
    let text = tokensForText(instructions);
    let audio = 0;
    for (const r of this.core.conversation.records) {
      if (r.text) text += tokensForText(r.text);
      if (typeof r.wire.output === 'string') text += tokensForText(r.wire.output);
      if (typeof r.wire.arguments === 'string') text += tokensForText(r.wire.arguments);
      if (r.audioFormat) {
        const ms = r.audioBytes / formatBytesPerMs(r.audioFormat);
        audio += Math.ceil(r.wire.role === 'assistant' ? ms / 50 : ms / 100);
      }
    }
    return { text, audio };
  }
}

/** Where a scripted end cuts the reply when the script does not say: failures before any output. */
function defaultCut(outcome: ResponseOutcome): number | 'half' {
  return outcome.status === 'failed' ? 0 : 'half';
}

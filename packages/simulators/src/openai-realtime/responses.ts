/**
 * The response lifecycle: one response at a time (`response.create` during an active one is refused
 * like the real API refuses it), cancellation by the client or by VAD, `response.done` with the
 * status, output and usage, then `rate_limits.updated`. A user turn that ends while a cancelled
 * response winds down is answered right after it.
 */

import type { ActiveResponse, CancelReason } from './active-response.ts';
import { formatBytesPerMs } from './audio-format.ts';
import { sendMalformedEvents } from './connection-faults.ts';
import { RealtimeProtocolError } from './errors.ts';
import { newId } from './ids.ts';
import { Sleeper } from './pacing.ts';
import { defaultResponseParams, parseResponseCreate, type ResponseParams } from './response-params.ts';
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
    if (this.current) {
      throw new RealtimeProtocolError(
        'conversation_already_has_active_response',
        `Conversation already has an active response in progress: ${this.current.id}. Wait until the response is finished before creating a new one.`,
        null,
      );
    }
    const params = parseResponseCreate(event, this.core.config);
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

  /** A VAD turn ended with `create_response`: answers it now, or right after a cancelled response. */
  answerUserTurn(): void {
    if (!this.current) this.start(this.core.player.nextReply(), defaultResponseParams(this.core.config));
    // the interrupted response is still winding down: answer this turn right after it
    else if (this.current.cancel) this.answerAfterCurrent = true;
  }

  /** Ends the active response without a client event (the socket is going away). */
  cancelSilently(): void {
    const r = this.current;
    if (!r) return;
    r.cancel ??= { reason: 'client_cancelled', lateDeltas: 0 };
    r.sleeper.wake();
  }

  /** Starts a response that plays `plan`. */
  start(plan: PlannedReply, params: ResponseParams): void {
    const r: ActiveResponse = {
      ...params,
      id: newId('resp'),
      plan,
      output: [],
      cancel: null,
      audioMsSent: 0,
      textSent: '',
      inputMsAtStart: this.core.buffer.endMs,
      inputTokens: this.countInputTokens(),
      sleeper: new Sleeper(this.core.clock),
    };
    this.current = r;
    this.replyLog.push({ responseId: r.id, source: plan.source, text: plan.text, toolCalls: plan.toolCalls });
    void this.run(r)
      .catch(() => {
        // a socket that died mid-write ends the response; the close handler does the bookkeeping
      })
      .finally(() => {
        if (this.current === r) this.current = null;
      });
  }

  private requestCancel(r: ActiveResponse, reason: CancelReason, lateDeltas: number): void {
    r.cancel = { reason, lateDeltas };
    r.sleeper.wake();
  }

  private async run(r: ActiveResponse): Promise<void> {
    const { core } = this;
    core.out.send({ type: 'response.created', response: this.responseObject(r, 'in_progress') });
    const malformed = core.faults.malformedEvents;
    if (malformed?.at === 'response') sendMalformedEvents(core.out, malformed, { responseId: r.id });
    const latency = r.plan.latencyMs + (core.faults.firstDeltaLatencyMs ?? 0);
    if (latency > 0) await r.sleeper.sleep(latency);
    let outputIndex = 0;
    if (r.plan.text.length > 0 && !r.cancel && core.out.isOpen) {
      const finished = await streamMessage(core, r, outputIndex++);
      if (!finished) return;
    }
    const emitted: string[] = [];
    for (const call of r.plan.toolCalls) {
      if (r.cancel || !core.out.isOpen) break;
      await streamFunctionCall(core, r, call, outputIndex++);
      emitted.push(call.callId);
    }
    if (!r.cancel && emitted.length > 0) core.player.expectToolOutputs(emitted, r.plan.afterTools);
    this.finish(r);
  }

  private finish(r: ActiveResponse): void {
    if (this.current === r) this.current = null;
    const { out } = this.core;
    if (!out.isOpen) return;
    const status = r.cancel ? 'cancelled' : 'completed';
    out.send({ type: 'response.done', response: this.responseObject(r, status) });
    const usage = this.usage(r);
    out.send({
      type: 'rate_limits.updated',
      rate_limits: [
        { name: 'requests', limit: 20_000, remaining: 19_999, reset_seconds: 0.003 },
        { name: 'tokens', limit: 4_000_000, remaining: 4_000_000 - usage.total_tokens, reset_seconds: 0.06 },
      ],
    });
    this.onFinished?.(Math.max(this.core.buffer.endMs, r.inputMsAtStart + r.audioMsSent));
    if (this.answerAfterCurrent) {
      this.answerAfterCurrent = false;
      this.start(this.core.player.nextReply(), defaultResponseParams(this.core.config));
    }
  }

  private responseObject(
    r: ActiveResponse,
    status: 'in_progress' | 'completed' | 'cancelled',
  ): Record<string, unknown> {
    return {
      object: 'realtime.response',
      id: r.id,
      status,
      status_details:
        r.cancel && status === 'cancelled' ? { type: 'cancelled', reason: r.cancel.reason } : null,
      output: status === 'in_progress' ? [] : r.output.map((i) => structuredClone(i.wire)),
      conversation_id: r.conversation === 'auto' ? this.core.conversation.id : null,
      output_modalities: r.modalities,
      max_output_tokens: r.maxOutputTokens,
      audio: { output: { format: r.format, voice: r.voice } },
      usage: status === 'in_progress' ? null : this.usage(r),
      metadata: r.metadata,
    };
  }

  private usage(r: ActiveResponse) {
    const outText = tokensForText(r.textSent);
    const outAudio = Math.ceil(r.audioMsSent / 50);
    const input = r.inputTokens.text + r.inputTokens.audio;
    return {
      total_tokens: input + outText + outAudio,
      input_tokens: input,
      output_tokens: outText + outAudio,
      input_token_details: {
        text_tokens: r.inputTokens.text,
        audio_tokens: r.inputTokens.audio,
        image_tokens: 0,
        cached_tokens: 0,
        cached_tokens_details: { text_tokens: 0, audio_tokens: 0, image_tokens: 0 },
      },
      output_token_details: { text_tokens: outText, audio_tokens: outAudio },
    };
  }

  /** Rough token counts of the context: ~4 characters per text token, 10 input audio tokens per second. */
  private countInputTokens(): { text: number; audio: number } {
    let text = tokensForText(this.core.config.instructions);
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

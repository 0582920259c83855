import type { Logger } from '@switchboard/service-kit';
import { disableLogger, Opik, type Trace } from 'opik';
import type { CallTrace, CallTracer, ToolRun, TracedCall, TracedResponse } from './call-tracer.ts';
import { costOf, type PriceTable, splitUsage } from './prices.ts';

export interface OpikTracerOptions {
  /** OPIK_URL_OVERRIDE: the Opik API base (`…/api`). */
  apiUrl: string;
  apiKey?: string;
  projectName: string;
  workspaceName: string;
  /** The Realtime model the calls use (priced from `prices`). */
  model: string;
  prices: PriceTable;
  /** Traces, spans and updates held at most while Opik has not taken them; beyond it they are dropped. */
  maxPending: number;
  /** How long after the first buffered item a flush starts. */
  flushDelayMs?: number;
  /** Longest wait for one Opik request. */
  requestTimeoutMs?: number;
  /** Told how many items were dropped (the metric). */
  onDropped: (n: number) => void;
  log: Logger;
}

/**
 * One Opik trace per call through the `opik` SDK: spans per tool run and per `response.done` (tokens
 * split by kind, the model, the cost from the price table), the call's total cost on the trace. It
 * never holds a call up: the SDK sends in the background, at most `maxPending` items wait for Opik,
 * and what does not fit is dropped and counted. Opik down or slow loses traces, never calls.
 */
export class OpikCallTracer implements CallTracer {
  private readonly client: Opik;
  private pending = 0;
  private flushing: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private dropping = false;

  constructor(private readonly opts: OpikTracerOptions) {
    // The SDK prints its own failures to stdout; ours go to the JSON log, once per outage.
    disableLogger();
    this.client = new Opik({
      apiUrl: opts.apiUrl,
      apiKey: opts.apiKey ?? '',
      projectName: opts.projectName,
      workspaceName: opts.workspaceName,
      batchDelayMs: opts.flushDelayMs ?? 500,
      requestOptions: { timeoutInSeconds: (opts.requestTimeoutMs ?? 5_000) / 1000, maxRetries: 0 },
    });
  }

  startCall(call: TracedCall): CallTrace {
    if (!this.admit(1)) return droppedTrace;
    const metadata = {
      callSid: call.callSid,
      streamSid: call.streamSid,
      botProfileKey: call.botProfileKey,
      isSip: call.isSip,
    };
    const trace = this.client.trace({
      name: 'call',
      input: { callSid: call.callSid, botProfileKey: call.botProfileKey, caller: call.caller },
      metadata,
      tags: ['call', call.isSip ? 'sip' : 'pstn'],
    });
    return new OpikCallTrace(trace, this, this.opts, metadata);
  }

  async flush(timeoutMs: number): Promise<void> {
    clearTimeout(this.timer);
    await Promise.race([
      this.client.flush().catch(() => {}),
      new Promise<void>((r) => setTimeout(r, timeoutMs).unref()),
    ]);
  }

  /** Reserves room for `n` items; false (and counted as dropped) when the buffer is full. */
  admit(n: number): boolean {
    if (this.pending + n > this.opts.maxPending) {
      this.opts.onDropped(n);
      if (!this.dropping) {
        this.dropping = true;
        this.opts.log.warn({ pending: this.pending }, 'Opik is not taking traces; dropping telemetry');
      }
      return false;
    }
    this.pending += n;
    this.schedule();
    return true;
  }

  private schedule(): void {
    if (this.flushing || this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      const counted = this.pending;
      this.flushing = this.client
        .flush()
        .catch(() => {})
        .finally(() => {
          this.pending = Math.max(0, this.pending - counted);
          this.flushing = undefined;
          if (this.pending < this.opts.maxPending) this.dropping = false;
          if (this.pending > 0) this.schedule();
        });
    }, this.opts.flushDelayMs ?? 500);
    this.timer.unref();
  }
}

const droppedTrace: CallTrace = { traceId: undefined, toolRan() {}, responseDone() {}, end() {} };

class OpikCallTrace implements CallTrace {
  private costUsd = 0;
  private tokens = 0;
  private unpriced = false;

  constructor(
    private readonly trace: Trace,
    private readonly tracer: OpikCallTracer,
    private readonly opts: OpikTracerOptions,
    private readonly metadata: Record<string, unknown>,
  ) {}

  get traceId(): string {
    return this.trace.data.id;
  }

  toolRan(run: ToolRun): void {
    if (!this.tracer.admit(1)) return;
    const endTime = new Date();
    this.trace.span({
      name: `tool ${run.call.name}`,
      type: 'tool',
      startTime: new Date(endTime.getTime() - run.durationMs),
      endTime,
      input: { arguments: run.args as Record<string, unknown> },
      output: { result: run.output as Record<string, unknown> },
      metadata: { durationMs: run.durationMs, ok: run.ok, callId: run.call.callId },
    });
  }

  responseDone(response: TracedResponse): void {
    if (!response.usage || !this.tracer.admit(1)) return;
    const split = splitUsage(response.usage);
    const cost = costOf(split, this.opts.prices[this.opts.model]);
    if (cost === undefined) this.unpriced = true;
    else this.costUsd += cost;
    this.tokens += split.total;
    const now = new Date();
    this.trace.span({
      name: 'response.done',
      type: 'llm',
      startTime: now,
      endTime: now,
      model: this.opts.model,
      provider: 'openai',
      usage: {
        prompt_tokens: response.usage.input_tokens ?? 0,
        completion_tokens: response.usage.output_tokens ?? 0,
        total_tokens: split.total,
        input_text_tokens: split.textInput,
        input_cached_text_tokens: split.cachedTextInput,
        input_audio_tokens: split.audioInput,
        input_cached_audio_tokens: split.cachedAudioInput,
        output_text_tokens: split.textOutput,
        output_audio_tokens: split.audioOutput,
      },
      ...(cost !== undefined ? { totalEstimatedCost: cost } : {}),
      metadata: { responseId: response.id ?? null, status: response.status ?? null },
    });
  }

  end(summary: { endReason: string; durationSec: number }): void {
    if (!this.tracer.admit(1)) return;
    this.trace.update({
      output: { endReason: summary.endReason, durationSec: summary.durationSec },
      metadata: {
        ...this.metadata,
        cost: {
          currency: 'USD',
          total: Math.round(this.costUsd * 1e8) / 1e8,
          byProvider: { openai: Math.round(this.costUsd * 1e8) / 1e8 },
          ...(this.unpriced ? { unpricedModel: this.opts.model } : {}),
        },
        tokens: this.tokens,
      },
      endTime: new Date(),
    });
  }
}

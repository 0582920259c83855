import type { Logger } from '@switchboard/service-kit';
import { disableLogger, Opik } from 'opik';
import { type CallTrace, type CallTracer, NO_TRACE, type TracedCall } from './call-tracer.ts';
import { OpikCallTrace } from './opik-call-trace.ts';
import type { PriceTable } from './prices.ts';

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
 * One Opik trace per call through the `opik` SDK: spans per tool run, per `response.done` (tokens
 * split by kind, the model, the cost from the price table), per external TTS synthesis and STT
 * transcription (with their cost) and per agent turn (the latency waterfall); the call's total cost,
 * per provider, on the trace. It
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
    if (!this.admit(1)) return NO_TRACE;
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

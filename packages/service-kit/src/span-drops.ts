import type { Context } from '@opentelemetry/api';
import { TraceFlags } from '@opentelemetry/api';
import {
  BatchSpanProcessor,
  type BufferConfig,
  type ReadableSpan,
  type Span,
  type SpanExporter,
  type SpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { Counter, type Registry } from 'prom-client';

/** Why spans were given up: the export queue was full, or the exporter failed (collector down, slow). */
export type SpanDropReason = 'queue_full' | 'export_failed';

/**
 * Spans this process gave up so no request or call waits on the collector, by reason. One per process
 * (OpenTelemetry is set up once per process); every service's /metrics reads it.
 */
export class SpanDrops {
  private readonly counts = new Map<SpanDropReason, number>();

  add(reason: SpanDropReason, n: number): void {
    this.counts.set(reason, (this.counts.get(reason) ?? 0) + n);
  }

  get(reason: SpanDropReason): number {
    return this.counts.get(reason) ?? 0;
  }

  get total(): number {
    let sum = 0;
    for (const n of this.counts.values()) sum += n;
    return sum;
  }
}

/** An exporter's answer for one batch (`@opentelemetry/core`'s ExportResult). */
type ExportResult = Parameters<Parameters<SpanExporter['export']>[1]>[0];
/** ExportResultCode.SUCCESS of `@opentelemetry/core` (the spec's 0). */
const EXPORT_SUCCESS = 0;

/** This process's dropped OTLP spans. */
export const otlpSpanDrops = new SpanDrops();

/** Passes spans on to `inner`, telling what it took and what it failed to deliver. */
class CountingExporter implements SpanExporter {
  constructor(
    private readonly inner: SpanExporter,
    private readonly taken: (n: number) => void,
    private readonly failed: (n: number) => void,
  ) {}

  export(spans: ReadableSpan[], done: (result: ExportResult) => void): void {
    this.taken(spans.length);
    let settled = false;
    const finish = (result: ExportResult) => {
      if (settled) return;
      settled = true;
      if (result.code !== EXPORT_SUCCESS) this.failed(spans.length);
      done(result);
    };
    try {
      this.inner.export(spans, finish);
    } catch (err) {
      finish({ code: 1, error: err as Error });
    }
  }

  shutdown(): Promise<void> {
    return this.inner.shutdown();
  }

  forceFlush(): Promise<void> {
    return this.inner.forceFlush?.() ?? Promise.resolve();
  }
}

/**
 * The SDK's BatchSpanProcessor (spans batched, sent in the background, the queue bounded by
 * `maxQueueSize`), counting in `drops` every span it gives up: one that finds the queue full, and every
 * span of a batch the exporter fails to deliver. The SDK drops both silently (a debug log at most).
 */
export class CountingBatchSpanProcessor implements SpanProcessor {
  private readonly inner: BatchSpanProcessor;
  private readonly maxQueueSize: number;
  /** Spans handed to the batch processor and not yet taken by the exporter. */
  private queued = 0;

  constructor(
    exporter: SpanExporter,
    config: BufferConfig = {},
    private readonly drops: SpanDrops = otlpSpanDrops,
  ) {
    this.maxQueueSize = config.maxQueueSize ?? 2048;
    const counting = new CountingExporter(
      exporter,
      (n) => {
        this.queued = Math.max(0, this.queued - n);
      },
      (n) => drops.add('export_failed', n),
    );
    this.inner = new BatchSpanProcessor(counting, config);
  }

  onStart(span: Span, parentContext: Context): void {
    this.inner.onStart(span, parentContext);
  }

  onEnd(span: ReadableSpan): void {
    // Unsampled spans are never queued (the batch processor ignores them too).
    if ((span.spanContext().traceFlags & TraceFlags.SAMPLED) === 0) return;
    if (this.queued >= this.maxQueueSize) {
      this.drops.add('queue_full', 1);
      return;
    }
    this.queued++;
    this.inner.onEnd(span);
  }

  forceFlush(): Promise<void> {
    return this.inner.forceFlush();
  }

  shutdown(): Promise<void> {
    return this.inner.shutdown();
  }
}

/**
 * `<prefix>_telemetry_dropped_total{sink="otlp"}` on a service's registry: the process's dropped spans
 * (voice-server adds `otlp` to its own `voice_telemetry_dropped_total` instead).
 */
export function registerSpanDropsMetric(registry: Registry, prefix: string, drops = otlpSpanDrops): void {
  new Counter({
    name: `${prefix}_telemetry_dropped_total`,
    help: 'Traces and spans given up so no request waits on telemetry, by sink.',
    labelNames: ['sink'],
    registers: [registry],
    collect() {
      this.reset();
      this.inc({ sink: 'otlp' }, drops.total);
    },
  });
}

// Spans given up are counted: a full export queue (the collector stalled) and batches the exporter
// failed to deliver (the collector refusing or down). The spans' owners never wait either way.
import { BasicTracerProvider, type ReadableSpan, type SpanExporter } from '@opentelemetry/sdk-trace-base';
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { CountingBatchSpanProcessor, registerSpanDropsMetric, SpanDrops } from './span-drops.ts';

type Done = Parameters<SpanExporter['export']>[1];

/** An exporter that holds every batch (a stalled collector) until told, or fails it. */
class ScriptedExporter implements SpanExporter {
  readonly held: Array<{ spans: ReadableSpan[]; done: Done }> = [];
  mode: 'stall' | 'fail' | 'ok' | 'throw' = 'stall';
  exported = 0;
  export(spans: ReadableSpan[], done: Done): void {
    if (this.mode === 'throw') throw new Error('exporter bug');
    if (this.mode === 'fail') done({ code: 1, error: new Error('503 from the collector') });
    else if (this.mode === 'ok') {
      this.exported += spans.length;
      done({ code: 0 });
    } else this.held.push({ spans, done });
  }
  async shutdown(): Promise<void> {}
}

function setup(buffer: { maxQueueSize: number; maxExportBatchSize: number }) {
  const exporter = new ScriptedExporter();
  const drops = new SpanDrops();
  const processor = new CountingBatchSpanProcessor(
    exporter,
    { ...buffer, scheduledDelayMillis: 1, exportTimeoutMillis: 60_000 },
    drops,
  );
  const tracer = new BasicTracerProvider({ spanProcessors: [processor] }).getTracer('test');
  const spans = (n: number) => {
    for (let i = 0; i < n; i++) tracer.startSpan(`s${i}`).end();
  };
  return { exporter, drops, processor, spans };
}

const tick = (ms = 5) => new Promise((r) => setTimeout(r, ms));

describe('CountingBatchSpanProcessor', () => {
  it('counts the spans that find the queue full while the collector is stalled; ending a span never waits', async () => {
    const { exporter, drops, spans } = setup({ maxQueueSize: 8, maxExportBatchSize: 4 });
    spans(4); // one batch goes to the stalled exporter
    await tick();
    expect(exporter.held).toHaveLength(1);
    spans(20); // 8 fit in the queue behind it, 12 do not
    expect(drops.get('queue_full')).toBe(12);
    expect(drops.get('export_failed')).toBe(0);
    // The collector answers: the queue drains and has room again.
    exporter.mode = 'ok';
    for (const h of exporter.held.splice(0)) h.done({ code: 0 });
    await tick(20);
    spans(3);
    await tick(20);
    expect(drops.get('queue_full')).toBe(12);
    expect(exporter.exported).toBe(8 + 3);
  });

  it('counts every span of a batch the exporter failed (or threw on) as dropped', async () => {
    const { exporter, drops, spans } = setup({ maxQueueSize: 100, maxExportBatchSize: 5 });
    exporter.mode = 'fail';
    spans(7);
    await tick(20);
    expect(drops.get('export_failed')).toBe(7);
    exporter.mode = 'throw';
    spans(2);
    await tick(20);
    expect(drops.get('export_failed')).toBe(9);
    expect(drops.total).toBe(9);
  });

  it('shows the drops as <prefix>_telemetry_dropped_total{sink="otlp"}', async () => {
    const drops = new SpanDrops();
    const registry = new Registry();
    registerSpanDropsMetric(registry, 'ai', drops);
    drops.add('queue_full', 3);
    drops.add('export_failed', 2);
    expect(await registry.metrics()).toMatch(/^ai_telemetry_dropped_total\{sink="otlp"\} 5$/m);
  });
});

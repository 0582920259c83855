import { createMetricsRegistry, registerSpanDropsMetric } from '@switchboard/service-kit';
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

/**
 * app-server's metrics on its own registry (never prom-client's global one). Labels are bounded (a
 * message role); never a conversation, call or brand.
 */
export class AppMetrics {
  readonly registry: Registry;
  /** Transcript messages stored from voice-server, by role (rate() of it is the ingest rate). */
  readonly messagesIngested: Counter<'role'>;
  /** One sync request from voice-server, from arrival to stored. */
  readonly ingestLatency: Histogram;
  /** Analysis jobs run, by outcome (done, skipped, retry, failed). */
  readonly analyses: Counter<'outcome'>;
  /** Where the analysis backlog gauge reads from (the job queue), when analysis is on. */
  analysisBacklog: (() => Promise<number>) | undefined;

  constructor(opts: { processMetrics?: boolean; liveClients?: () => number } = {}) {
    this.registry = createMetricsRegistry(opts);
    const registers = [this.registry];
    this.messagesIngested = new Counter({
      name: 'app_messages_ingested_total',
      help: 'Transcript messages stored from voice-server, by role.',
      labelNames: ['role'],
      registers,
    });
    this.ingestLatency = new Histogram({
      name: 'app_message_ingest_seconds',
      help: 'Transcript sync requests from voice-server, arrival to stored.',
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers,
    });
    this.analyses = new Counter({
      name: 'app_analyses_total',
      help: 'Post-call analysis jobs run, by outcome (done, skipped, retry, failed).',
      labelNames: ['outcome'],
      registers,
    });
    const metrics = this;
    new Gauge({
      name: 'app_analysis_backlog',
      help: 'Post-call analysis jobs waiting (queued or waiting to retry); 0 when analysis is off.',
      registers,
      async collect() {
        this.set((await metrics.analysisBacklog?.().catch(() => 0)) ?? 0);
      },
    });
    const liveClients = opts.liveClients ?? (() => 0);
    new Gauge({
      name: 'app_live_clients',
      help: 'Live-update streams (server-sent events) open to staff.',
      registers,
      collect() {
        this.set(liveClients());
      },
    });
    registerSpanDropsMetric(this.registry, 'app');
  }
}

import type { FastifyInstance } from 'fastify';
import { collectDefaultMetrics, Registry } from 'prom-client';

/** Label values a metric keeps before folding the rest into `other` (no per-call values as labels). */
export const MAX_LABEL_VALUES = 32;

/**
 * A registry of one app's metrics (never prom-client's global one, so a process can hold many apps),
 * with the process metrics (event-loop lag, heap, GC, CPU, handles) when `processMetrics` is set.
 */
export function createMetricsRegistry(opts: { processMetrics?: boolean } = {}): Registry {
  const registry = new Registry();
  if (opts.processMetrics !== false) collectDefaultMetrics({ register: registry });
  return registry;
}

/** `GET /metrics`: the registry in Prometheus text format. */
export function registerMetricsRoute(
  app: FastifyInstance,
  registry: Registry,
  beforeScrape?: () => void,
): void {
  const schema = {
    tags: ['health'],
    summary: 'Metrics in Prometheus text format (prom-client)',
    response: {
      200: {
        description: 'Prometheus text exposition format 0.0.4',
        content: { [registry.contentType.split(';')[0]!]: { schema: { type: 'string' } } },
      },
    },
  };
  // A plugin, so it loads after the OpenAPI plugin and is in the document.
  void app.register(async (scope) => {
    scope.get('/metrics', { schema }, async (_req, reply) => {
      beforeScrape?.();
      const text = await registry.metrics();
      return reply.type(registry.contentType).send(text);
    });
  });
}

/**
 * Keeps a label's values bounded: the first `max` distinct values are kept, any later one is `other`.
 * For label values that come from outside (error codes, tool names), never from a call's identity.
 */
export class BoundedLabel {
  private readonly seen = new Set<string>();
  constructor(private readonly max = MAX_LABEL_VALUES) {}

  of(value: string): string {
    if (this.seen.has(value)) return value;
    if (this.seen.size >= this.max) return 'other';
    this.seen.add(value);
    return value;
  }
}

import {
  type Attributes,
  type Context,
  context,
  propagation,
  type Span,
  SpanKind,
  SpanStatusCode,
  trace,
} from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { NodeSDK } from '@opentelemetry/sdk-node';
import type { BufferConfig, SpanExporter, SpanProcessor } from '@opentelemetry/sdk-trace-base';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { CountingBatchSpanProcessor } from './span-drops.ts';

/** Spans held at most while the collector is slow or down; beyond it the processor drops them. */
const MAX_QUEUED_SPANS = 2048;

export interface TelemetryOptions {
  /** `service.name` of this process's spans. */
  serviceName: string;
  /** OTEL_EXPORTER_OTLP_ENDPOINT: set, spans go there over OTLP/HTTP (the exporter reads the OTEL_* variables). */
  otlpEndpoint?: string;
  /** Where spans go instead (tests: an in-memory exporter). */
  spanProcessors?: SpanProcessor[];
  /** The exporter behind the batch processor instead of OTLP/HTTP from the OTEL_* variables. */
  exporter?: SpanExporter;
  /** The batch processor's queue (default 2048 spans) and batches (OTEL_BSP_* otherwise). */
  buffer?: BufferConfig;
}

/**
 * Starts OpenTelemetry for the process (`@opentelemetry/sdk-node`: W3C trace context, async context) when
 * an OTLP endpoint, an exporter or span processors are given; otherwise tracing stays off (every span a
 * no-op). Spans are batched and sent in the background, the queue bounded; spans given up (queue full,
 * collector failing) are counted in `otlpSpanDrops`, which each service's /metrics shows.
 */
export function startTelemetry(opts: TelemetryOptions): { shutdown(): Promise<void> } | undefined {
  const exporter = opts.exporter ?? (opts.otlpEndpoint ? new OTLPTraceExporter() : undefined);
  const processors =
    opts.spanProcessors ??
    (exporter
      ? [
          new CountingBatchSpanProcessor(exporter, {
            maxQueueSize: MAX_QUEUED_SPANS,
            ...opts.buffer,
          }),
        ]
      : []);
  if (processors.length === 0) return undefined;
  const sdk = new NodeSDK({
    serviceName: opts.serviceName,
    spanProcessors: processors,
    instrumentations: [],
  });
  sdk.start();
  running++;
  let stopped = false;
  return {
    shutdown: () => {
      if (!stopped) {
        stopped = true;
        running--;
      }
      // A collector that is down or stalled at shutdown loses the last spans, never fails the process.
      return sdk.shutdown().catch(() => undefined);
    },
  };
}

/** SDKs started by {@link startTelemetry} and not shut down. */
let running = 0;

/**
 * Whether spans are recorded in this process ({@link startTelemetry} started and not shut down). With
 * tracing off every span is a no-op, but building one (its attributes, a tracer lookup) still costs:
 * work done on a call's hot path asks this first.
 */
export function tracingStarted(): boolean {
  return running > 0;
}

const serverSpans = new WeakMap<FastifyRequest, { span: Span; ctx: Context; ended: boolean }>();

function endServerSpan(req: FastifyRequest, statusCode: number): void {
  const entry = serverSpans.get(req);
  if (!entry || entry.ended) return;
  entry.ended = true;
  entry.span.setAttribute('http.response.status_code', statusCode);
  if (statusCode >= 500) entry.span.setStatus({ code: SpanStatusCode.ERROR });
  entry.span.end();
}

/**
 * A server span per request, continuing the caller's W3C trace context (`traceparent`); the handler
 * runs inside it, so the service's own outgoing calls (JsonClient) carry it on.
 */
export function installHttpTracing(app: FastifyInstance, serviceName: string): void {
  const tracer = trace.getTracer(serviceName);
  app.addHook('onRequest', (req, _reply, done) => {
    const parent = propagation.extract(context.active(), req.headers);
    const route = req.routeOptions.url ?? 'unmatched';
    const span = tracer.startSpan(
      `${req.method} ${route}`,
      {
        kind: SpanKind.SERVER,
        attributes: { 'http.request.method': req.method, 'http.route': route, 'service.name': serviceName },
      },
      parent,
    );
    const ctx = trace.setSpan(parent, span);
    serverSpans.set(req, { span, ctx, ended: false });
    // A WebSocket upgrade has no onResponse: its span ends with the socket (the call).
    const socket = req.raw.socket as { once?: (event: string, fn: () => void) => void } | undefined;
    if (req.headers.upgrade && typeof socket?.once === 'function')
      socket.once('close', () => endServerSpan(req, 101));
    context.with(ctx, done);
  });
  // Body parsing runs in the socket's context: enter the span's again just before the handler.
  app.addHook('preHandler', (req, _reply, done) => {
    const entry = serverSpans.get(req);
    if (entry) context.with(entry.ctx, done);
    else done();
  });
  app.addHook('onResponse', (req, reply, done) => {
    endServerSpan(req, reply.statusCode);
    done();
  });
}

/** Sets attributes on the span in progress (the call SID on a request's span). */
export function annotateActiveSpan(attributes: Attributes): void {
  trace.getActiveSpan()?.setAttributes(attributes);
}

/** A client span around `fn`, with the W3C trace context added to `headers`. */
export async function withClientSpan<T>(
  name: string,
  headers: Record<string, string>,
  fn: () => Promise<T>,
): Promise<T> {
  const tracer = trace.getTracer('switchboard-http-client');
  return tracer.startActiveSpan(name, { kind: SpanKind.CLIENT }, async (span) => {
    propagation.inject(context.active(), headers);
    try {
      return await fn();
    } catch (err) {
      span.setStatus({ code: SpanStatusCode.ERROR, message: (err as Error).message });
      throw err;
    } finally {
      span.end();
    }
  });
}

/** Runs `fn` inside a span for a stage of work (a call); what it starts is traced under it. */
export async function withStageSpan<T>(
  serviceName: string,
  name: string,
  attributes: Attributes,
  fn: () => Promise<T>,
): Promise<T> {
  const all = { ...attributes, 'service.name': serviceName };
  return trace.getTracer(serviceName).startActiveSpan(name, { attributes: all }, async (span) => {
    try {
      return await fn();
    } finally {
      span.end();
    }
  });
}

/** A span for a stage of work (a call, a tool run), ended by the caller. */
export function startStageSpan(
  serviceName: string,
  name: string,
  attributes: Attributes = {},
  startTime?: number,
): Span {
  return trace.getTracer(serviceName).startSpan(name, {
    attributes: { ...attributes, 'service.name': serviceName },
    ...(startTime ? { startTime } : {}),
  });
}

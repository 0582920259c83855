// OpenTelemetry across the three services: with the SDK started on an in-memory exporter, a simulated
// call leaves one trace whose spans come from voice-server (the stream, the call, its tool run),
// ai-server and app-server, joined by the W3C traceparent each service-to-service request carries.

import { InMemorySpanExporter, type ReadableSpan, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { startTelemetry } from '@switchboard/service-kit';
import type { SimulatedCall } from '@switchboard/simulators/twilio';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ACME, type FullStack, startFullStack } from '../support/full-stack.ts';

const exporter = new InMemorySpanExporter();
let telemetry: { shutdown(): Promise<void> } | undefined;
let stack: FullStack;
beforeAll(async () => {
  telemetry = startTelemetry({
    serviceName: 'switchboard-test',
    spanProcessors: [new SimpleSpanProcessor(exporter)],
  });
  stack = await startFullStack({
    realtime: {
      scenario: {
        greeting: ACME.greeting,
        msPerChar: 20,
        turns: [
          {
            user: 'How long does shipping take?',
            say: 'Let me check.',
            toolCalls: [{ name: 'get_knowledge', arguments: { query: 'how long does shipping take' } }],
            afterTools: 'Three to five business days.',
          },
        ],
      },
    },
  });
}, 60_000);
afterAll(async () => {
  await stack?.close();
  await telemetry?.shutdown();
});

const serviceOf = (s: ReadableSpan) => s.attributes['service.name'];

describe('OpenTelemetry across the services', () => {
  it('one trace crosses voice-server, ai-server and app-server for a call', async () => {
    exporter.reset();
    const until = (f: (c: SimulatedCall) => boolean) => ({ until: f, timeoutMs: 20_000 });
    const call = await stack.call({
      source: [
        until((c) => c.heardMs >= 300 && !c.isHearingAudio),
        { audio: { toneHz: 300, ms: 700 }, label: 'question' },
        { pauseMs: 1000 },
        until((c) => c.turns[0]?.responseLatencyMs !== undefined && !c.isHearingAudio),
        { pauseMs: 200 },
        { hangup: true },
      ],
    });
    await call.ended;
    let callSpan: ReadableSpan | undefined;
    await expect
      .poll(
        () => {
          callSpan = exporter
            .getFinishedSpans()
            .find((s) => s.name === 'call' && s.attributes['call.sid'] === call.callSid);
          return callSpan !== undefined;
        },
        { timeout: 10_000 },
      )
      .toBe(true);
    const traceId = callSpan!.spanContext().traceId;
    await expect
      .poll(
        () =>
          new Set(
            exporter
              .getFinishedSpans()
              .filter((s) => s.spanContext().traceId === traceId)
              .map(serviceOf)
              .filter(Boolean),
          ),
        { timeout: 10_000 },
      )
      .toEqual(new Set(['voice-server', 'ai-server', 'app-server']));
    // The stream's request span ends when the socket closes, which may come a little after the call.
    await expect
      .poll(() => exporter.getFinishedSpans().some((s) => s.name === 'GET /twilio-stream'), {
        timeout: 10_000,
      })
      .toBe(true);
    const spans = exporter.getFinishedSpans().filter((s) => s.spanContext().traceId === traceId);
    const names = spans.map((s) => `${serviceOf(s) ?? 'client'} ${s.name}`);
    // The stream's request span carries the call SID; the call and its tool run are spans of their own.
    expect(spans.find((s) => s.name === 'GET /twilio-stream')?.attributes['call.sid']).toBe(call.callSid);
    expect(names).toContain('voice-server tool get_knowledge');
    expect(names).toContain('voice-server call');
    // Each conversational turn is a span under the call's: speech stopped → first frame, the waterfall.
    const turns = spans.filter((s) => s.name === 'turn');
    expect(turns.length).toBeGreaterThanOrEqual(1);
    for (const turn of turns) {
      expect(turn.parentSpanContext?.spanId).toBe(callSpan!.spanContext().spanId);
      expect(turn.attributes).toMatchObject({
        'call.sid': call.callSid,
        'turn.first_audio_ms': expect.any(Number),
        'turn.first_frame_ms': expect.any(Number),
      });
      const frameMs = turn.attributes['turn.first_frame_ms'] as number;
      expect(frameMs).toBeGreaterThanOrEqual(turn.attributes['turn.first_audio_ms'] as number);
      const [s, ns] = turn.duration;
      expect(Math.abs(s * 1000 + ns / 1e6 - frameMs)).toBeLessThan(1);
    }
    expect(names).toEqual(expect.arrayContaining(['ai-server POST /voiceagent/search_knowledge_base/']));
    expect(names.some((n) => n.startsWith('app-server POST /internal/conversations'))).toBe(true);
    // Every server span of ai-server and app-server has a client span of voice-server as its parent.
    await expect
      .poll(
        () => {
          const all = exporter.getFinishedSpans().filter((s) => s.spanContext().traceId === traceId);
          const byId = new Map(all.map((s) => [s.spanContext().spanId, s]));
          return all
            .filter((x) => serviceOf(x) === 'ai-server' || serviceOf(x) === 'app-server')
            .filter((x) => byId.get(x.parentSpanContext?.spanId ?? '')?.kind !== 2 /* CLIENT */)
            .map((x) => x.name);
        },
        { timeout: 10_000 },
      )
      .toEqual([]);
  }, 60_000);
});

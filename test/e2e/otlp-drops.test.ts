// OpenTelemetry with the OTLP collector stalled (it reads each export and never answers): calls go on
// unaffected, and the spans the bounded queue could not hold, or the exporter could not deliver, are
// counted on every service's /metrics (voice_telemetry_dropped_total{sink="otlp"}, ai_…, app_…).
import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { startTelemetry } from '@switchboard/service-kit';
import type { SimulatedCall } from '@switchboard/simulators/twilio';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ACME, type FullStack, startFullStack } from '../support/full-stack.ts';

let collector: http.Server;
let exportsReceived = 0;
let telemetry: { shutdown(): Promise<void> } | undefined;
let stack: FullStack;
const saved = { ...process.env };

beforeAll(async () => {
  // A collector that hangs: the request is read, no answer ever comes.
  collector = http.createServer((req) => {
    exportsReceived++;
    req.resume();
  });
  collector.listen(0, '127.0.0.1');
  await once(collector, 'listening');
  const url = `http://127.0.0.1:${(collector.address() as AddressInfo).port}`;
  // The exporter reads the standard OTEL_* variables, as in production.
  process.env.OTEL_EXPORTER_OTLP_ENDPOINT = url;
  process.env.OTEL_EXPORTER_OTLP_TIMEOUT = '300';
  telemetry = startTelemetry({
    serviceName: 'switchboard-test',
    otlpEndpoint: url,
    buffer: { maxQueueSize: 16, maxExportBatchSize: 8, scheduledDelayMillis: 20 },
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
          { user: 'And returns?', say: 'Returns are free within thirty days.' },
        ],
      },
    },
  });
}, 120_000);
afterAll(async () => {
  await stack?.close();
  // The exporter stops before the collector goes: an export to a closed port would fail after the
  // suite, as an error of its own.
  await Promise.race([telemetry?.shutdown(), new Promise((r) => setTimeout(r, 2_000))]);
  collector?.closeAllConnections();
  collector?.close();
  process.env = saved;
});

async function otlpDropped(url: string, metric: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const line = new RegExp(`^${metric}\\{sink="otlp"\\} (\\S+)$`, 'm').exec(text);
  if (!line) throw new Error(`${metric}{sink="otlp"} missing from ${url}/metrics`);
  return Number(line[1]);
}

describe('OTLP collector stalled', () => {
  it('calls go on unaffected and the spans given up are counted on each service', async () => {
    const until = (f: (c: SimulatedCall) => boolean) => ({ until: f, timeoutMs: 30_000 });
    const turn = (n: number) => [
      { audio: { toneHz: 300, ms: 600 }, label: `turn ${n}` },
      { pauseMs: 900 },
      until((c) => c.turns[n]?.responseLatencyMs !== undefined && !c.isHearingAudio),
    ];
    const call = await stack.call({
      source: [
        until((c) => c.heardMs >= 300 && !c.isHearingAudio),
        ...turn(0),
        ...turn(1),
        { pauseMs: 200 },
        { hangup: true },
      ],
    });
    await call.ended;
    // Every reply was heard, and app-server has the whole call.
    expect(call.turns.map((t) => t.responseLatencyMs !== undefined)).toEqual([true, true]);
    await expect
      .poll(
        async () => {
          const list = await stack.staffGet<{ items: Array<{ callSid: string; endReason: string | null }> }>(
            '/api/conversations',
          );
          return list.items.find((c) => c.callSid === call.callSid)?.endReason;
        },
        { timeout: 15_000 },
      )
      .toBe('caller_hangup');

    expect(exportsReceived).toBeGreaterThan(0);
    // One process here, so the three services show the same process-wide count.
    await expect
      .poll(() => otlpDropped(stack.voiceUrl, 'voice_telemetry_dropped_total'), { timeout: 15_000 })
      .toBeGreaterThan(0);
    expect(await otlpDropped(stack.ai.url, 'ai_telemetry_dropped_total')).toBeGreaterThan(0);
    expect(await otlpDropped(stack.appServer.url, 'app_telemetry_dropped_total')).toBeGreaterThan(0);
  }, 120_000);
});

// /metrics on the three services as a call runs: voice-server's call counts, latency histograms and tool
// durations, ai-server's search and profile lookups, app-server's message ingest; process metrics on
// each; and no label value that identifies a call or a caller.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ACME, type FullStack, startFullStack } from '../support/full-stack.ts';

const CALLER = '+14155550123';

let stack: FullStack;
beforeAll(async () => {
  stack = await startFullStack({
    realtime: {
      scenario: {
        greeting: ACME.greeting,
        turns: [
          {
            user: 'How long does shipping take?',
            say: 'Let me check that for you.',
            toolCalls: [{ name: 'get_knowledge', arguments: { query: 'how long does shipping take' } }],
            afterTools: 'Standard shipping takes three to five business days.',
          },
        ],
      },
    },
  });
}, 60_000);
afterAll(async () => {
  await stack?.close();
});

async function scrape(url: string): Promise<string> {
  const res = await fetch(`${url}/metrics`);
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
  return res.text();
}

/** The value of a sample line (`name` or `name{labels}`), undefined when absent. */
function sample(text: string, series: string): number | undefined {
  for (const line of text.split('\n')) {
    if (line.startsWith('#')) continue;
    const at = line.lastIndexOf(' ');
    if (line.slice(0, at) === series) return Number(line.slice(at + 1));
  }
  return undefined;
}

/** Every label value in a scrape. */
function labelValues(text: string): string[] {
  const values: string[] = [];
  for (const line of text.split('\n')) {
    if (line.startsWith('#')) continue;
    for (const m of line.matchAll(/[a-zA-Z_]+="((?:[^"\\]|\\.)*)"/g)) values.push(m[1]!);
  }
  return values;
}

/** Series per metric name (histogram buckets counted under their metric). */
function seriesPerMetric(text: string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const name = line.split(/[{ ]/)[0]!.replace(/_(bucket|sum|count)$/, '');
    counts.set(name, (counts.get(name) ?? 0) + 1);
  }
  return counts;
}

describe('metrics as a call runs', () => {
  it('change on all three services, with bounded labels', async () => {
    const urls = { voice: stack.voiceUrl, ai: stack.ai.url, app: stack.appServer.url };
    const before = await scrape(urls.voice);
    expect(sample(before, 'voice_calls_started_total')).toBe(0);
    expect(sample(before, 'voice_active_calls')).toBe(0);
    expect(sample(before, 'voice_draining')).toBe(0);

    const call = await stack.call({
      from: CALLER,
      source: [
        { until: (c) => c.heardMs >= 500 && !c.isHearingAudio, timeoutMs: 15_000 },
        { audio: { toneHz: 300, ms: 700 }, label: 'question' },
        { pauseMs: 1200 },
        { until: (c) => c.turns[0]?.responseLatencyMs !== undefined && !c.isHearingAudio, timeoutMs: 20_000 },
        { pauseMs: 300 },
        { hangup: true },
      ],
    });
    // While the call runs.
    await expect.poll(async () => sample(await scrape(urls.voice), 'voice_active_calls')).toBe(1);
    expect(sample(await scrape(urls.voice), 'voice_calls_started_total')).toBe(1);
    await call.ended;

    await expect.poll(async () => sample(await scrape(urls.voice), 'voice_active_calls')).toBe(0);
    const voice = await scrape(urls.voice);
    expect(sample(voice, 'voice_calls_ended_total{reason="caller_hangup"}')).toBe(1);
    expect(sample(voice, 'voice_relay_latency_seconds_count{direction="caller_to_model"}')).toBeGreaterThan(
      0,
    );
    expect(sample(voice, 'voice_relay_latency_seconds_count{direction="model_to_caller"}')).toBeGreaterThan(
      0,
    );
    expect(sample(voice, 'voice_turn_latency_seconds_count')).toBeGreaterThanOrEqual(1);
    expect(sample(voice, 'voice_tool_duration_seconds_count{tool="get_knowledge",outcome="ok"}')).toBe(1);
    expect(sample(voice, 'voice_frames_in_total')).toBeGreaterThan(0);
    expect(sample(voice, 'voice_frames_dropped_total{reason="malformed"}')).toBe(0);
    expect(sample(voice, 'voice_app_sync_queue_depth')).toBeDefined();
    expect(voice).toContain('# TYPE voice_barge_in_latency_seconds histogram');
    expect(voice).toContain('# TYPE voice_realtime_reconnects_total counter');

    const ai = await scrape(urls.ai);
    expect(sample(ai, 'ai_profile_lookups_total{kind="lookup",outcome="found"}')).toBeGreaterThanOrEqual(1);
    expect(ai).toMatch(/^ai_search_latency_seconds_count\{source="call",mode="\w+"\} [1-9]/m);

    await expect
      .poll(async () => sample(await scrape(urls.app), 'app_messages_ingested_total{role="agent"}') ?? 0)
      .toBeGreaterThanOrEqual(2);
    const app = await scrape(urls.app);
    expect(sample(app, 'app_messages_ingested_total{role="caller"}')).toBeGreaterThanOrEqual(1);
    expect(sample(app, 'app_message_ingest_seconds_count')).toBeGreaterThan(0);
    expect(sample(app, 'app_live_clients')).toBe(0);

    for (const [service, text] of Object.entries({ voice, ai, app })) {
      // Process metrics on each service, from its own registry.
      expect(text, service).toMatch(/^nodejs_eventloop_lag_seconds \S+$/m);
      expect(text, service).toMatch(/^nodejs_heap_size_used_bytes \S+$/m);
      expect(text, service).toContain('# TYPE nodejs_gc_duration_seconds histogram');
      // Nothing that names a call or a caller is a label.
      for (const value of labelValues(text)) {
        expect(value, service).not.toContain(call.callSid);
        expect(value, service).not.toMatch(/CA[0-9a-f]{32}|MZ[0-9a-f]{32}/);
        expect(value, service).not.toMatch(/\d{7,}/);
      }
      for (const [name, n] of seriesPerMetric(text)) expect(n, `${service} ${name}`).toBeLessThan(100);
    }
  }, 60_000);
});

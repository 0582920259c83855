// One Opik trace per call through the real `opik` SDK into the capture server: spans per tool run and
// per response.done (tokens split by kind, the model, the cost), the call's cost on the trace, and the
// trace id on app-server's conversation. With the capture server stalled, calls go on unaffected and
// what could not be buffered is counted in voice_telemetry_dropped_total.
import { type OpikCaptureServer, startOpikCaptureServer } from '@switchboard/simulators/opik';
import type { SimulatedCall } from '@switchboard/simulators/twilio';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ACME, type FullStack, startFullStack } from '../support/full-stack.ts';

const ANSWER = 'Standard shipping takes three to five business days.';

let opik: OpikCaptureServer;
let stack: FullStack;
beforeAll(async () => {
  opik = await startOpikCaptureServer();
  stack = await startFullStack({
    voiceEnv: {
      OPIK_URL_OVERRIDE: opik.apiUrl,
      OPIK_PROJECT_NAME: 'switchboard-test',
      OPIK_MAX_PENDING: '12',
    },
    realtime: {
      scenario: {
        greeting: ACME.greeting,
        msPerChar: 20,
        turns: [
          {
            user: 'How long does shipping take?',
            say: 'Let me check.',
            toolCalls: [{ name: 'get_knowledge', arguments: { query: 'how long does shipping take' } }],
            afterTools: ANSWER,
          },
          { user: 'And returns?', say: 'Returns are free within thirty days.' },
          { user: 'Thanks.', say: 'You are welcome.' },
        ],
      },
    },
  });
}, 60_000);
afterAll(async () => {
  await stack?.close();
  await opik?.close();
});

const until = (f: (c: SimulatedCall) => boolean) => ({ until: f, timeoutMs: 20_000 });
const turn = (n: number) => [
  { audio: { toneHz: 300, ms: 600 }, label: `turn ${n}` },
  { pauseMs: 900 },
  until((c) => c.turns[n]?.responseLatencyMs !== undefined && !c.isHearingAudio),
];

async function conversationOf(callSid: string) {
  let view: { opikTraceId: string | null; status: string; endReason: string | null } | undefined;
  await expect
    .poll(
      async () => {
        const list = await stack.staffGet<{
          items: Array<{
            callSid: string;
            status: string;
            opikTraceId: string | null;
            endReason: string | null;
          }>;
        }>('/api/conversations');
        view = list.items.find((c) => c.callSid === callSid);
        return view?.status;
      },
      { timeout: 10_000 },
    )
    .toBe('ended');
  return view!;
}

async function opikDropped(): Promise<number> {
  const text = await (await fetch(`${stack.voiceUrl}/metrics`)).text();
  return Number(/^voice_telemetry_dropped_total\{sink="opik"\} (\S+)$/m.exec(text)?.[1] ?? 0);
}

describe('Opik tracing of a call', () => {
  it('sends one trace with tool and response spans, their tokens and cost, linked from the conversation', async () => {
    const call = await stack.call({
      source: [
        until((c) => c.heardMs >= 300 && !c.isHearingAudio),
        ...turn(0),
        { pauseMs: 200 },
        { hangup: true },
      ],
    });
    await call.ended;
    const conversation = await conversationOf(call.callSid);
    // The trace's end and its spans travel in separate batches: wait for both.
    await opik.waitFor(
      (s) =>
        s.traces().some((t) => (t.output as { endReason?: string } | undefined)?.endReason) &&
        s.spans().filter((x) => x.name === 'response.done').length >= 3 &&
        s.spans().some((x) => x.name === 'turn'),
      10_000,
    );
    const traces = opik.store.traces();
    expect(traces).toHaveLength(1);
    const trace = traces[0]!;
    expect(trace).toMatchObject({
      name: 'call',
      project_name: 'switchboard-test',
      input: { callSid: call.callSid, botProfileKey: ACME.profileKey, caller: '+1******0123' },
      output: { endReason: 'caller_hangup' },
      metadata: { callSid: call.callSid, botProfileKey: ACME.profileKey },
    });
    expect(trace.end_time).toEqual(expect.any(String));
    expect(conversation.opikTraceId).toBe(trace.id);

    const spans = opik.store.spans(trace.id);
    const tool = spans.filter((s) => s.type === 'tool');
    expect(tool).toHaveLength(1);
    expect(tool[0]).toMatchObject({
      name: 'tool get_knowledge',
      input: { arguments: { query: 'how long does shipping take' } },
      output: { result: { ok: true } },
      metadata: { ok: true, durationMs: expect.any(Number) },
    });
    const responses = spans.filter((s) => s.name === 'response.done');
    // The greeting, the reply that called the tool, and the answer after it.
    expect(responses.length).toBeGreaterThanOrEqual(3);
    for (const r of responses) {
      expect(r).toMatchObject({ type: 'llm', model: 'gpt-realtime', provider: 'openai' });
      const usage = r.usage as Record<string, number>;
      expect(Object.keys(usage)).toEqual(
        expect.arrayContaining([
          'prompt_tokens',
          'completion_tokens',
          'total_tokens',
          'input_text_tokens',
          'input_audio_tokens',
          'input_cached_text_tokens',
          'input_cached_audio_tokens',
          'output_text_tokens',
          'output_audio_tokens',
        ]),
      );
      expect(usage.total_tokens).toBeGreaterThan(0);
      expect(r.total_estimated_cost).toBeGreaterThan(0);
    }
    // The turn's waterfall: speech stopped → model's first audio → first frame sent to Twilio.
    const turns = spans.filter((s) => s.name === 'turn');
    expect(turns.length).toBeGreaterThanOrEqual(1);
    for (const t of turns)
      expect(t.metadata).toMatchObject({
        kind: 'turn',
        firstAudioMs: expect.any(Number),
        firstFrameMs: expect.any(Number),
      });
    const spanCost = responses.reduce((sum, r) => sum + (r.total_estimated_cost as number), 0);
    const cost = (
      trace.metadata as { cost: { total: number; currency: string; byProvider: { openai: number } } }
    ).cost;
    expect(cost.currency).toBe('USD');
    expect(cost.total).toBeCloseTo(spanCost, 6);
    expect(cost.byProvider.openai).toBeCloseTo(spanCost, 6);
    expect(await opikDropped()).toBe(0);
  }, 60_000);

  it('with Opik stalled, the call goes on unaffected and the telemetry it could not hold is counted', async () => {
    await opik.setMode('stall');
    const before = opik.store.traces().length;
    // Two calls at once: more traces and spans than the buffer (OPIK_MAX_PENDING=12) holds.
    const calls = await Promise.all(
      [0, 1].map(() =>
        stack.call({
          source: [
            until((c) => c.heardMs >= 300 && !c.isHearingAudio),
            ...turn(0),
            ...turn(1),
            ...turn(2),
            { pauseMs: 200 },
            { hangup: true },
          ],
        }),
      ),
    );
    for (const call of calls) {
      await call.ended;
      // Every reply was heard in full, and app-server has the whole call.
      expect(call.turns.map((t) => t.responseLatencyMs !== undefined)).toEqual([true, true, true]);
      const conversation = await conversationOf(call.callSid);
      expect(conversation.endReason).toBe('caller_hangup');
    }
    expect(opik.stalled).toBeGreaterThan(0);
    expect(opik.store.traces()).toHaveLength(before);
    expect(await opikDropped()).toBeGreaterThan(0);
    await opik.setMode('up');
  }, 90_000);
});

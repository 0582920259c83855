// A call's trace through the real `opik` SDK into the capture server: external TTS and STT spans with
// their cost from the price table, the turn waterfall span, and the call's cost summed per provider.
import { type OpikCaptureServer, startOpikCaptureServer } from '@switchboard/simulators/opik';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { memoryLogger } from '../testing/parts.ts';
import type { CallTrace, SttTranscription, TtsSynthesis } from './call-tracer.ts';
import { OpikCallTracer } from './opik-tracer.ts';
import { DEFAULT_PRICES } from './prices.ts';

let opik: OpikCaptureServer;
let tracer: OpikCallTracer;
let dropped = 0;
beforeAll(async () => {
  opik = await startOpikCaptureServer();
  tracer = new OpikCallTracer({
    apiUrl: opik.apiUrl,
    projectName: 'speech-test',
    workspaceName: 'default',
    model: 'gpt-realtime',
    prices: DEFAULT_PRICES,
    maxPending: 10_000,
    flushDelayMs: 20,
    onDropped: (n) => {
      dropped += n;
    },
    log: memoryLogger().log,
  });
});
afterAll(async () => {
  await tracer.flush(2_000);
  await opik.close();
});

let calls = 0;
function startCall(): CallTrace {
  calls++;
  return tracer.startCall({
    callSid: `CA${String(calls).padStart(32, '0')}`,
    streamSid: `MZ${String(calls).padStart(32, '0')}`,
    botProfileKey: 'acme-support',
    isSip: false,
    caller: '+1******0123',
  });
}

/** The trace once Opik has its end and its `spans` spans (the SDK sends them in separate batches). */
async function ended(trace: CallTrace, spans: number) {
  await opik.waitFor(
    (s) => Boolean(s.trace(trace.traceId!)?.end_time) && s.spans(trace.traceId!).length >= spans,
    10_000,
  );
  return { trace: opik.store.trace(trace.traceId!)!, spans: opik.store.spans(trace.traceId!) };
}

describe('TTS, STT and turn spans on the Opik trace', () => {
  it('records each synthesis and transcription as a child span with its cost, summed per provider', async () => {
    const trace = startCall();
    trace.responseDone({
      id: 'resp_1',
      status: 'completed',
      usage: {
        total_tokens: 1_000,
        input_tokens: 600,
        output_tokens: 400,
        input_token_details: { text_tokens: 600, audio_tokens: 0, cached_tokens: 0 },
        output_token_details: { text_tokens: 400, audio_tokens: 0 },
      },
    });
    trace.ttsSynthesized({
      provider: 'elevenlabs',
      voiceId: 'voice_rachel',
      model: 'eleven_flash_v2_5',
      characters: 2_000,
      firstAudioMs: 180,
      durationMs: 1_400,
    });
    trace.ttsSynthesized({
      provider: 'elevenlabs',
      voiceId: 'voice_rachel',
      characters: 1_000,
      durationMs: 900,
    });
    trace.sttTranscribed({
      provider: 'cartesia',
      model: 'ink-whisper',
      audioSeconds: 36,
      latencyMs: 240,
      outcome: 'ok',
    });
    trace.sttTranscribed({
      provider: 'elevenlabs',
      model: 'scribe_v1',
      audioSeconds: 18,
      latencyMs: 5_000,
      outcome: 'failed',
      errorCode: 'timeout',
    });
    trace.end({ endReason: 'caller_hangup', durationSec: 60 });
    const { trace: t, spans } = await ended(trace, 5);

    const tts = spans.filter((s) => s.name === 'tts elevenlabs');
    expect(tts).toHaveLength(2);
    // $0.05 per 1K characters (ElevenLabs Flash, elevenlabs.io/pricing/api).
    expect(tts[0]).toMatchObject({
      type: 'general',
      provider: 'elevenlabs',
      model: 'eleven_flash_v2_5',
      total_estimated_cost: 0.1,
      metadata: {
        kind: 'tts',
        voiceId: 'voice_rachel',
        characters: 2_000,
        firstAudioMs: 180,
        durationMs: 1_400,
      },
    });
    expect(Date.parse(tts[0]!.end_time as string) - Date.parse(tts[0]!.start_time as string)).toBe(1_400);
    expect(tts[1]).toMatchObject({ total_estimated_cost: 0.05, metadata: { firstAudioMs: null } });

    const cartesia = spans.find((s) => s.name === 'stt cartesia')!;
    // ink-whisper: about $0.13 per hour of audio (docs.cartesia.ai/pricing, 1 credit per second).
    expect(cartesia).toMatchObject({
      provider: 'cartesia',
      model: 'ink-whisper',
      metadata: { kind: 'stt', audioSeconds: 36, latencyMs: 240, outcome: 'ok' },
    });
    expect(cartesia.total_estimated_cost).toBeCloseTo(0.0013, 8);
    const scribe = spans.find((s) => s.name === 'stt elevenlabs')!;
    expect(scribe.metadata).toMatchObject({ outcome: 'failed', errorCode: 'timeout', audioSeconds: 18 });
    // Scribe v1: $0.22 per hour.
    expect(scribe.total_estimated_cost).toBeCloseTo(0.0011, 8);

    const openai = spans.find((s) => s.name === 'response.done')!.total_estimated_cost as number;
    const cost = (t.metadata as { cost: { total: number; byProvider: Record<string, number> } }).cost;
    expect(cost.byProvider.openai).toBeCloseTo(openai, 8);
    expect(cost.byProvider.elevenlabs).toBeCloseTo(0.15 + 0.0011, 8);
    expect(cost.byProvider.cartesia).toBeCloseTo(0.0013, 8);
    expect(cost.total).toBeCloseTo(openai + 0.15 + 0.0011 + 0.0013, 8);
  });

  it('names what it could not price and leaves it out of the total', async () => {
    const trace = startCall();
    trace.ttsSynthesized({ provider: 'acme-voice', voiceId: 'v', characters: 500, durationMs: 100 });
    trace.end({ endReason: 'caller_hangup', durationSec: 5 });
    const { trace: t, spans } = await ended(trace, 1);
    expect(spans.find((s) => s.name === 'tts acme-voice')!.total_estimated_cost).toBeUndefined();
    expect(t.metadata).toMatchObject({ cost: { total: 0, unpriced: ['acme-voice/tts'] } });
  });

  it('records a turn as a span from speech stopped to the first frame sent, with the waterfall', async () => {
    const trace = startCall();
    // A minute ago on a whole second: a reading from more than a day away would be replaced by "now".
    const stoppedAt = Math.floor(Date.now() / 1000) * 1000 - 60_000;
    trace.turnLatency({
      itemId: 'item_7',
      speechStoppedAt: stoppedAt,
      firstTextMs: 310.4,
      firstSynthMs: 520.6,
      firstFrameMs: 523.2,
    });
    trace.end({ endReason: 'caller_hangup', durationSec: 5 });
    const { spans } = await ended(trace, 1);
    const turn = spans.find((s) => s.name === 'turn')!;
    expect(turn.metadata).toEqual({
      kind: 'turn',
      itemId: 'item_7',
      firstTextMs: 310,
      firstSynthMs: 521,
      firstFrameMs: 523,
    });
    expect(turn.start_time).toBe(new Date(stoppedAt).toISOString());
    expect(Date.parse(turn.end_time as string) - stoppedAt).toBe(523);
  });

  it('takes any figures without throwing, and every span it sends is one Opik accepts (fast-check)', async () => {
    const trace = startCall();
    const n = fc.oneof(fc.double(), fc.integer(), fc.constant(Number.NaN), fc.constant(-1));
    // Provider names from anywhere: real ones, Object's own property names, anything.
    const provider = fc.oneof(
      fc.string({ maxLength: 20 }),
      fc.constantFrom('elevenlabs', 'cartesia', 'constructor', '__proto__', 'toString', 'hasOwnProperty'),
    );
    const tts = fc.record({
      provider,
      voiceId: fc.string({ maxLength: 20 }),
      characters: n,
      durationMs: n,
      firstAudioMs: fc.option(n, { nil: undefined }),
    }) as fc.Arbitrary<TtsSynthesis>;
    const stt = fc.record({
      provider,
      model: fc.oneof(fc.string({ maxLength: 20 }), fc.constant('valueOf')),
      audioSeconds: n,
      latencyMs: n,
      outcome: fc.constantFrom('ok', 'empty', 'failed'),
    }) as fc.Arbitrary<SttTranscription>;
    let sent = 0;
    fc.assert(
      fc.property(tts, stt, n, (a, b, ms) => {
        trace.ttsSynthesized(a);
        trace.sttTranscribed(b);
        trace.turnLatency({ itemId: 'i', speechStoppedAt: ms, firstFrameMs: ms, firstAudioMs: ms });
        sent += 3;
      }),
      { numRuns: 40 },
    );
    trace.end({ endReason: 'caller_hangup', durationSec: 1 });
    const { trace: t, spans } = await ended(trace, sent);
    expect(spans).toHaveLength(sent);
    expect(opik.store.requests.filter((r) => r.status !== 204)).toEqual([]);
    expect(Number.isFinite((t.metadata as { cost: { total: number } }).cost.total)).toBe(true);
    expect(dropped).toBe(0);
  });
});

/**
 * The Cartesia transcriber against the Cartesia simulator and, for what the simulator never sends, a
 * fake provider. Sources: Cartesia API reference, "Speech to Text (Streaming)"
 * (docs.cartesia.ai/api-reference/stt/stt: `/stt/websocket`, binary audio, `finalize` → final
 * transcripts and `flush_done`, `error` messages), "Common pitfalls" (final transcripts are deltas, to
 * be joined verbatim), and the `@cartesia/cartesia-js` 4.x types (`STTErrorResponse` with `status_code`).
 */
import { startCartesiaSimulator } from '@switchboard/simulators/cartesia';
import { toneMulaw } from '@switchboard/simulators/twilio';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import type { WebSocket } from 'ws';
import { CartesiaTranscriber } from './cartesia-transcriber.ts';
import { type FakeProvider, startFakeProvider } from './testing/fake-provider.ts';
import { notJson, spoken, turnOf } from './testing/provider-turns.ts';

const KEY = 'sk_car_test';
type Sim = Awaited<ReturnType<typeof startCartesiaSimulator>>;
let sim: Sim | null = null;
let fake: FakeProvider | null = null;
afterEach(async () => {
  await sim?.close();
  await fake?.close();
  sim = null;
  fake = null;
});

async function withSim(options: Parameters<typeof startCartesiaSimulator>[0] = {}, apiKey = KEY) {
  sim = await startCartesiaSimulator({ apiKey: KEY, ...options });
  return new CartesiaTranscriber({ apiKey, baseUrl: sim.baseUrl, timeoutMs: 3000 });
}

describe('Cartesia transcriber', () => {
  it('transcribes a caller turn (ink-whisper, mu-law 8 kHz) and counts its audio seconds', async () => {
    const stt = await withSim();
    const audio = spoken('where is my order');
    const result = await stt.transcribe(turnOf(audio));
    expect(result).toEqual({
      status: 'ok',
      provider: 'cartesia',
      text: 'where is my order',
      audioSeconds: audio.length / 8000,
    });
    const session = sim!.sessions[0]!;
    expect(session.params).toMatchObject({ model: 'ink-whisper', encoding: 'pcm_mulaw', sampleRate: 8000 });
    expect(session.commands).toEqual(['finalize']);
    // what Cartesia counted, to the byte
    expect(session.audioSeconds).toBeCloseTo(result.audioSeconds, 9);
  });

  it('answers empty for a turn without words (a tone)', async () => {
    const stt = await withSim();
    const result = await stt.transcribe(turnOf(toneMulaw({ toneHz: 440, ms: 700 })));
    expect(result).toEqual({ status: 'empty', provider: 'cartesia', audioSeconds: 0.7 });
  });

  it('joins the final transcripts verbatim, as deltas', async () => {
    fake = await startFakeProvider({
      onSocket: (ws: WebSocket) =>
        ws.on('message', (data, isBinary) => {
          if (isBinary || String(data) !== 'finalize') return;
          for (const text of ['Insert', 'ing spaces', ' is not safe.']) {
            ws.send(JSON.stringify({ type: 'transcript', is_final: true, text, request_id: 'r' }));
          }
          ws.send(JSON.stringify({ type: 'transcript', is_final: false, text: 'ignored', request_id: 'r' }));
          ws.send(JSON.stringify({ type: 'flush_done', request_id: 'r' }));
        }),
    });
    const stt = new CartesiaTranscriber({ apiKey: KEY, baseUrl: fake.baseUrl });
    expect(await stt.transcribe(turnOf(spoken('hi')))).toMatchObject({
      status: 'ok',
      text: 'Inserting spaces is not safe.',
    });
  });

  it("fails with the provider's error when the socket fails mid-turn", async () => {
    const stt = await withSim({ faults: { failAfterAudioMs: { ms: 200 } } });
    const result = await stt.transcribe(turnOf(spoken('this will not finish')));
    expect(result).toMatchObject({
      status: 'failed',
      provider: 'cartesia',
      error: {
        code: 'provider_error',
        status: 500,
        retryable: true,
        message: 'Internal error: Transcription failed.',
      },
    });
    expect(result.audioSeconds).toBeGreaterThan(0);
  });

  it('fails without retry on a refused key, and the key is nowhere in the result', async () => {
    const stt = await withSim({}, 'sk_car_wrong');
    const result = await stt.transcribe(turnOf(spoken('hello')));
    expect(result).toEqual({
      status: 'failed',
      provider: 'cartesia',
      audioSeconds: 0,
      error: {
        code: 'connect_failed',
        message: 'Cartesia refused the socket (HTTP 401)',
        retryable: false,
        status: 401,
      },
    });
    expect(JSON.stringify(result)).not.toContain('sk_car_wrong');
  });

  it('times out when no transcript comes, and aborts on request', async () => {
    fake = await startFakeProvider({ onSocket: () => {} });
    const stt = new CartesiaTranscriber({ apiKey: KEY, baseUrl: fake.baseUrl, timeoutMs: 150 });
    const started = Date.now();
    const late = await stt.transcribe(turnOf(spoken('hello')));
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
    expect(late).toMatchObject({ status: 'failed', error: { code: 'timeout', retryable: true } });
    expect(late.audioSeconds).toBeGreaterThan(0);

    const controller = new AbortController();
    const pending = stt.transcribe(turnOf(spoken('hello')), controller.signal);
    controller.abort();
    expect(await pending).toMatchObject({ status: 'failed', error: { code: 'aborted' } });
    const already = await stt.transcribe(turnOf(spoken('hello')), AbortSignal.abort());
    expect(already).toMatchObject({ status: 'failed', error: { code: 'aborted' }, audioSeconds: 0 });
  });

  it('fails with malformed_response on any malformed message, and never throws', async () => {
    let reply: Array<string | Uint8Array> = [];
    fake = await startFakeProvider({
      onSocket: (ws: WebSocket) =>
        ws.on('message', (data, isBinary) => {
          if (isBinary || String(data) !== 'finalize') return;
          for (const m of reply) ws.send(m, { binary: typeof m !== 'string' });
          ws.send(JSON.stringify({ type: 'flush_done', request_id: 'r' }));
        }),
    });
    const stt = new CartesiaTranscriber({ apiKey: KEY, baseUrl: fake.baseUrl, timeoutMs: 2000 });
    const malformed = fc.oneof(
      // `null` here is the message that makes the SDK's own handler throw
      fc.constantFrom('null', '5', '"transcript"', '[]', '{}', '{"type":7}'),
      notJson,
      fc
        .record({
          type: fc.constant('transcript'),
          is_final: fc.oneof(fc.string(), fc.integer(), fc.constant(null)),
          text: fc.oneof(fc.string(), fc.integer()),
        })
        .map((m) => JSON.stringify(m)),
      fc
        .record({
          type: fc.constant('transcript'),
          is_final: fc.boolean(),
          text: fc.oneof(fc.integer(), fc.object()),
        })
        .map((m) => JSON.stringify(m)),
      fc.uint8Array({ minLength: 1, maxLength: 32 }),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(malformed, { minLength: 1, maxLength: 4 }), async (messages) => {
        reply = messages;
        const result = await stt.transcribe(turnOf(spoken('hi')));
        expect(result).toMatchObject({
          status: 'failed',
          provider: 'cartesia',
          error: { code: 'malformed_response', retryable: false },
        });
        expect((result as { error: { message: string } }).error.message).toMatch(
          /^a malformed Cartesia message: /,
        );
      }),
      { numRuns: 40 },
    );
  });
});

/**
 * The Scribe transcriber against the ElevenLabs simulator and, for what the simulator never answers, a
 * fake provider. Source: ElevenLabs API reference, "Speech to Text" (`POST /v1/speech-to-text`:
 * multipart `model_id` and `file`; the answer's `text`, `words`, `language_code`; errors as
 * `{detail: {status, message}}`), and the `@elevenlabs/elevenlabs-js` `speechToText.convert` types.
 */
import { detailError, startElevenLabsSimulator } from '@switchboard/simulators/elevenlabs';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { ScribeTranscriber, type ScribeTranscriberOptions } from './scribe-transcriber.ts';
import { type FakeProvider, readBody, startFakeProvider } from './testing/fake-provider.ts';
import { notJson, spoken, turnOf } from './testing/provider-turns.ts';

const KEY = 'xi-test-key';
type Sim = Awaited<ReturnType<typeof startElevenLabsSimulator>>;
let sim: Sim | null = null;
let fake: FakeProvider | null = null;
afterEach(async () => {
  await sim?.close();
  await fake?.close();
  sim = null;
  fake = null;
});

async function withSim(
  simOptions: Parameters<typeof startElevenLabsSimulator>[0] = {},
  options: Partial<ScribeTranscriberOptions> = {},
) {
  sim = await startElevenLabsSimulator({ apiKey: KEY, ...simOptions });
  return new ScribeTranscriber({ apiKey: KEY, baseUrl: sim.baseUrl, ...options });
}

describe('Scribe transcriber', () => {
  it('transcribes a caller turn sent as a mu-law WAV, and counts its audio seconds', async () => {
    const stt = await withSim();
    const audio = spoken('where is my order');
    expect(await stt.transcribe(turnOf(audio))).toEqual({
      status: 'ok',
      provider: 'elevenlabs',
      text: 'where is my order',
      audioSeconds: audio.length / 8000,
    });
    expect(sim!.transcriptions).toEqual([
      expect.objectContaining({
        modelId: 'scribe_v1',
        fileFormat: 'other',
        status: 200,
        audioBytes: expect.any(Number),
      }),
    ]);
    // a WAV header and the mu-law, untouched
    expect(sim!.transcriptions[0]!.audioBytes - audio.length).toBeLessThan(64);
  });

  it('answers empty when Scribe hears no words', async () => {
    const stt = await withSim({ scribeScript: ['empty'] });
    expect(await stt.transcribe(turnOf(spoken('hello')))).toMatchObject({
      status: 'empty',
      provider: 'elevenlabs',
    });
  });

  it('retries a 503 once, then fails with the status; a 4xx fails at once, not retryable', async () => {
    const busy = detailError(503, 'service_unavailable', 'Busy');
    const stt = await withSim({
      scribeScript: [
        { error: busy },
        { text: 'after a retry' },
        { error: busy },
        { error: busy },
        { error: detailError(400, 'invalid_content', 'Bad audio') },
      ],
    });
    const audio = spoken('hello');
    expect(await stt.transcribe(turnOf(audio))).toMatchObject({ status: 'ok', text: 'after a retry' });
    expect(await stt.transcribe(turnOf(audio))).toMatchObject({
      status: 'failed',
      audioSeconds: 0,
      error: {
        code: 'provider_error',
        status: 503,
        retryable: true,
        message: 'Scribe answered HTTP 503: service_unavailable Busy',
      },
    });
    expect(await stt.transcribe(turnOf(audio))).toMatchObject({
      status: 'failed',
      error: {
        code: 'provider_error',
        status: 400,
        retryable: false,
        message: 'Scribe answered HTTP 400: invalid_content Bad audio',
      },
    });
    expect(sim!.transcriptions.map((t) => t.status)).toEqual([503, 200, 503, 503, 400]);
  });

  it('fails without retry on a refused key, and the key is nowhere in the result', async () => {
    sim = await startElevenLabsSimulator({ apiKey: KEY });
    const stt = new ScribeTranscriber({ apiKey: 'xi-wrong-key', baseUrl: sim.baseUrl });
    const result = await stt.transcribe(turnOf(spoken('hello')));
    expect(result).toMatchObject({
      status: 'failed',
      error: {
        code: 'provider_error',
        status: 401,
        retryable: false,
        message: 'Scribe answered HTTP 401: invalid_api_key Invalid API key',
      },
    });
    expect(JSON.stringify(result)).not.toContain('xi-wrong-key');
  });

  it('times out when Scribe does not answer, and aborts on request', async () => {
    fake = await startFakeProvider({ onRequest: () => {} });
    const stt = new ScribeTranscriber({ apiKey: KEY, baseUrl: fake.baseUrl, timeoutMs: 150 });
    const started = Date.now();
    expect(await stt.transcribe(turnOf(spoken('hello')))).toMatchObject({
      status: 'failed',
      error: { code: 'timeout', retryable: true },
    });
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
    const controller = new AbortController();
    const pending = stt.transcribe(turnOf(spoken('hello')), controller.signal);
    setTimeout(() => controller.abort(), 20);
    expect(await pending).toMatchObject({ status: 'failed', error: { code: 'aborted' } });
  });

  it('turns any answer into a result, never a throw: malformed 2xx bodies are malformed_response', async () => {
    let answer = { status: 200, body: '' };
    fake = await startFakeProvider({
      onRequest: async (req, res) => {
        await readBody(req);
        res.writeHead(answer.status, { 'content-type': 'application/json' }).end(answer.body);
      },
    });
    const stt = new ScribeTranscriber({ apiKey: KEY, baseUrl: fake.baseUrl, maxRetries: 0, timeoutMs: 3000 });
    const good = fc.string({ maxLength: 30 }).map((text) => ({
      status: 200,
      body: JSON.stringify({ language_code: 'eng', language_probability: 0.9, text, words: [] }),
      expect: text.trim() === '' ? 'empty' : 'ok',
    }));
    const garbage = fc
      .oneof(
        notJson,
        fc
          .oneof(fc.integer(), fc.constant(null), fc.array(fc.string()), fc.string())
          .map((v) => JSON.stringify(v)),
        fc
          .record({ text: fc.oneof(fc.integer(), fc.constant(null), fc.object()), words: fc.constant([]) })
          .map((v) => JSON.stringify(v)),
      )
      .map((body) => ({ status: 200, body, expect: 'malformed_response' }));
    const refusal = fc
      .record({ status: fc.constantFrom(400, 401, 404, 422, 429, 500, 503), body: fc.json() })
      .map((a) => ({ ...a, expect: 'provider_error' }));
    await fc.assert(
      fc.asyncProperty(fc.oneof(good, garbage, refusal), async (a) => {
        answer = a;
        const result = await stt.transcribe(turnOf(spoken('hi')));
        if (a.expect === 'ok' || a.expect === 'empty') expect(result.status).toBe(a.expect);
        else {
          expect(result).toMatchObject({ status: 'failed', error: { code: a.expect } });
          if (a.expect === 'provider_error') {
            expect(result).toMatchObject({
              error: { status: a.status, retryable: a.status >= 500 || a.status === 429 },
            });
          }
        }
      }),
      { numRuns: 60 },
    );
  });
});

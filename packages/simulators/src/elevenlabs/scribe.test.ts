/**
 * Fidelity of Scribe through the real SDK: `ElevenLabsClient({ baseUrl }).speechToText.convert`
 * (ElevenLabs API reference, "Speech to Text", `POST /v1/speech-to-text`: multipart `model_id` and
 * `file`, answer `text`, `words` with `start`/`end` seconds and `type`, `language_code`). Errors
 * surface as the SDK's `UnprocessableEntityError` (422) and `ElevenLabsError` with the status.
 */

import { ElevenLabsClient, ElevenLabsError } from '@elevenlabs/elevenlabs-js';
import { pcm16ToMulaw, writeWav } from '@switchboard/telephony';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { renderSpeech } from '../speech/spoken-text.ts';
import { FRAME_BYTES, ScriptCursor, toneMulaw } from '../twilio/caller-script.ts';
import { detailError } from './errors.ts';
import {
  type ElevenLabsSimulator,
  type ElevenLabsSimulatorOptions,
  startElevenLabsSimulator,
} from './server.ts';

const KEY = 'xi-test-key';
let sim: ElevenLabsSimulator | null = null;

afterEach(async () => {
  await sim?.close();
  sim = null;
});

async function client(options: ElevenLabsSimulatorOptions = {}, apiKey = KEY) {
  sim = await startElevenLabsSimulator({ apiKey: KEY, ...options });
  return new ElevenLabsClient({ apiKey, baseUrl: sim.baseUrl });
}

const wavOf = (mulaw: Uint8Array) =>
  new File([writeWav({ format: 'mulaw', sampleRate: 8000, channels: 1, data: mulaw })], 'turn.wav', {
    type: 'audio/wav',
  });

describe('speechToText.convert', () => {
  it('reads a scripted caller turn back from its audio, with word timings', async () => {
    const el = await client();
    // the caller's words as the Twilio simulator sends them, frame by frame
    const cursor = new ScriptCursor([{ audio: { say: 'where is my order' } }]);
    const frames: Uint8Array[] = [];
    while (!cursor.finished)
      frames.push(Uint8Array.from(cursor.next(null).audio ?? new Uint8Array(FRAME_BYTES)));
    const result = await el.speechToText.convert({
      modelId: 'scribe_v1',
      file: wavOf(Buffer.concat(frames)),
    });
    expect('text' in result && result.text).toBe('where is my order');
    if (!('words' in result)) throw new Error('expected a chunk response');
    const words = result.words.filter((w) => w.type === 'word');
    expect(words.map((w) => w.text)).toEqual(['where', 'is', 'my', 'order']);
    for (let i = 1; i < words.length; i++) expect(words[i]!.start!).toBeGreaterThan(words[i - 1]!.end!);
    expect(result.words.filter((w) => w.type === 'spacing')).toHaveLength(3);
    expect(result.languageCode).toBe('eng');
    expect(sim!.transcriptions[0]).toMatchObject({
      modelId: 'scribe_v1',
      status: 200,
      text: 'where is my order',
    });
  });

  it('takes raw 16 kHz PCM with file_format pcm_s16le_16', async () => {
    const el = await client();
    const speech = renderSpeech('thanks bye');
    const pcm16k = new Int16Array(speech.pcm.length * 2);
    speech.pcm.forEach((s, i) => {
      pcm16k[2 * i] = s;
      pcm16k[2 * i + 1] = s;
    });
    const result = await el.speechToText.convert({
      modelId: 'scribe_v1',
      fileFormat: 'pcm_s16le_16',
      file: new File([Buffer.from(pcm16k.buffer)], 'turn.pcm'),
    });
    expect('text' in result && result.text).toBe('thanks bye');
  });

  it("answers audio without simulated speech from the scenario's caller lines, then empty", async () => {
    const el = await client({ scenario: { turns: [{ user: 'I want a refund', say: 'Sure.' }] } });
    const tone = wavOf(toneMulaw({ toneHz: 440, ms: 600 }));
    const first = await el.speechToText.convert({ modelId: 'scribe_v1', file: tone });
    expect('text' in first && first.text).toBe('I want a refund');
    const second = await el.speechToText.convert({ modelId: 'scribe_v1', file: tone });
    expect('text' in second && second.text).toBe('');
  });

  it('plays scripted empty and failed answers; the SDK retries a 503 and gives up on a 400', async () => {
    const el = await client({
      scribeScript: [
        'empty',
        { error: detailError(503, 'service_unavailable', 'Busy') },
        { text: 'scripted words' },
        { error: detailError(400, 'invalid_content', 'Bad audio') },
      ],
    });
    const audio = wavOf(pcm16ToMulaw(renderSpeech('hello').pcm));
    const empty = await el.speechToText.convert({ modelId: 'scribe_v1', file: audio });
    expect('text' in empty && empty.text).toBe('');
    const retried = await el.speechToText.convert({ modelId: 'scribe_v1', file: audio });
    expect('text' in retried && retried.text).toBe('scripted words');
    expect(sim!.transcriptions.map((t) => t.status)).toEqual([200, 503, 200]);
    const failed = await el.speechToText
      .convert({ modelId: 'scribe_v1', file: audio })
      .catch((e: unknown) => e);
    expect(failed).toBeInstanceOf(ElevenLabsError);
    expect((failed as ElevenLabsError).statusCode).toBe(400);
    expect((failed as ElevenLabsError).body).toEqual({
      detail: { status: 'invalid_content', message: 'Bad audio' },
    });
  });

  it('refuses a bad key (401), an unknown model (422) and undecodable audio (400)', async () => {
    const wrong = await client({}, 'nope');
    const audio = wavOf(pcm16ToMulaw(renderSpeech('hi').pcm));
    const denied = await wrong.speechToText
      .convert({ modelId: 'scribe_v1', file: audio })
      .catch((e: unknown) => e);
    expect((denied as ElevenLabsError).statusCode).toBe(401);
    await sim!.close();
    const el = await client();
    const model = await el.speechToText
      .convert({ modelId: 'scribe_v9', file: audio })
      .catch((e: unknown) => e);
    expect((model as ElevenLabsError).statusCode).toBe(422);
    expect((model as { constructor: { name: string } }).constructor.name).toBe('UnprocessableEntityError');
    const broken = new File([Buffer.from('RIFF....WAVEjunk')], 'x.wav');
    const undecodable = await el.speechToText
      .convert({ modelId: 'scribe_v1', file: broken })
      .catch((e: unknown) => e);
    expect((undecodable as ElevenLabsError).statusCode).toBe(400);
  });

  it('answers any upload with a transcript or a 4xx, never a 5xx', async () => {
    const el = await client();
    await fc.assert(
      fc.asyncProperty(
        fc.uint8Array({ maxLength: 4000 }),
        fc.constantFrom<Array<'other' | 'pcm_s16le_16'>>('other', 'pcm_s16le_16'),
        async (bytes, fileFormat) => {
          const outcome = await el.speechToText
            .convert({ modelId: 'scribe_v1', fileFormat, file: new File([bytes], 'x.bin') })
            .then(() => 200)
            .catch((e: ElevenLabsError) => e.statusCode ?? 0);
          expect(outcome === 200 || (outcome >= 400 && outcome < 500)).toBe(true);
        },
      ),
      { numRuns: 30 },
    );
  });
});

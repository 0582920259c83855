/**
 * Fidelity of the Cartesia STT WebSocket through the real SDK (`@cartesia/cartesia-js` 4.x, loaded
 * with createRequire: its ESM build fails to load `ws` on Node 20):
 * `new Cartesia({ baseURL }).stt.manualFinalize.websocket({ model: 'ink-whisper', encoding, sample_rate })`.
 * Sources: Cartesia API reference "Speech-to-Text (Streaming)" and the SDK's types
 * (`STTManualFinalizeTranscriptResponse`, `...FlushDoneResponse`, `...DoneResponse`, `STTErrorResponse`,
 * `STTEncoding`): audio as binary frames, `finalize` and `close` as text commands.
 */
import { createRequire } from 'node:module';
import { pcm16ToMulaw } from '@switchboard/telephony';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { renderSpeech } from '../speech/spoken-text.ts';
import { type CartesiaSimulator, type CartesiaSimulatorOptions, startCartesiaSimulator } from './server.ts';

const require = createRequire(import.meta.url);
const { Cartesia } = require('@cartesia/cartesia-js') as typeof import('@cartesia/cartesia-js');

type Params = {
  model: string;
  encoding: 'pcm_mulaw' | 'pcm_s16le';
  sample_rate: number;
  max_silence_duration_secs?: number;
};
interface Recorded {
  events: Array<Record<string, unknown>>;
  errors: Array<{ message: string; error?: { status_code: number } }>;
  closed: Promise<number>;
  ws: ReturnType<InstanceType<typeof Cartesia>['stt']['manualFinalize']['websocket']>;
  until(pred: (e: Array<Record<string, unknown>>) => boolean): Promise<void>;
}

let sim: CartesiaSimulator | null = null;
afterEach(async () => {
  await sim?.close();
  sim = null;
});

async function open(
  params: Partial<Params> = {},
  options: CartesiaSimulatorOptions = {},
  apiKey = 'sk_car_test',
): Promise<Recorded> {
  sim ??= await startCartesiaSimulator({ apiKey: 'sk_car_test', ...options });
  const client = new Cartesia({ apiKey, baseURL: sim.baseUrl });
  const ws = client.stt.manualFinalize.websocket({
    model: 'ink-whisper',
    encoding: 'pcm_mulaw',
    sample_rate: 8000,
    ...params,
  });
  const events: Array<Record<string, unknown>> = [];
  const errors: Recorded['errors'] = [];
  const wakers = new Set<() => void>();
  const wake = () => {
    for (const w of [...wakers]) w();
  };
  ws.on('event', (e) => {
    events.push(e as unknown as Record<string, unknown>);
    wake();
  });
  ws.on('error', (err) => {
    errors.push(err as Recorded['errors'][number]);
    wake();
  });
  const closed = new Promise<number>((resolve) => ws.on('close', (code) => resolve(code)));
  return {
    ws,
    events,
    errors,
    closed,
    until: (pred) =>
      new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('timed out')), 3000);
        const check = () => {
          if (!pred(events)) return;
          clearTimeout(timer);
          wakers.delete(check);
          resolve();
        };
        wakers.add(check);
        check();
      }),
  };
}

/** Audio in 20 ms frames, as a telephony relay sends it. */
function sendAudio(r: Recorded, bytes: Uint8Array, frameBytes = 160): void {
  for (let at = 0; at < bytes.length; at += frameBytes) r.ws.sendRaw(bytes.subarray(at, at + frameBytes));
}

const speech = (text: string) => pcm16ToMulaw(renderSpeech(text).pcm);
const finals = (events: Array<Record<string, unknown>>) =>
  events.filter((e) => e.type === 'transcript' && e.is_final === true);

describe('stt.manualFinalize.websocket', () => {
  it('sends interim transcripts, then on finalize a final one and flush_done; close ends with done', async () => {
    const r = await open();
    sendAudio(r, speech('where is my order'));
    await r.until((e) => e.some((m) => m.type === 'transcript' && m.is_final === false));
    r.ws.send('finalize');
    await r.until((e) => e.some((m) => m.type === 'flush_done'));
    sendAudio(r, speech('thank you'));
    r.ws.send('close');
    expect(await r.closed).toBe(1000);
    const types = r.events.map((e) => e.type);
    expect(types.at(-1)).toBe('done');
    expect(types.indexOf('flush_done')).toBeGreaterThan(types.indexOf('transcript'));
    const finalTexts = finals(r.events).map((e) => e.text);
    expect(finalTexts).toEqual(['where is my order', ' thank you']);
    // the finals' deltas concatenate to the whole transcript
    expect(finalTexts.join('')).toBe('where is my order thank you');
    const first = finals(r.events)[0]!;
    expect(first).toMatchObject({ language: 'en', request_id: sim!.sessions[0]!.requestId });
    expect((first.words as Array<{ words: string[] }>)[0]!.words).toEqual(['where', 'is', 'my', 'order']);
    expect(sim!.sessions[0]!.audioSeconds).toBeGreaterThan(1);
  });

  it('takes 16 kHz PCM and finalizes by itself after max_silence_duration_secs (ink-whisper)', async () => {
    const r = await open({ encoding: 'pcm_s16le', sample_rate: 16000, max_silence_duration_secs: 0.5 });
    const pcm = renderSpeech('hello there').pcm;
    const up = new Int16Array(pcm.length * 2 + 16000);
    pcm.forEach((s, i) => {
      up[2 * i] = s;
      up[2 * i + 1] = s;
    });
    sendAudio(r, new Uint8Array(up.buffer), 640);
    await r.until((e) => finals(e).length > 0);
    expect(finals(r.events)[0]!.text).toBe('hello there');
  });

  it('answers a bad parameter with the STT error message and close 1008, which the SDK does not retry', async () => {
    const r = await open({ model: 'ink-imaginary' });
    expect(await r.closed).toBe(1008);
    expect(r.errors[0]!.error).toMatchObject({ type: 'error', status_code: 400, title: 'Invalid request' });
  });

  it('refuses a wrong key at the handshake', async () => {
    const r = await open({}, {}, 'wrong');
    await r.closed;
    expect(r.errors[0]!.message).toContain('401');
    expect(sim!.sessions).toHaveLength(0);
  });

  it('fails mid-turn when scripted to', async () => {
    const r = await open({}, { faults: { failAfterAudioMs: { ms: 200 } } });
    sendAudio(r, speech('this will not finish'));
    expect(await r.closed).toBe(1011);
    expect(r.errors.map((e) => e.error?.status_code)).toEqual([500]);
  });

  it('answers unknown commands with an error and stays open; arbitrary audio never breaks it', async () => {
    const r = await open();
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.string(), fc.uint8Array({ maxLength: 800 })), async (frame) => {
        if (typeof frame === 'string') {
          if (frame === 'finalize' || frame === 'close') return;
          r.ws.send(frame as 'finalize');
        } else r.ws.sendRaw(frame);
      }),
      { numRuns: 50 },
    );
    r.ws.send('finalize');
    await r.until((e) => e.some((m) => m.type === 'flush_done'));
    expect(r.errors.every((e) => e.error?.status_code === 400)).toBe(true);
    expect(sim!.sessions[0]!.commands.length).toBeGreaterThan(1);
    r.ws.send('close');
    expect(await r.closed).toBe(1000);
  });
});

/**
 * Simulated speech round trips: what the renderer speaks, the recogniser reads back, through mu-law
 * and a noisy phone line; audio that is not simulated speech reads as nothing. The Realtime
 * simulator uses the same recogniser for caller transcripts without a scripted line.
 */
import { mulawToPcm16, pcm16ToMulaw } from '@switchboard/telephony';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { type RealtimeSimulator, startRealtimeSimulator } from '../openai-realtime/server.ts';
import { concatBytes, mulawQuiet, RawRealtimeClient } from '../openai-realtime/test-support.ts';
import { noiseBurstMulaw, toneMulaw } from '../twilio/caller-script.ts';
import { PhoneLine } from '../twilio/phone-line.ts';
import { recognizeSpeech } from './recognize.ts';
import { renderSpeech, SPEECH_ALPHABET } from './spoken-text.ts';

const word = fc.stringOf(fc.constantFrom(...SPEECH_ALPHABET), { minLength: 1, maxLength: 8 });

describe('spoken text', () => {
  it('reads back any words through mu-law', () => {
    fc.assert(
      fc.property(fc.array(word, { minLength: 1, maxLength: 6 }), (words) => {
        const text = words.join(' ');
        const heard = recognizeSpeech(mulawToPcm16(pcm16ToMulaw(renderSpeech(text).pcm)), 8000);
        expect(heard.text).toBe(text);
        expect(heard.words).toHaveLength(words.length);
      }),
      { numRuns: 60 },
    );
  });

  it('aligns each character with its audio, and survives a noisy line', () => {
    const speech = renderSpeech('Hello, Acme!');
    const last = speech.chars.at(-1)!;
    expect(last.startMs + last.durationMs).toBeCloseTo(speech.durationMs, 5);
    expect(speech.pcm.length).toBe(Math.round(speech.durationMs * 8));
    const line = new PhoneLine({ noiseFloorDbfs: -50, seed: 4 });
    const mulaw = pcm16ToMulaw(speech.pcm);
    const frames: Uint8Array[] = [];
    for (let at = 0, t = 0; at < mulaw.length; at += 160, t += 20) {
      const frame = new Uint8Array(160).fill(0xff);
      frame.set(mulaw.subarray(at, at + 160));
      frames.push(line.shape(frame, t).slice());
    }
    expect(recognizeSpeech(mulawToPcm16(concatBytes(...frames)), 8000).text).toBe('hello, acme!');
  });

  it('hears nothing in a tone, a cough or silence', () => {
    for (const audio of [
      toneMulaw({ toneHz: 440, ms: 900 }),
      noiseBurstMulaw({ noiseMs: 300 }),
      mulawQuiet(500),
    ]) {
      expect(recognizeSpeech(mulawToPcm16(audio), 8000).words).toEqual([]);
    }
  });
});

describe('Realtime transcripts of simulated speech', () => {
  let sim: RealtimeSimulator | null = null;
  afterEach(async () => {
    await sim?.close();
  });

  it('transcribes the words the caller spoke when the session asks for input transcription', async () => {
    sim = await startRealtimeSimulator({ pacing: 'burst', transcriptionDelayMs: 0 });
    const client = await RawRealtimeClient.connect(sim.url);
    await client.next('session.created');
    await client.request(
      {
        type: 'session.update',
        session: {
          type: 'realtime',
          audio: {
            input: { format: { type: 'audio/pcmu' }, transcription: { model: 'gpt-4o-mini-transcribe' } },
          },
        },
      },
      'session.updated',
    );
    client.appendAudio(
      concatBytes(mulawQuiet(200), pcm16ToMulaw(renderSpeech('where is my order').pcm), mulawQuiet(900)),
    );
    const committed = await client.next('conversation.item.done');
    expect(committed.item).toMatchObject({
      role: 'user',
      content: [{ type: 'input_audio', transcript: null }],
    });
    const completed = await client.next('conversation.item.input_audio_transcription.completed');
    expect(completed).toMatchObject({
      item_id: (committed.item as { id: string }).id,
      transcript: 'where is my order',
    });
    client.close();
  });
});

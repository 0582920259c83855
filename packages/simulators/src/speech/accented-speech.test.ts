/**
 * Simulated speech in Spanish, French and German (issue 23): the accented letters and punctuation
 * round-trip like the ASCII ones, which keep the exact audio they always had (recordings made before
 * stay readable). The Realtime transcript reports the words as spoken whatever
 * `audio.input.transcription.language` says: the real API's `language` is a hint that "improves
 * accuracy and latency" (GA `AudioTranscription.language`, ISO-639-1), it does not translate.
 */
import { createHash } from 'node:crypto';
import { mulawToPcm16, pcm16ToMulaw } from '@switchboard/telephony';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { type RealtimeSimulator, startRealtimeSimulator } from '../openai-realtime/server.ts';
import { concatBytes, mulawQuiet, RawRealtimeClient } from '../openai-realtime/test-support.ts';
import { PhoneLine } from '../twilio/phone-line.ts';
import { recognizeSpeech } from './recognize.ts';
import { renderSpeech, SPEECH_ALPHABET } from './spoken-text.ts';

const ACCENTED = 'áéíóúñü¿¡àèìòùçâêîôûëïäößœæ«»…ÿ';
const ASCII = "abcdefghijklmnopqrstuvwxyz0123456789'.,?!-:;&%$@+";

const heard = (text: string) =>
  recognizeSpeech(mulawToPcm16(pcm16ToMulaw(renderSpeech(text).pcm)), 8000).text;

describe('accented simulated speech', () => {
  it('carries the letters and punctuation of Spanish, French and German', () => {
    for (const ch of ACCENTED) expect(SPEECH_ALPHABET).toContain(ch);
    expect(heard('¿Cuánto tarda el envío?')).toBe('¿cuánto tarda el envío?');
    expect(heard('¡Très bien! Ça coûte combien… Größe')).toBe('¡très bien! ça coûte combien… größe');
    // an accent typed as a combining mark is the same letter
    expect(heard('envi\u0301o')).toBe('envío');
  });

  it('reads back any words of the extended alphabet through mu-law', () => {
    const word = fc.stringOf(fc.constantFrom(...SPEECH_ALPHABET), { minLength: 1, maxLength: 8 });
    fc.assert(
      fc.property(fc.array(word, { minLength: 1, maxLength: 6 }), (words) => {
        expect(heard(words.join(' '))).toBe(words.join(' '));
      }),
      { numRuns: 80 },
    );
  });

  it('renders the ASCII alphabet exactly as before the extension', () => {
    const speech = renderSpeech(`${ASCII} Hello, Acme! where is my order?`);
    expect(speech.durationMs).toBe(5040);
    expect(createHash('sha256').update(new Uint8Array(speech.pcm.buffer)).digest('hex')).toBe(
      '9f851e497d1b4d4a3d5cdc2cee014a0b139eb114bc286bb66090622be7d6647e',
    );
    expect(SPEECH_ALPHABET.startsWith(ASCII)).toBe(true);
  });

  it('survives a noisy line', () => {
    const mulaw = pcm16ToMulaw(renderSpeech('¿Dónde está mi pedido, señora?').pcm);
    const line = new PhoneLine({ noiseFloorDbfs: -50, seed: 9 });
    const frames: Uint8Array[] = [];
    for (let at = 0, t = 0; at < mulaw.length; at += 160, t += 20) {
      const frame = new Uint8Array(160).fill(0xff);
      frame.set(mulaw.subarray(at, at + 160));
      frames.push(line.shape(frame, t).slice());
    }
    expect(recognizeSpeech(mulawToPcm16(concatBytes(...frames)), 8000).text).toBe(
      '¿dónde está mi pedido, señora?',
    );
  });
});

describe('Realtime transcripts of a caller speaking Spanish', () => {
  let sim: RealtimeSimulator | null = null;
  afterEach(async () => {
    await sim?.close();
  });

  const transcriptOf = async (spoken: string, language?: string, scripted?: string) => {
    sim = await startRealtimeSimulator({
      pacing: 'burst',
      transcriptionDelayMs: 0,
      ...(scripted ? { scenario: { turns: [{ user: scripted, say: 'Vale.' }] } } : {}),
    });
    const client = await RawRealtimeClient.connect(sim.url);
    await client.next('session.created');
    const transcription = { model: 'gpt-4o-mini-transcribe', ...(language ? { language } : {}) };
    await client.request(
      {
        type: 'session.update',
        session: { type: 'realtime', audio: { input: { format: { type: 'audio/pcmu' }, transcription } } },
      },
      'session.updated',
    );
    client.appendAudio(concatBytes(mulawQuiet(200), pcm16ToMulaw(renderSpeech(spoken).pcm), mulawQuiet(900)));
    const completed = await client.next('conversation.item.input_audio_transcription.completed');
    client.close();
    await sim.close();
    sim = null;
    return completed.transcript;
  };

  it('reports the words as spoken, with or without a language hint, in either language', async () => {
    expect(await transcriptOf('¿cuánto tarda el envío?')).toBe('¿cuánto tarda el envío?');
    expect(await transcriptOf('¿cuánto tarda el envío?', 'es')).toBe('¿cuánto tarda el envío?');
    expect(await transcriptOf('¿cuánto tarda el envío?', 'en')).toBe('¿cuánto tarda el envío?');
  });

  it("reports a scripted turn's Spanish line exactly", async () => {
    expect(await transcriptOf('cuanto tarda', 'es', '¿Cuánto tarda el envío?')).toBe(
      '¿Cuánto tarda el envío?',
    );
  });
});

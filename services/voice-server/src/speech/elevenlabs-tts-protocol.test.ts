/**
 * The multi-context protocol as pure functions, checked against the `@elevenlabs/elevenlabs-js`
 * serialisers (strict: an unknown key fails), which carry the API's wire names: every client message
 * built here parses as its SDK type, and every server message the SDK writes parses here. Source:
 * ElevenLabs API reference, "Multi-Context WebSocket".
 */
import * as serialization from '@elevenlabs/elevenlabs-js/serialization/index.js';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  CHUNK_LENGTH_SCHEDULE,
  closeContextMessage,
  initContextMessage,
  parseTtsServerMessage,
  splitAtLastSpace,
  spokenLength,
  textMessage,
  ttsSocketUrl,
} from './elevenlabs-tts-protocol.ts';

const strict = { unrecognizedObjectKeys: 'fail' } as const;

describe('client messages', () => {
  it('a context starts with a space, the voice settings and the chunk schedule, as the SDK names them', () => {
    const m = initContextMessage(
      'c1',
      { stability: 0.5, similarityBoost: 0.75, style: 0, useSpeakerBoost: false, speed: 0.9 },
      CHUNK_LENGTH_SCHEDULE,
    );
    expect(serialization.InitializeConnectionMulti.parseOrThrow(m, strict)).toEqual({
      text: ' ',
      contextId: 'c1',
      voiceSettings: { stability: 0.5, similarityBoost: 0.75, style: 0, useSpeakerBoost: false, speed: 0.9 },
      generationConfig: { chunkLengthSchedule: [120, 160, 250, 290] },
    });
    // settings left out are not sent: the voice's stored ones apply
    const bare = initContextMessage('c2', { speed: 1.2 }, CHUNK_LENGTH_SCHEDULE);
    expect(bare.voice_settings).toEqual({ speed: 1.2 });
    expect(initContextMessage('c3', undefined, CHUNK_LENGTH_SCHEDULE)).not.toHaveProperty('voice_settings');
  });

  it('text, flush and close_context are the SDK’s SendTextMulti, FlushContext and CloseContext', () => {
    expect(serialization.SendTextMulti.parseOrThrow(textMessage('c1', 'Hello ', false), strict)).toEqual({
      text: 'Hello ',
      contextId: 'c1',
    });
    expect(serialization.FlushContext.parseOrThrow(textMessage('c1', 'there.', true), strict)).toEqual({
      text: 'there.',
      contextId: 'c1',
      flush: true,
    });
    expect(serialization.CloseContext.parseOrThrow(closeContextMessage('c1'), strict)).toEqual({
      contextId: 'c1',
      closeContext: true,
    });
  });

  it('the socket URL: multi-stream-input under the base URL, mu-law 8 kHz, alignment with every chunk', () => {
    const url = new URL(
      ttsSocketUrl('https://api.elevenlabs.io', {
        voiceId: 'JBFqnCBsd6RMkjVDRZzb',
        modelId: 'eleven_flash_v2_5',
        inactivityTimeoutS: 180,
      }),
    );
    expect(url.origin).toBe('wss://api.elevenlabs.io');
    expect(url.pathname).toBe('/v1/text-to-speech/JBFqnCBsd6RMkjVDRZzb/multi-stream-input');
    expect(Object.fromEntries(url.searchParams)).toEqual({
      model_id: 'eleven_flash_v2_5',
      output_format: 'ulaw_8000',
      inactivity_timeout: '180',
      sync_alignment: 'true',
    });
    const local = ttsSocketUrl('http://127.0.0.1:9/proxy', {
      voiceId: 'a/b',
      modelId: 'm',
      inactivityTimeoutS: 20,
    });
    expect(local.startsWith('ws://127.0.0.1:9/proxy/v1/text-to-speech/a%2Fb/multi-stream-input?')).toBe(true);
  });
});

describe('server messages', () => {
  it('reads the SDK’s AudioOutputMulti and FinalOutputMulti', () => {
    const audio = serialization.AudioOutputMulti.jsonOrThrow({
      audio: Buffer.from([0xff, 0x7f, 0x00, 0x10]).toString('base64'),
      contextId: 'c1',
      alignment: { chars: ['H', 'i'], charStartTimesMs: [0, 60], charDurationsMs: [60, 60] },
      normalizedAlignment: { chars: ['h', 'i'], charStartTimesMs: [0, 60], charDurationsMs: [60, 60] },
    });
    expect(parseTtsServerMessage(JSON.stringify(audio))).toEqual({
      kind: 'audio',
      contextId: 'c1',
      payload: '/38AEA==',
      bytes: 4,
      alignment: { chars: ['H', 'i'], charStartTimesMs: [0, 60], charDurationsMs: [60, 60] },
    });
    const final = serialization.FinalOutputMulti.jsonOrThrow({ isFinal: true, contextId: 'c1' });
    expect(parseTtsServerMessage(JSON.stringify(final))).toEqual({ kind: 'final', contextId: 'c1' });
  });

  it('reads an error message as the API sends it before closing', () => {
    const m = parseTtsServerMessage(
      JSON.stringify({
        message: 'Maximum simultaneous contexts per WebSocket connection exceeded (5).',
        error: 'max_active_conversations',
        code: 1008,
      }),
    );
    expect(m).toEqual({
      kind: 'error',
      message:
        'max_active_conversations: Maximum simultaneous contexts per WebSocket connection exceeded (5).',
    });
  });

  it('never throws, whatever arrives', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string(),
          fc.json(),
          fc.jsonValue().map((v) => JSON.stringify(v)),
        ),
        (raw) => {
          expect(() => parseTtsServerMessage(raw)).not.toThrow();
        },
      ),
      { numRuns: 500 },
    );
  });
});

describe('streamed text', () => {
  it('goes out in whole words, and nothing is lost or counted twice', () => {
    fc.assert(
      fc.property(fc.array(fc.string({ maxLength: 12 }), { maxLength: 20 }), (deltas) => {
        let pending = '';
        const sent: string[] = [];
        for (const d of deltas) {
          const [ready, rest] = splitAtLastSpace(pending + d);
          pending = rest;
          if (ready !== '') sent.push(ready);
        }
        for (const s of sent) expect(s).toMatch(/\s$/);
        expect(sent.join('') + pending).toBe(deltas.join(''));
        expect(spokenLength(sent.join('') + pending)).toBe(deltas.join('').replace(/\s/g, '').length);
      }),
      { numRuns: 300 },
    );
  });
});

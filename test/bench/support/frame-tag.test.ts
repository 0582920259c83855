import { EnergyVad, loadReplyAudio } from '@switchboard/simulators/openai-realtime';
import { toneMulaw } from '@switchboard/simulators/twilio';
import { mulawToPcm16 } from '@switchboard/telephony';
import { describe, expect, it } from 'vitest';
import {
  CALLER_TAG_BYTES,
  decodeBase64Prefix,
  readCallerTag,
  readReplyTag,
  tagCallerFrame,
  tagReplyChunk,
} from './frame-tag.ts';
import { taggedReplyClip } from './reply-clip.ts';

const silence = () => new Uint8Array(160).fill(0xff);

describe('caller frame tags', () => {
  it('round-trip call index and chunk number in quiet and loud codes', () => {
    for (const [call, chunk, loud] of [
      [0, 1, false],
      [199, 1500, true],
      [4095, 65535, false],
      [7, 70000, true],
    ] as const) {
      const frame = silence();
      tagCallerFrame(frame, call, chunk, loud);
      expect(readCallerTag(frame)).toEqual({ callIndex: call, chunk: chunk % 65536 });
      expect(frame.subarray(CALLER_TAG_BYTES).every((b) => b === 0xff)).toBe(true);
    }
  });

  it('does not read a tag in plain silence, a tone, or a tag with one nibble changed', () => {
    expect(readCallerTag(silence())).toBeNull();
    expect(readCallerTag(toneMulaw({ toneHz: 440, ms: 20 }))).toBeNull();
    const frame = silence();
    tagCallerFrame(frame, 12, 345, false);
    frame[4] = frame[4]! ^ 0x01;
    expect(readCallerTag(frame)).toBeNull();
  });

  it('leaves the server VAD hearing the same speech and silence', () => {
    const vadEvents = (tagged: boolean) => {
      const vad = new EnergyVad({ threshold: 0.9, prefixPaddingMs: 300, silenceDurationMs: 500 });
      const speech = toneMulaw({ toneHz: 300, ms: 600 });
      const events: string[] = [];
      for (let chunk = 1; chunk <= 100; chunk++) {
        const inSpeech = chunk > 20 && chunk <= 50;
        const frame = inSpeech ? speech.slice((chunk - 21) * 160, (chunk - 20) * 160) : silence();
        if (tagged) tagCallerFrame(frame, 3, chunk, inSpeech);
        for (const e of vad.process(mulawToPcm16(frame), 8000))
          events.push(`${e.type}@${'audioStartMs' in e ? e.audioStartMs : e.audioEndMs}`);
      }
      return events;
    };
    expect(vadEvents(false)).toEqual(['speech_started@100', 'speech_stopped@1500']);
    expect(vadEvents(true)).toEqual(vadEvents(false));
  });
});

describe('reply tags', () => {
  it('survive the Realtime simulator rendering the clip in audio/pcmu, one per delta', async () => {
    const clip = taggedReplyClip(100, 64);
    const reply = (await loadReplyAudio({ kind: 'mulaw', audio: clip })).render(3000, { type: 'audio/pcmu' });
    expect(reply).toHaveLength(24_000);
    const tags = [];
    for (let at = 0; at < reply.length; at += 800) tags.push(readReplyTag(reply.subarray(at, at + 800)));
    expect(tags).toEqual(Array.from({ length: 30 }, (_, i) => i));
  });

  it('reads -1 from untagged audio', () => {
    expect(readReplyTag(silence())).toBe(-1);
    const chunk = silence();
    tagReplyChunk(chunk, 4000);
    expect(readReplyTag(chunk)).toBe(4000);
  });
});

describe('decodeBase64Prefix', () => {
  it('decodes the first bytes like Buffer does and refuses short or non-base64 text', () => {
    const bytes = Uint8Array.from({ length: 160 }, (_, i) => (i * 37 + 11) & 0xff);
    const text = Buffer.from(bytes).toString('base64');
    for (const n of [1, 4, 8, 9]) {
      const out = new Uint8Array(n);
      expect(decodeBase64Prefix(text, out)).toBe(true);
      expect(Array.from(out)).toEqual(Array.from(bytes.subarray(0, n)));
    }
    expect(decodeBase64Prefix('AAAA', new Uint8Array(8))).toBe(false);
    expect(decodeBase64Prefix('AA*AAAAAAAAA', new Uint8Array(8))).toBe(false);
  });
});

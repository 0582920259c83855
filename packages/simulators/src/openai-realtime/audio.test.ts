import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { mulawToPcm16 } from '@switchboard/telephony';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import {
  alawToPcm16,
  decodeBase64Strict,
  decodeToPcm16,
  encodeFromPcm16,
  pcm16Dbfs,
  pcm16ToAlaw,
  resamplePcm16,
} from './audio-format.ts';
import { InputAudioBuffer } from './input-buffer.ts';
import { loadReplyAudio, toneAudio } from './reply-audio.ts';
import { mulawTone, tonePcm16 } from './test-support.ts';
import { encodeWavPcm16, parseWav, WavFormatError } from './wav.ts';

describe('audio formats', () => {
  it('round-trips A-law within G.711 quantisation error', () => {
    const pcm = tonePcm16(50, -6);
    const back = alawToPcm16(pcm16ToAlaw(pcm));
    for (let i = 0; i < pcm.length; i++) {
      expect(Math.abs(back[i]! - pcm[i]!)).toBeLessThanOrEqual(Math.max(16, Math.abs(pcm[i]!) / 16));
    }
  });

  it('decodes and encodes 24 kHz little-endian PCM', () => {
    const pcm = Int16Array.from([0, 1, -1, 32767, -32768]);
    const bytes = encodeFromPcm16(pcm, { type: 'audio/pcm', rate: 24000 });
    expect(Array.from(bytes.subarray(0, 6))).toEqual([0, 0, 1, 0, 0xff, 0xff]);
    expect(Array.from(decodeToPcm16(bytes, { type: 'audio/pcm', rate: 24000 }))).toEqual(Array.from(pcm));
  });

  it('accepts only strict base64', () => {
    expect(Array.from(decodeBase64Strict('AAEC')!)).toEqual([0, 1, 2]);
    expect(decodeBase64Strict('')).toEqual(new Uint8Array(0));
    expect(decodeBase64Strict('not base64!')).toBeNull();
    expect(decodeBase64Strict('AAE')).toBeNull();
  });

  it('decodes exactly what the strict pattern accepts, to the bytes Node decodes, in memory of its own', () => {
    // The API refuses an append whose audio is not base64 ("Invalid 'audio'. Expected base64-encoded
    // audio bytes"); the reference is the whole-group pattern the simulator checked with before.
    const strict = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
    const digit = fc.constantFrom(...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/');
    const near = fc.constantFrom('=', '-', '_', ' ', '\n', '.', '\u00e9', '\u012b', '\u{1f600}', 'A');
    const texts = fc.oneof(
      fc.uint8Array({ maxLength: 600 }).map((b) => Buffer.from(b).toString('base64')),
      fc.tuple(fc.uint8Array({ minLength: 1, maxLength: 300 }), fc.nat(), near).map(([b, at, c]) => {
        const t = Buffer.from(b).toString('base64');
        const i = at % t.length;
        return t.slice(0, i) + c + t.slice(i + 1);
      }),
      fc
        .array(fc.oneof({ weight: 6, arbitrary: digit }, { weight: 1, arbitrary: near }), { maxLength: 40 })
        .map((a) => a.join('')),
    );
    fc.assert(
      fc.property(texts, (text) => {
        const got = decodeBase64Strict(text);
        if (!strict.test(text)) {
          expect(got).toBeNull();
          return;
        }
        expect(got).not.toBeNull();
        expect(Buffer.from(got!).equals(Buffer.from(text, 'base64'))).toBe(true);
        // Not a view into Node's shared 8 KiB pool: the input buffer keeps these bytes.
        expect(got!.buffer.byteLength).toBeLessThan(text.length + 4);
      }),
      { numRuns: 2000 },
    );
  });

  it('resamples by the rate ratio', () => {
    expect(resamplePcm16(new Int16Array(800), 8000, 24000)).toHaveLength(2400);
    expect(resamplePcm16(new Int16Array(2400), 24000, 8000)).toHaveLength(800);
  });
});

describe('InputAudioBuffer', () => {
  it('keeps a timeline across takes and clears', () => {
    const buffer = new InputAudioBuffer({ type: 'audio/pcmu' });
    buffer.append(new Uint8Array(800));
    buffer.append(new Uint8Array(800));
    expect(buffer.endMs).toBe(200);
    const taken = buffer.take(50, 150);
    expect(taken).toHaveLength(800);
    expect(buffer.startMs).toBe(150);
    expect(buffer.durationMs).toBe(50);
    buffer.clear();
    expect(buffer.startMs).toBe(200);
    expect(buffer.durationMs).toBe(0);
    buffer.append(new Uint8Array(80));
    expect(buffer.endMs).toBe(210);
  });

  it('keeps only the newest audio when asked', () => {
    const buffer = new InputAudioBuffer({ type: 'audio/pcm', rate: 24000 });
    buffer.append(new Uint8Array(48 * 1000));
    buffer.keepLast(300);
    expect(buffer.durationMs).toBe(300);
    expect(buffer.endMs).toBe(1000);
  });
});

describe('reply audio', () => {
  it('renders a tone of the asked length and level in each format', () => {
    const tone = toneAudio();
    const mulaw = tone.render(1000, { type: 'audio/pcmu' });
    expect(mulaw).toHaveLength(8000);
    const level = pcm16Dbfs(mulawToPcm16(mulaw));
    expect(level).toBeGreaterThan(-30);
    expect(level).toBeLessThan(-16);
    expect(tone.render(500, { type: 'audio/pcm', rate: 24000 })).toHaveLength(24000);
    expect(tone.render(250, { type: 'audio/pcma' })).toHaveLength(2000);
  });

  it('loops a mu-law clip to the reply length, or plays it whole with fit once', async () => {
    const clip = mulawTone(300);
    const looped = await loadReplyAudio({ kind: 'mulaw', audio: clip });
    const out = looped.render(700, { type: 'audio/pcmu' });
    expect(out).toHaveLength(5600);
    expect(Array.from(out.subarray(2400, 4800))).toEqual(Array.from(clip));
    const once = await loadReplyAudio({ kind: 'mulaw', audio: clip, fit: 'once' });
    expect(once.render(5000, { type: 'audio/pcmu' })).toHaveLength(2400);
    expect(once.render(5000, { type: 'audio/pcm', rate: 24000 })).toHaveLength(300 * 48);
  });

  describe('WAV clips', () => {
    let dir: string | null = null;
    afterEach(async () => {
      if (dir) await rm(dir, { recursive: true, force: true });
      dir = null;
    });

    it('reads a 16 kHz PCM WAV and converts it to the output rate', async () => {
      dir = await mkdtemp(join(tmpdir(), 'wav-'));
      const file = join(dir, 'hello.wav');
      await writeFile(file, encodeWavPcm16(tonePcm16(500, -12, 16000), 16000));
      const audio = await loadReplyAudio({ kind: 'wav', path: file, fit: 'once' });
      expect(audio.render(0, { type: 'audio/pcmu' })).toHaveLength(4000);
    });

    it('parses what it writes and rejects other files', () => {
      const pcm = tonePcm16(20, -6, 8000);
      const wav = parseWav(encodeWavPcm16(pcm, 8000));
      expect(wav.sampleRate).toBe(8000);
      expect(Array.from(wav.samples)).toEqual(Array.from(pcm));
      expect(() => parseWav(new TextEncoder().encode('RIFF....WAVEjunk'))).toThrow(WavFormatError);
      expect(() => parseWav(new Uint8Array(4))).toThrow(WavFormatError);
    });
  });
});

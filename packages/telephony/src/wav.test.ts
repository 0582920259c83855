import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { encodeMulawSample } from './mulaw.ts';
import {
  pcm16Audio,
  pcm16Samples,
  readWav,
  type WavAudio,
  WavError,
  wavDurationMs,
  writeWav,
} from './wav.ts';

/** Builds a RIFF chunk by hand: id, little-endian size, body, pad byte when odd. */
function chunk(id: string, body: Uint8Array | number[], declaredSize?: number): Buffer {
  const b = Buffer.from(body);
  const head = Buffer.alloc(8);
  head.write(id, 0, 'latin1');
  head.writeUInt32LE(declaredSize ?? b.length, 4);
  return Buffer.concat([head, b, b.length & 1 ? Buffer.alloc(1) : Buffer.alloc(0)]);
}

function fmtBody(tag: number, channels: number, rate: number, bits: number, extra?: number[]): Buffer {
  const b = Buffer.alloc(16);
  const align = (channels * bits) / 8;
  b.writeUInt16LE(tag, 0);
  b.writeUInt16LE(channels, 2);
  b.writeUInt32LE(rate, 4);
  b.writeUInt32LE(rate * align, 8);
  b.writeUInt16LE(align, 12);
  b.writeUInt16LE(bits, 14);
  return extra ? Buffer.concat([b, Buffer.from(extra)]) : b;
}

function riff(chunks: Buffer[], declaredSize?: number): Buffer {
  const body = Buffer.concat([Buffer.from('WAVE', 'latin1'), ...chunks]);
  const head = Buffer.alloc(8);
  head.write('RIFF', 0, 'latin1');
  head.writeUInt32LE(declaredSize ?? body.length, 4);
  return Buffer.concat([head, body]);
}

function codeOf(f: () => unknown): string {
  try {
    f();
  } catch (err) {
    expect(err).toBeInstanceOf(WavError);
    return (err as WavError).code;
  }
  throw new Error('expected a WavError');
}

describe('writeWav', () => {
  it('writes PCM16 as the canonical 44-byte header: fmt of 16 bytes, no fact chunk', () => {
    const audio = pcm16Audio(Int16Array.of(1, -2, 32767, -32768), 16000);
    const wav = writeWav(audio);
    expect(wav.length).toBe(44 + 8);
    expect(wav.toString('latin1', 0, 4)).toBe('RIFF');
    expect(wav.readUInt32LE(4)).toBe(wav.length - 8);
    expect(wav.toString('latin1', 8, 16)).toBe('WAVEfmt ');
    expect(wav.readUInt32LE(16)).toBe(16);
    expect(wav.readUInt16LE(20)).toBe(1);
    expect(wav.readUInt16LE(22)).toBe(1);
    expect(wav.readUInt32LE(24)).toBe(16000);
    expect(wav.readUInt32LE(28)).toBe(32000);
    expect(wav.readUInt16LE(32)).toBe(2);
    expect(wav.readUInt16LE(34)).toBe(16);
    expect(wav.toString('latin1', 36, 40)).toBe('data');
    expect(wav.readUInt32LE(40)).toBe(8);
    expect([...wav.subarray(44)]).toEqual([1, 0, 0xfe, 0xff, 0xff, 0x7f, 0x00, 0x80]);
  });

  it('writes mu-law with an 18-byte fmt (cbSize 0) and a fact chunk holding the frame count', () => {
    const data = Uint8Array.from([0xff, 0x7f, 0x00, 0x80, 0x12, 0x34]);
    const wav = writeWav({ format: 'mulaw', sampleRate: 8000, channels: 2, data });
    expect(wav.readUInt32LE(16)).toBe(18);
    expect(wav.readUInt16LE(20)).toBe(7);
    expect(wav.readUInt16LE(22)).toBe(2);
    expect(wav.readUInt32LE(24)).toBe(8000);
    expect(wav.readUInt32LE(28)).toBe(16000);
    expect(wav.readUInt16LE(32)).toBe(2);
    expect(wav.readUInt16LE(34)).toBe(8);
    expect(wav.readUInt16LE(36)).toBe(0);
    expect(wav.toString('latin1', 38, 42)).toBe('fact');
    expect(wav.readUInt32LE(42)).toBe(4);
    expect(wav.readUInt32LE(46)).toBe(3);
    expect(wav.toString('latin1', 50, 54)).toBe('data');
    expect(wav.readUInt32LE(54)).toBe(6);
    expect([...wav.subarray(58)]).toEqual([...data]);
    expect(wav.readUInt32LE(4)).toBe(wav.length - 8);
  });

  it('pads an odd-length data chunk to an even size and counts the pad in the RIFF size', () => {
    const wav = writeWav({ format: 'mulaw', sampleRate: 8000, channels: 1, data: Uint8Array.of(1, 2, 3) });
    expect(wav.length % 2).toBe(0);
    expect(wav.readUInt32LE(54)).toBe(3);
    expect(wav.at(-1)).toBe(0);
    expect(wav.readUInt32LE(4)).toBe(wav.length - 8);
  });

  it.each<[string, unknown]>([
    ['format', { format: 'alaw', sampleRate: 8000, channels: 1, data: new Uint8Array(0) }],
    ['sampleRate 0', { format: 'mulaw', sampleRate: 0, channels: 1, data: new Uint8Array(0) }],
    ['sampleRate fraction', { format: 'mulaw', sampleRate: 8000.5, channels: 1, data: new Uint8Array(0) }],
    ['channels 0', { format: 'mulaw', sampleRate: 8000, channels: 0, data: new Uint8Array(0) }],
    ['channels too many', { format: 'pcm16', sampleRate: 8000, channels: 40000, data: new Uint8Array(0) }],
    ['data not bytes', { format: 'mulaw', sampleRate: 8000, channels: 1, data: [1, 2] }],
    ['not an object', null],
  ])('rejects invalid audio (%s) with invalid_audio', (_label, audio) => {
    expect(codeOf(() => writeWav(audio as WavAudio))).toBe('invalid_audio');
  });

  it('rejects data that is not whole frames', () => {
    expect(
      codeOf(() => writeWav({ format: 'pcm16', sampleRate: 8000, channels: 1, data: new Uint8Array(3) })),
    ).toBe('partial_frame');
    expect(
      codeOf(() => writeWav({ format: 'mulaw', sampleRate: 8000, channels: 2, data: new Uint8Array(3) })),
    ).toBe('partial_frame');
  });
});

describe('readWav', () => {
  it.each<WavAudio>([
    pcm16Audio(
      Int16Array.from({ length: 160 }, (_, i) => (i * 409) % 65536),
      8000,
    ),
    pcm16Audio(Int16Array.of(-32768, 32767, 0, -1), 48000, 2),
    { format: 'mulaw', sampleRate: 8000, channels: 1, data: Uint8Array.from({ length: 161 }, (_, i) => i) },
    { format: 'mulaw', sampleRate: 8000, channels: 1, data: new Uint8Array(0) },
    {
      format: 'mulaw',
      sampleRate: 22050,
      channels: 3,
      data: Uint8Array.from({ length: 9 }, (_, i) => 255 - i),
    },
  ])('round-trips $format $sampleRate Hz x$channels', (audio) => {
    expect(readWav(writeWav(audio))).toEqual(audio);
  });

  it('returns a copy, not a view of the input', () => {
    const wav = writeWav({ format: 'mulaw', sampleRate: 8000, channels: 1, data: Uint8Array.of(9, 9) });
    const audio = readWav(wav);
    wav.fill(0);
    expect([...audio.data]).toEqual([9, 9]);
    expect(audio.data.byteOffset).toBe(0);
  });

  it('reads a plain Uint8Array at a nonzero offset', () => {
    const wav = writeWav(pcm16Audio(Int16Array.of(5, -5), 8000));
    const backing = new Uint8Array(wav.length + 3);
    backing.set(wav, 3);
    expect(pcm16Samples(readWav(backing.subarray(3)))).toEqual(Int16Array.of(5, -5));
  });

  it('skips unknown chunks before and after fmt, honouring the pad byte of odd-sized ones', () => {
    const wav = riff([
      chunk('JUNK', [1, 2, 3]),
      chunk('fmt ', fmtBody(7, 1, 8000, 8, [0, 0])),
      chunk('LIST', Buffer.from('INFOISFT\x05\x00\x00\x00sox!\x00', 'latin1')),
      chunk('fact', [2, 0, 0, 0]),
      chunk('data', [0x11, 0x22]),
      chunk('id3 ', [7]),
    ]);
    expect(readWav(wav)).toEqual({
      format: 'mulaw',
      sampleRate: 8000,
      channels: 1,
      data: Uint8Array.of(0x11, 0x22),
    });
  });

  it('accepts data before fmt and an odd final chunk whose pad byte is missing', () => {
    const wav = riff([chunk('data', [1, 2, 3]), chunk('fmt ', fmtBody(7, 1, 8000, 8))]);
    const withoutPad = riff([
      chunk('fmt ', fmtBody(7, 1, 8000, 8)),
      chunk('data', [1, 2, 3]).subarray(0, 11),
    ]);
    expect([...readWav(wav).data]).toEqual([1, 2, 3]);
    expect([...readWav(withoutPad).data]).toEqual([1, 2, 3]);
  });

  it('tolerates a RIFF size left at 0 or 0xFFFFFFFF by a streaming writer, and ignores trailing bytes', () => {
    const chunks = [chunk('fmt ', fmtBody(1, 1, 8000, 16)), chunk('data', [1, 0, 2, 0])];
    for (const size of [0, 0xffffffff])
      expect(pcm16Samples(readWav(riff(chunks, size)))).toEqual(Int16Array.of(1, 2));
    const trailing = Buffer.concat([riff(chunks), Buffer.from('garbage!')]);
    expect(pcm16Samples(readWav(trailing))).toEqual(Int16Array.of(1, 2));
  });

  it('keeps the audio when only a trailing metadata chunk is cut short', () => {
    const wav = riff([
      chunk('fmt ', fmtBody(7, 1, 8000, 8)),
      chunk('data', [4, 5]),
      chunk('LIST', [1, 2], 1000),
    ]);
    expect([...readWav(wav).data]).toEqual([4, 5]);
  });

  it('reads WAVE_FORMAT_EXTENSIBLE PCM16 and mu-law', () => {
    const guid = (code: number) => [code, 0, 0, 0, 0, 0, 0x10, 0, 0x80, 0, 0, 0xaa, 0, 0x38, 0x9b, 0x71];
    const ext = (code: number) => [22, 0, 16, 0, 4, 0, 0, 0, ...guid(code)];
    const pcm = riff([chunk('fmt ', fmtBody(0xfffe, 1, 8000, 16, ext(1))), chunk('data', [3, 0])]);
    const mu = riff([chunk('fmt ', fmtBody(0xfffe, 1, 8000, 8, ext(7))), chunk('data', [3])]);
    expect(readWav(pcm).format).toBe('pcm16');
    expect(readWav(mu).format).toBe('mulaw');
    const badGuid = [...ext(1)];
    badGuid[20] = 0x99;
    expect(
      codeOf(() => readWav(riff([chunk('fmt ', fmtBody(0xfffe, 1, 8000, 16, badGuid)), chunk('data', [])]))),
    ).toBe('unsupported_format');
    expect(
      codeOf(() => readWav(riff([chunk('fmt ', fmtBody(0xfffe, 1, 8000, 16, [0, 0])), chunk('data', [])]))),
    ).toBe('bad_fmt');
  });

  const fmtPcm = chunk('fmt ', fmtBody(1, 1, 8000, 16));
  it.each<[string, unknown, string]>([
    ['not bytes', 'RIFF....WAVE', 'bad_input'],
    ['empty', new Uint8Array(0), 'too_short'],
    ['11 bytes', Buffer.from('RIFF\0\0\0\0WAV'), 'too_short'],
    ['RIFX', Buffer.from('RIFX\x04\0\0\0WAVE'), 'not_riff'],
    ['AVI', Buffer.from('RIFF\x04\0\0\0AVI '), 'not_wave'],
    ['no chunks', riff([]), 'missing_fmt'],
    ['no fmt', riff([chunk('data', [1, 2])]), 'missing_fmt'],
    ['no data', riff([fmtPcm]), 'missing_data'],
    ['two fmt', riff([fmtPcm, fmtPcm, chunk('data', [])]), 'duplicate_chunk'],
    ['two data', riff([fmtPcm, chunk('data', []), chunk('data', [])]), 'duplicate_chunk'],
    ['data runs past the end', riff([fmtPcm, chunk('data', [1, 2], 400)]), 'truncated'],
    ['fmt runs past the end', riff([chunk('fmt ', [1, 0], 16)]), 'truncated'],
    ['short fmt', riff([chunk('fmt ', [1, 0, 1, 0]), chunk('data', [])]), 'bad_fmt'],
    ['0 channels', riff([chunk('fmt ', fmtBody(1, 0, 8000, 16)), chunk('data', [])]), 'bad_fmt'],
    ['0 Hz', riff([chunk('fmt ', fmtBody(1, 1, 0, 16)), chunk('data', [])]), 'bad_fmt'],
    ['8-bit PCM', riff([chunk('fmt ', fmtBody(1, 1, 8000, 8)), chunk('data', [])]), 'unsupported_format'],
    ['float', riff([chunk('fmt ', fmtBody(3, 1, 8000, 32)), chunk('data', [])]), 'unsupported_format'],
    ['A-law', riff([chunk('fmt ', fmtBody(6, 1, 8000, 8)), chunk('data', [])]), 'unsupported_format'],
    [
      '16-bit mu-law',
      riff([chunk('fmt ', fmtBody(7, 1, 8000, 16)), chunk('data', [])]),
      'unsupported_format',
    ],
    ['odd PCM16 data', riff([fmtPcm, chunk('data', [1, 2, 3])]), 'partial_frame'],
  ])('rejects %s with %s', (_label, input, code) => {
    expect(codeOf(() => readWav(input as Uint8Array))).toBe(code);
  });

  it('rejects a blockAlign that disagrees with channels and sample size', () => {
    const body = fmtBody(1, 2, 8000, 16);
    body.writeUInt16LE(2, 12);
    const err = (() => {
      try {
        readWav(riff([chunk('fmt ', body), chunk('data', [])]));
      } catch (e) {
        return e as WavError;
      }
    })();
    expect(err?.code).toBe('bad_fmt');
    expect(err?.message).toMatch(/blockAlign/);
  });
});

describe('pcm16Samples and wavDurationMs', () => {
  it('decodes little-endian PCM16 and mu-law to samples', () => {
    expect(pcm16Samples(pcm16Audio(Int16Array.of(-32768, -1, 0, 1, 32767), 8000))).toEqual(
      Int16Array.of(-32768, -1, 0, 1, 32767),
    );
    const codes = Uint8Array.of(encodeMulawSample(1000), encodeMulawSample(-1000), 0xff);
    const samples = pcm16Samples({ format: 'mulaw', sampleRate: 8000, channels: 1, data: codes });
    expect(samples[0]).toBeGreaterThan(950);
    expect(samples[0]).toBeLessThan(1050);
    expect(samples[1]).toBe(-samples[0]!);
    expect(samples[2]).toBe(0);
  });

  it('measures duration from frames and rate', () => {
    expect(wavDurationMs({ format: 'mulaw', sampleRate: 8000, channels: 1, data: new Uint8Array(160) })).toBe(
      20,
    );
    expect(wavDurationMs(pcm16Audio(new Int16Array(48000 * 2), 48000, 2))).toBe(1000);
  });
});

describe('files written by sox (scripts/make-fixtures.sh)', () => {
  const fixture = (name: string) => readFileSync(new URL(`./fixtures/${name}`, import.meta.url));

  it('reads sox mu-law WAV to exactly the raw mu-law sox produces from it', () => {
    const audio = readWav(fixture('sox-tone-mulaw.wav'));
    expect(audio.format).toBe('mulaw');
    expect(audio.sampleRate).toBe(8000);
    expect(audio.channels).toBe(1);
    expect(Buffer.from(audio.data).equals(fixture('sox-tone-mulaw.ulaw'))).toBe(true);
    expect(wavDurationMs(audio)).toBe(50);
  });

  it.each(['sox-tone-mulaw.wav', 'sox-tone-pcm16.wav', 'sox-tone-pcm16-stereo.wav'])(
    'writes %s back byte for byte (same canonical layout as sox)',
    (name) => {
      const file = fixture(name);
      expect(writeWav(readWav(file)).equals(file)).toBe(true);
    },
  );

  it('reads sox PCM16 WAVs: a -6 dBFS 440 Hz tone', () => {
    const mono = readWav(fixture('sox-tone-pcm16.wav'));
    expect(mono).toMatchObject({ format: 'pcm16', sampleRate: 8000, channels: 1 });
    const samples = pcm16Samples(mono);
    expect(samples).toHaveLength(400);
    const peak = samples.reduce((m, s) => Math.max(m, Math.abs(s)), 0);
    expect(peak).toBeGreaterThan(16000);
    expect(peak).toBeLessThan(16500);
    const stereo = readWav(fixture('sox-tone-pcm16-stereo.wav'));
    expect(stereo).toMatchObject({ format: 'pcm16', sampleRate: 16000, channels: 2 });
    expect(wavDurationMs(stereo)).toBe(10);
  });
});

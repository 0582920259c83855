import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  decodeMulawSample,
  encodeMulawSample,
  MULAW_BYTES_PER_MS,
  MULAW_SAMPLE_RATE,
  MULAW_SILENCE_BYTE,
  mulawDurationMs,
  mulawRms,
  mulawSilence,
  mulawToPcm16,
  pcm16ToMulaw,
  sliceMulaw,
} from './mulaw.ts';

/*
 * An independent G.711 mu-law reference, written from the standard's quantisation table rather than from
 * bit tricks: on the 14-bit magnitude scale (full scale 8159), segment 0 is one interval [0, 1) and 15
 * intervals of 2 up to 31; segment k (1..7) is 16 intervals of 2^(k+1) from its end point. Each interval
 * decodes to its midpoint; interval n (0..127, counting up from zero) is sent as 0xFF - n when positive and
 * 0x7F - n when negative (the standard's bit inversion). Magnitudes past the last end point use the top
 * interval.
 */
const SEGMENT_END_POINTS = [1, 31, 95, 223, 479, 991, 2015, 4063, 8159];

interface Interval {
  lo: number;
  hi: number;
  out: number;
}

const INTERVALS: Interval[] = (() => {
  const list: Interval[] = [{ lo: 0, hi: 1, out: 0 }];
  for (let seg = 0; seg < 8; seg++) {
    const start = SEGMENT_END_POINTS[seg]!;
    const end = SEGMENT_END_POINTS[seg + 1]!;
    const width = 2 << seg;
    for (let lo = start; lo < end; lo += width) list.push({ lo, hi: lo + width, out: lo + width / 2 });
  }
  return list;
})();

/** Index of the interval holding a 14-bit magnitude, by linear search. */
function intervalOf(magnitude14: number): number {
  for (let n = 0; n < INTERVALS.length; n++) if (magnitude14 < INTERVALS[n]!.hi) return n;
  return INTERVALS.length - 1;
}

function codeFor(magnitude14: number, negative: boolean): number {
  return (negative ? 0x7f : 0xff) - intervalOf(magnitude14);
}

/**
 * ITU-T G.191 (the ITU's reference code for G.711) takes the 14 most significant bits of a 16-bit sample
 * and, for negative samples, the one's complement as the magnitude: G.711 itself leaves open which side of
 * an interval edge a value falls on, and G.191 settles it this way.
 */
function referenceEncode(pcm16: number): number {
  const magnitude14 = Math.floor((pcm16 < 0 ? -pcm16 - 1 : pcm16) / 4);
  return codeFor(magnitude14, pcm16 < 0);
}

function referenceDecode(code: number): number {
  const n = 0x7f - (code & 0x7f);
  const value14 = INTERVALS[n]!.out;
  return code & 0x80 ? value14 * 4 : 0 - value14 * 4;
}

/**
 * What sox does (checked against its output below): round the sample to 14 bits (half up, clipping at
 * +8191), then take a plain sign and magnitude. Sox's table is the same; only this pre-scaling differs.
 */
function soxModelEncode(pcm16: number): number {
  const value14 = Math.min(8191, Math.floor((pcm16 + 2) / 4));
  return codeFor(Math.abs(value14), value14 < 0);
}

const fixture = (name: string) => readFileSync(new URL(`./fixtures/${name}`, import.meta.url));
/** sox's encoding of every PCM16 value -32768..32767, in order (scripts/make-fixtures.sh). */
const SOX_ENCODED = fixture('sox-encode-all-pcm16.ulaw');
/** sox's decoding of every code 0..255 to little-endian PCM16. */
const SOX_DECODED = fixture('sox-decode-all-codes.s16le');

const ALL_PCM16 = Int16Array.from({ length: 65536 }, (_, i) => i - 32768);
const ALL_CODES = Uint8Array.from({ length: 256 }, (_, i) => i);

describe('the test reference itself', () => {
  it('has 128 intervals covering 0..8159 with the standard end points', () => {
    expect(INTERVALS).toHaveLength(128);
    expect(INTERVALS[0]).toEqual({ lo: 0, hi: 1, out: 0 });
    expect(INTERVALS[15]).toEqual({ lo: 29, hi: 31, out: 30 });
    expect(INTERVALS[16]).toEqual({ lo: 31, hi: 35, out: 33 });
    expect(INTERVALS[127]).toEqual({ lo: 7903, hi: 8159, out: 8031 });
    for (let n = 1; n < 128; n++) expect(INTERVALS[n]!.lo).toBe(INTERVALS[n - 1]!.hi);
  });
});

describe('mu-law decode', () => {
  it('decodes all 256 codes exactly as the standard table', () => {
    for (const code of ALL_CODES) expect(decodeMulawSample(code), `code ${code}`).toBe(referenceDecode(code));
    expect([...mulawToPcm16(ALL_CODES)]).toEqual([...ALL_CODES].map(referenceDecode));
  });

  it('decodes all 256 codes exactly as sox does', () => {
    for (const code of ALL_CODES)
      expect(decodeMulawSample(code), `code ${code}`).toBe(SOX_DECODED.readInt16LE(code * 2));
  });

  it('has the landmark values: both zeros, full scale, smallest steps', () => {
    expect(decodeMulawSample(0xff)).toBe(0);
    expect(decodeMulawSample(0x7f)).toBe(0);
    expect(decodeMulawSample(0x80)).toBe(32124);
    expect(decodeMulawSample(0x00)).toBe(-32124);
    expect(decodeMulawSample(0xfe)).toBe(8);
    expect(decodeMulawSample(0x7e)).toBe(-8);
  });

  it('is monotonic across the code space and symmetric in sign', () => {
    for (let n = 1; n < 128; n++)
      expect(decodeMulawSample(0xff - n)).toBeGreaterThan(decodeMulawSample(0x100 - n));
    for (let c = 0; c < 128; c++) expect(decodeMulawSample(c)).toBe(0 - decodeMulawSample(c | 0x80));
  });

  it('masks the argument to a byte', () => {
    expect(decodeMulawSample(0x1ff)).toBe(decodeMulawSample(0xff));
    expect(decodeMulawSample(-1)).toBe(decodeMulawSample(0xff));
  });
});

describe('mu-law encode', () => {
  it('encodes all 65,536 PCM16 values exactly as the G.711/G.191 reference', () => {
    const encoded = pcm16ToMulaw(ALL_PCM16);
    let mismatches = 0;
    for (let i = 0; i < ALL_PCM16.length; i++) {
      const x = ALL_PCM16[i]!;
      const want = referenceEncode(x);
      if (encodeMulawSample(x) !== want || encoded[i] !== want) mismatches++;
    }
    expect(mismatches).toBe(0);
  });

  it('agrees with sox wherever sox takes the same 14-bit magnitude, and sox matches the same table', () => {
    // sox's output is reproduced in full by the table above plus its own rounding: the table is right.
    let soxModelMismatches = 0;
    let sameMagnitude = 0;
    const disagreements: number[] = [];
    for (let i = 0; i < ALL_PCM16.length; i++) {
      const x = ALL_PCM16[i]!;
      if (soxModelEncode(x) !== SOX_ENCODED[i]) soxModelMismatches++;
      const g191Magnitude = Math.floor((x < 0 ? -x - 1 : x) / 4);
      const soxValue = Math.min(8191, Math.floor((x + 2) / 4));
      if (x < 0 === soxValue < 0 && g191Magnitude === Math.abs(soxValue)) {
        sameMagnitude++;
        if (encodeMulawSample(x) !== SOX_ENCODED[i]) disagreements.push(x);
      }
    }
    expect(soxModelMismatches).toBe(0);
    expect(disagreements).toEqual([]);
    expect(sameMagnitude).toBeGreaterThan(16000);
  });

  it('matches sox on every non-negative sample that is already 14-bit (no rounding involved)', () => {
    const disagreements: number[] = [];
    for (let x = 0; x <= 32767; x += 4)
      if (encodeMulawSample(x) !== SOX_ENCODED[x + 32768]) disagreements.push(x);
    expect(disagreements).toEqual([]);
  });

  it('mirrors exactly: the one’s complement of a sample gets the same code with the sign bit flipped', () => {
    const broken: number[] = [];
    for (let x = 0; x <= 32767; x++)
      if (encodeMulawSample(~x) !== (encodeMulawSample(x) ^ 0x80)) broken.push(x);
    expect(broken).toEqual([]);
  });

  it('codes -1..-4 as negative zero and 0..3 as positive zero', () => {
    for (const x of [0, 1, 2, 3]) expect(encodeMulawSample(x)).toBe(0xff);
    for (const x of [-1, -2, -3, -4]) expect(encodeMulawSample(x)).toBe(0x7f);
    expect(encodeMulawSample(-5)).toBe(0x7e);
  });

  it('re-encodes every decoded code to itself (negative zero comes back as positive zero)', () => {
    for (const code of ALL_CODES)
      expect(encodeMulawSample(decodeMulawSample(code))).toBe(code === 0x7f ? 0xff : code);
  });

  it('clips beyond full scale to the top codes', () => {
    expect(encodeMulawSample(32767)).toBe(0x80);
    expect(encodeMulawSample(-32768)).toBe(0x00);
    expect(encodeMulawSample(32124)).toBe(0x80);
    expect(encodeMulawSample(1_000_000)).toBe(0x80);
  });

  it('keeps the decode error within half an interval of the standard', () => {
    // Half the interval width, plus the 2 LSBs below the standard's 14-bit precision (and one for -x-1).
    const tooFar: number[] = [];
    for (const x of ALL_PCM16) {
      if (Math.abs(x) > 32635) continue;
      const n = intervalOf(Math.floor((x < 0 ? -x - 1 : x) / 4));
      const allowed = (INTERVALS[n]!.hi - INTERVALS[n]!.lo) * 2 + 4;
      if (Math.abs(decodeMulawSample(encodeMulawSample(x)) - x) > allowed) tooFar.push(x);
    }
    expect(tooFar).toEqual([]);
  });
});

describe('mu-law buffers', () => {
  it('states 8 kHz, 8 bytes per ms, 0xFF silence', () => {
    expect(MULAW_SAMPLE_RATE).toBe(8000);
    expect(MULAW_BYTES_PER_MS).toBe(8);
    expect(MULAW_SILENCE_BYTE).toBe(0xff);
    expect(decodeMulawSample(MULAW_SILENCE_BYTE)).toBe(0);
  });

  it('makes silence of the requested duration', () => {
    const twenty = mulawSilence(20);
    expect(twenty).toHaveLength(160);
    expect(twenty.every((b) => b === 0xff)).toBe(true);
    expect(mulawSilence(0)).toHaveLength(0);
    expect(mulawSilence(-5)).toHaveLength(0);
    expect(mulawSilence(0.5)).toHaveLength(4);
    expect(mulawRms(mulawSilence(100))).toBe(0);
  });

  it('measures duration at 8 bytes per ms', () => {
    expect(mulawDurationMs(160)).toBe(20);
    expect(mulawDurationMs(8000)).toBe(1000);
    expect(mulawDurationMs(0)).toBe(0);
    expect(mulawDurationMs(4)).toBe(0.5);
  });

  it('slices into 20 ms frames with a short last slice, as views in order', () => {
    const audio = Uint8Array.from({ length: 330 }, (_, i) => i & 0xff);
    const slices = sliceMulaw(audio, 20);
    expect(slices.map((s) => s.length)).toEqual([160, 160, 10]);
    expect(Buffer.concat(slices).equals(Buffer.from(audio))).toBe(true);
    expect(slices[1]!.buffer).toBe(audio.buffer);
    expect(sliceMulaw(new Uint8Array(0), 20)).toEqual([]);
    expect(sliceMulaw(audio, 0).every((s) => s.length === 1)).toBe(true);
  });

  it('computes the RMS of the decoded samples', () => {
    expect(mulawRms(new Uint8Array(0))).toBe(0);
    // A square wave of +/-1000 (as coded) has RMS equal to its decoded amplitude.
    const plus = encodeMulawSample(1000);
    const minus = encodeMulawSample(-1000);
    const square = Uint8Array.from({ length: 800 }, (_, i) => (i % 2 ? plus : minus));
    expect(mulawRms(square)).toBeCloseTo(Math.abs(decodeMulawSample(plus)), 9);
    // A full-scale sine is sqrt(2) below its peak.
    const sine = pcm16ToMulaw(
      Int16Array.from({ length: 8000 }, (_, i) =>
        Math.round(30000 * Math.sin((2 * Math.PI * 440 * i) / 8000)),
      ),
    );
    expect(mulawRms(sine)).toBeGreaterThan(30000 / Math.SQRT2 - 300);
    expect(mulawRms(sine)).toBeLessThan(30000 / Math.SQRT2 + 300);
  });
});

import { describe, expect, it } from 'vitest';
import { pcm16Dbfs } from './audio-format.ts';
import { noisePcm16, tonePcm16 } from './test-support.ts';
import { EnergyVad, type VadEvent, vadThresholdToDbfs } from './vad.ts';

const RATE = 8000;

function silence(ms: number, rate = RATE): Int16Array {
  return new Int16Array(Math.round((ms * rate) / 1000));
}

function join(...parts: Int16Array[]): Int16Array {
  const out = new Int16Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

function runInFrames(vad: EnergyVad, audio: Int16Array, frameMs = 20, rate = RATE): VadEvent[] {
  const size = Math.round((frameMs * rate) / 1000);
  const events: VadEvent[] = [];
  for (let at = 0; at < audio.length; at += size)
    events.push(...vad.process(audio.subarray(at, at + size), rate));
  return events;
}

const defaults = { threshold: 0.5, prefixPaddingMs: 300, silenceDurationMs: 500 };

describe('vadThresholdToDbfs', () => {
  it('maps 0..1 linearly onto -65..-25 dBFS and clamps', () => {
    expect(vadThresholdToDbfs(0)).toBe(-65);
    expect(vadThresholdToDbfs(0.5)).toBe(-45);
    expect(vadThresholdToDbfs(0.9)).toBeCloseTo(-29);
    expect(vadThresholdToDbfs(1)).toBe(-25);
    expect(vadThresholdToDbfs(7)).toBe(-25);
    expect(vadThresholdToDbfs(-1)).toBe(-65);
  });
});

describe('EnergyVad threshold', () => {
  it('detects a -20 dBFS tone even at threshold 0.9', () => {
    const vad = new EnergyVad({ ...defaults, threshold: 0.9 });
    const events = runInFrames(vad, join(silence(500), tonePcm16(600, -20), silence(800)));
    expect(events.map((e) => e.type)).toEqual(['speech_started', 'speech_stopped']);
  });

  it('ignores digital silence at any threshold', () => {
    const vad = new EnergyVad({ ...defaults, threshold: 0 });
    expect(runInFrames(vad, silence(3000))).toEqual([]);
  });

  it('ignores line noise at -55 dBFS with the default threshold but hears it at 0.1', () => {
    const noise = noisePcm16(2000, -55);
    expect(pcm16Dbfs(noise)).toBeGreaterThan(-56);
    expect(runInFrames(new EnergyVad(defaults), noise)).toEqual([]);
    const sensitive = runInFrames(new EnergyVad({ ...defaults, threshold: 0.1 }), noise);
    expect(sensitive[0]?.type).toBe('speech_started');
  });

  it('needs a louder signal as the threshold rises', () => {
    const quiet = join(tonePcm16(500, -40), silence(700));
    expect(runInFrames(new EnergyVad({ ...defaults, threshold: 0.3 }), quiet)).toHaveLength(2);
    expect(runInFrames(new EnergyVad({ ...defaults, threshold: 0.8 }), quiet)).toEqual([]);
  });

  it('does not treat a 20 ms click as speech', () => {
    const vad = new EnergyVad(defaults);
    expect(runInFrames(vad, join(silence(200), tonePcm16(20, -6), silence(1000)))).toEqual([]);
  });
});

describe('EnergyVad timing', () => {
  it('puts audio_start at onset minus prefix padding', () => {
    const events = runInFrames(
      new EnergyVad(defaults),
      join(silence(1000), tonePcm16(500, -20), silence(700)),
    );
    expect(events[0]).toEqual({ type: 'speech_started', onsetMs: 1000, audioStartMs: 700 });
  });

  it('uses prefix_padding_ms 0 as the onset itself and never goes below 0', () => {
    const noPad = runInFrames(
      new EnergyVad({ ...defaults, prefixPaddingMs: 0 }),
      join(silence(1000), tonePcm16(500, -20)),
    );
    expect(noPad[0]).toMatchObject({ audioStartMs: 1000 });
    const early = runInFrames(new EnergyVad(defaults), join(silence(100), tonePcm16(500, -20)));
    expect(early[0]).toMatchObject({ onsetMs: 100, audioStartMs: 0 });
  });

  it('stops after silence_duration_ms of silence, reporting the end including the silence', () => {
    const audio = join(silence(1000), tonePcm16(500, -20), silence(1000));
    const long = runInFrames(new EnergyVad(defaults), audio);
    expect(long[1]).toEqual({ type: 'speech_stopped', audioEndMs: 2000 });
    const short = runInFrames(new EnergyVad({ ...defaults, silenceDurationMs: 200 }), audio);
    expect(short[1]).toEqual({ type: 'speech_stopped', audioEndMs: 1700 });
  });

  it('bridges pauses shorter than the silence duration', () => {
    const audio = join(tonePcm16(400, -20), silence(300), tonePcm16(400, -20), silence(800));
    const events = runInFrames(new EnergyVad(defaults), audio);
    expect(events.map((e) => e.type)).toEqual(['speech_started', 'speech_stopped']);
    expect(events[1]).toMatchObject({ audioEndMs: 1100 + 500 });
    const eager = runInFrames(new EnergyVad({ ...defaults, silenceDurationMs: 200 }), audio);
    expect(eager.map((e) => e.type)).toEqual([
      'speech_started',
      'speech_stopped',
      'speech_started',
      'speech_stopped',
    ]);
  });

  it('gives the same events whatever the chunk size', () => {
    const audio = join(silence(730), tonePcm16(610, -20), silence(900), tonePcm16(300, -20), silence(600));
    const whole = new EnergyVad(defaults).process(audio, RATE);
    expect(runInFrames(new EnergyVad(defaults), audio, 20)).toEqual(whole);
    expect(runInFrames(new EnergyVad(defaults), audio, 7)).toEqual(whole);
  });

  it('works on 24 kHz PCM and continues a timeline from a start offset', () => {
    const vad = new EnergyVad(defaults, 5000);
    const events = vad.process(
      join(silence(500, 24000), tonePcm16(500, -20, 24000), silence(600, 24000)),
      24000,
    );
    expect(events).toEqual([
      { type: 'speech_started', onsetMs: 5500, audioStartMs: 5200 },
      { type: 'speech_stopped', audioEndMs: 6500 },
    ]);
  });

  it('forgets speech in progress on reset', () => {
    const vad = new EnergyVad(defaults);
    expect(vad.process(tonePcm16(300, -20), RATE)[0]?.type).toBe('speech_started');
    vad.reset();
    expect(vad.inSpeech).toBe(false);
    expect(vad.process(silence(1000), RATE)).toEqual([]);
  });
});

import { MULAW_SILENCE_BYTE, mulawRms } from '@switchboard/telephony';
import { describe, expect, it } from 'vitest';
import { FRAME_BYTES, ScriptCursor, toneMulaw } from './caller-script.ts';

function run(cursor: ScriptCursor<unknown>, frames: number) {
  const out: Array<{
    level: number;
    start: string | null;
    end: boolean;
    dtmf: string | null;
    hangup: boolean;
  }> = [];
  for (let i = 0; i < frames; i++) {
    const p = cursor.next(undefined);
    out.push({
      level: p.audio ? mulawRms(p.audio) : 0,
      start: p.utteranceStart,
      end: p.utteranceEnd,
      dtmf: p.dtmf,
      hangup: p.hangup,
    });
  }
  return out;
}

describe('ScriptCursor', () => {
  it('plays utterances frame by frame, pads the last frame with silence, then silence forever', () => {
    const cursor = new ScriptCursor([{ audio: toneMulaw({ toneHz: 300, ms: 50 }), label: 'x' }]);
    const first = cursor.next(undefined);
    expect(first.audio).toHaveLength(FRAME_BYTES);
    expect(first.utteranceStart).toBe('x');
    cursor.next(undefined);
    const last = cursor.next(undefined);
    expect(last.utteranceEnd).toBe(true);
    expect(last.audio!.subarray(80).every((b) => b === MULAW_SILENCE_BYTE)).toBe(true);
    expect(last.audio!.subarray(0, 80).some((b) => b !== MULAW_SILENCE_BYTE)).toBe(true);
    expect(cursor.finished).toBe(true);
    expect(cursor.next(undefined).audio).toBeNull();
  });

  it('runs pauses in whole frames, digits one per frame, and hang-up', () => {
    const cursor = new ScriptCursor([{ pauseMs: 50 }, { dtmf: '12' }, { pauseMs: 0 }, { hangup: true }]);
    const frames = run(cursor, 7);
    expect(frames.map((f) => f.dtmf)).toEqual([null, null, null, '1', '2', null, null]);
    expect(frames.map((f) => f.hangup)).toEqual([false, false, false, false, false, true, false]);
  });

  it('treats a bare buffer as one utterance and silence as nothing', () => {
    const frames = run(new ScriptCursor(toneMulaw({ toneHz: 300, ms: 40 })), 3);
    expect(frames.map((f) => [f.start, f.end, f.level > 0])).toEqual([
      ['audio', false, true],
      [null, true, true],
      [null, false, false],
    ]);
    expect(run(new ScriptCursor('silence'), 2).every((f) => f.level === 0)).toBe(true);
  });

  it('waits on until steps and gives up after their timeout', () => {
    let ready = false;
    const cursor = new ScriptCursor<unknown>([
      { until: () => ready, timeoutMs: 1000 },
      { dtmf: '9' },
      { until: () => false, timeoutMs: 40 },
    ]);
    expect(run(cursor, 3).every((f) => f.dtmf === null)).toBe(true);
    ready = true;
    expect(cursor.next(undefined).dtmf).toBe('9');
    cursor.next(undefined);
    expect(cursor.next(undefined).scriptError).toMatch(/timed out/);
    expect(cursor.finished).toBe(true);
  });

  it('rejects bad steps with a message naming the field', () => {
    expect(() => new ScriptCursor([{ dtmf: '1x' }])).toThrow(/script\[0\]\.dtmf/);
    expect(() => new ScriptCursor([{ pauseMs: -1 }])).toThrow(/pauseMs/);
    expect(() => new ScriptCursor([{ audio: { toneHz: 5000, ms: 100 } }])).toThrow(/toneHz/);
    expect(() => new ScriptCursor([{ audio: new Uint8Array(0) }])).toThrow(/empty/);
    expect(() => new ScriptCursor([{ nonsense: true } as never])).toThrow(TypeError);
  });
});

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AudioLevels } from './audio-levels.ts';

/** Reference: μ-law bytes decoded to linear samples the long way (G.711), RMS over full scale. */
function referenceLevel(bytes: Uint8Array): number {
  if (!bytes.length) return 0;
  let sum = 0;
  for (const byte of bytes) {
    const u = ~byte & 0xff;
    const e = (u >> 4) & 7;
    const magnitude = ((((u & 0x0f) << 3) + 0x84) << e) - 0x84;
    sum += (magnitude / 32124) ** 2;
  }
  return Math.round(Math.min(1, Math.sqrt(sum / bytes.length)) * 1000) / 1000;
}

function levelsOf(frames: Uint8Array[], side: 'caller' | 'agent' = 'caller') {
  const batches: Array<{ windowMs: number; caller: number[]; agent: number[] }> = [];
  const levels = new AudioLevels('CA1', (_sid, b) => batches.push(b), 250, 1);
  levels.send();
  for (const f of frames) {
    const b64 = Buffer.from(f).toString('base64');
    if (side === 'caller') levels.addCaller(b64);
    else levels.addAgent(b64);
  }
  levels.closeWindow();
  return batches[0]!;
}

describe('audio levels', () => {
  it('μ-law silence (0xFF) is level 0; a full-scale square wave is level 1', () => {
    expect(levelsOf([new Uint8Array(160).fill(0xff)]).caller).toEqual([0]);
    const square = new Uint8Array(160).map((_, i) => (i % 2 ? 0x00 : 0x80));
    expect(levelsOf([square]).caller).toEqual([1]);
  });

  it('the in-place base64 decode gives the level of the decoded bytes, padding included', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ minLength: 1, maxLength: 200 }), { maxLength: 5 }), (frames) => {
        const all = new Uint8Array(frames.reduce((n, f) => n + f.length, 0));
        let at = 0;
        for (const f of frames) {
          all.set(f, at);
          at += f.length;
        }
        const got = levelsOf(frames, 'agent');
        expect(got.agent[0]).toBeCloseTo(referenceLevel(all), 3);
        expect(got.caller).toEqual([0]);
      }),
    );
  });

  it('never throws on what is not base64, and stays within 0…1', () => {
    fc.assert(
      fc.property(fc.array(fc.string({ maxLength: 300 }), { maxLength: 5 }), (payloads) => {
        const batches: number[][] = [];
        const levels = new AudioLevels('CA1', (_s, b) => batches.push(b.caller), 250, 1);
        levels.send();
        for (const p of payloads) levels.addCaller(p);
        levels.closeWindow();
        expect(batches[0]![0]).toBeGreaterThanOrEqual(0);
        expect(batches[0]![0]).toBeLessThanOrEqual(1);
      }),
    );
  });

  it('sends one batch per `perBatch` windows, oldest first, and none before send()', () => {
    const batches: Array<{ caller: number[]; agent: number[] }> = [];
    const levels = new AudioLevels('CA1', (_s, b) => batches.push(b), 250, 2);
    const loud = Buffer.from(new Uint8Array(160).fill(0x80)).toString('base64');
    levels.closeWindow();
    levels.closeWindow();
    expect(batches).toEqual([]); // the conversation did not exist yet: dropped, not queued
    levels.send();
    levels.addCaller(loud);
    levels.closeWindow();
    levels.closeWindow();
    levels.closeWindow();
    expect(batches).toEqual([{ windowMs: 250, caller: [1, 0], agent: [0, 0] }]);
  });
});

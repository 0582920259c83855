// The audio level meter on its own clock and on the call's transport: start() closes a window every
// `windowMs` (once, however often started) and stop() ends that; measureAgentAudio measures every frame
// sent to the caller, with or without a mark, and passes everything else to the transport unchanged.
// Fake timers, an in-memory transport.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { InMemoryCallTransport } from '../testing/in-memory-transport.ts';
import { AudioLevels, measureAgentAudio } from './audio-levels.ts';

afterEach(() => {
  vi.useRealTimers();
});

type Batch = { windowMs: number; caller: number[]; agent: number[] };

/** Full scale (a μ-law 0x80 sample); 0xFF is silence. */
const LOUD = Buffer.alloc(160, 0x80).toString('base64');
const SILENT = Buffer.alloc(160, 0xff).toString('base64');

function meter(windowMs = 250, perBatch = 2) {
  const batches: Batch[] = [];
  const levels = new AudioLevels('CA1', (_sid, b) => batches.push(b), windowMs, perBatch);
  levels.send();
  return { levels, batches };
}

describe('audio levels on the clock', () => {
  it('closes a window every windowMs once started, and a batch every perBatch windows', () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    const { levels, batches } = meter(250, 2);
    levels.start();
    levels.start(); // started twice: still one window every 250 ms
    levels.addCaller(LOUD);
    vi.advanceTimersByTime(499);
    expect(batches).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(batches).toEqual([{ windowMs: 250, caller: [1, 0], agent: [0, 0] }]);
    vi.advanceTimersByTime(500);
    expect(batches).toHaveLength(2);
  });

  it('closes no window after stop(), and can be started again', () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    const { levels, batches } = meter(250, 1);
    levels.start();
    vi.advanceTimersByTime(250);
    levels.stop();
    vi.advanceTimersByTime(10_000);
    expect(batches).toHaveLength(1);
    levels.start();
    vi.advanceTimersByTime(250);
    expect(batches).toHaveLength(2);
    levels.stop();
  });
});

describe('measureAgentAudio', () => {
  it('measures the frames sent to the caller, with or without a mark, as the agent side', () => {
    const transport = new InMemoryCallTransport();
    const { levels, batches } = meter(250, 1);
    const measured = measureAgentAudio(transport, levels);
    measured.sendMedia(LOUD);
    levels.closeWindow();
    measured.sendMediaWithMark(LOUD, 'm1');
    measured.sendMediaWithMark(SILENT, 'm2');
    levels.closeWindow();
    expect(batches.map((b) => [b.caller[0], b.agent[0]])).toEqual([
      [0, 1],
      [0, Math.round(Math.sqrt(0.5) * 1000) / 1000],
    ]);
    expect(transport.sent).toEqual([
      { event: 'media', payload: LOUD },
      { event: 'media', payload: LOUD },
      { event: 'mark', name: 'm1' },
      { event: 'media', payload: SILENT },
      { event: 'mark', name: 'm2' },
    ]);
  });

  it('passes marks, clears, the close, the inbound stream and isOpen through to the transport', () => {
    const transport = new InMemoryCallTransport();
    const measured = measureAgentAudio(transport, new AudioLevels('CA1', () => {}));
    expect(measured.inbound).toBe(transport.inbound);
    measured.sendMark('m1');
    measured.sendClear();
    expect(measured.isOpen).toBe(true);
    measured.close(1011, 'bye');
    expect(measured.isOpen).toBe(false);
    expect(transport.sent).toEqual([
      { event: 'mark', name: 'm1' },
      { event: 'clear' },
      { event: 'close', code: 1011 },
    ]);
  });
});

import { describe, expect, it } from 'vitest';
import { AsyncQueue } from './async-queue.ts';

describe('AsyncQueue', () => {
  it('delivers pushed values in order to a waiting consumer and ends after the buffer drains', async () => {
    const q = new AsyncQueue<number>();
    const got: number[] = [];
    const reading = (async () => {
      for await (const v of q) got.push(v);
    })();
    q.push(1);
    q.push(2);
    await Promise.resolve();
    q.push(3);
    q.end();
    q.push(4); // after end: ignored
    await reading;
    expect(got).toEqual([1, 2, 3]);
  });

  it('lets a second consumer continue where an early-stopping one left off', async () => {
    const q = new AsyncQueue<string>();
    for (const v of ['a', 'b', 'c']) q.push(v);
    for await (const v of q) if (v === 'a') break;
    const rest: string[] = [];
    q.end();
    for await (const v of q) rest.push(v);
    expect(rest).toEqual(['b', 'c']);
  });

  it('keeps its order across buffer compaction', async () => {
    const q = new AsyncQueue<number>();
    for (let i = 0; i < 5000; i++) q.push(i);
    q.end();
    let expected = 0;
    for await (const v of q) expect(v).toBe(expected++);
    expect(expected).toBe(5000);
  });
});

describe('AsyncQueue memory', () => {
  it('does not keep values it has handed out', async () => {
    const q = new AsyncQueue<{ big: Uint8Array }>();
    q.push({ big: new Uint8Array(10) });
    q.push({ big: new Uint8Array(10) });
    const it = q[Symbol.asyncIterator]();
    await it.next();
    const internal = (q as unknown as { buffer: unknown[]; head: number }).buffer;
    expect(internal[0]).toBeUndefined();
    await it.next();
    expect((q as unknown as { buffer: unknown[] }).buffer).toHaveLength(0);
  });
});

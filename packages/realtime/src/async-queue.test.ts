import fc from 'fast-check';
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

describe('AsyncQueue.drain', () => {
  it('hands buffered values first, then each push in the same tick, and resolves at the end', async () => {
    const q = new AsyncQueue<number>();
    q.push(1);
    q.push(2);
    const got: number[] = [];
    const done = q.drain((v) => {
      got.push(v);
      return undefined;
    });
    expect(got).toEqual([1, 2]);
    q.push(3);
    expect(got).toEqual([1, 2, 3]);
    let settled = false;
    void done.then(() => {
      settled = true;
    });
    await Promise.resolve();
    expect(settled).toBe(false);
    q.end();
    await done;
    expect(got).toEqual([1, 2, 3]);
  });

  it('never re-enters the handler: a value pushed while it runs waits its turn', async () => {
    const q = new AsyncQueue<number>();
    const order: string[] = [];
    const done = q.drain((v) => {
      order.push(`start ${v}`);
      if (v === 1) q.push(2);
      order.push(`end ${v}`);
      return undefined;
    });
    q.push(1);
    expect(order).toEqual(['start 1', 'end 1', 'start 2', 'end 2']);
    q.end();
    await done;
  });

  it('stops when the handler returns false and leaves the rest for the next consumer', async () => {
    const q = new AsyncQueue<string>();
    for (const v of ['a', 'b', 'c']) q.push(v);
    const seen: string[] = [];
    await q.drain((v) => {
      seen.push(v);
      return v !== 'a';
    });
    expect(seen).toEqual(['a']);
    q.push('d');
    q.end();
    const rest: string[] = [];
    for await (const v of q) rest.push(v);
    expect(rest).toEqual(['b', 'c', 'd']);
  });

  it('rejects with what the handler throws, and the values already handled stay handled', async () => {
    const q = new AsyncQueue<number>();
    const seen: number[] = [];
    const done = q.drain((v) => {
      if (v === 2) throw new Error('bad value 2');
      seen.push(v);
      return undefined;
    });
    q.push(1);
    q.push(2);
    q.push(3);
    await expect(done).rejects.toThrow('bad value 2');
    expect(seen).toEqual([1]);
    expect(q.size).toBe(1);
  });

  it('hands each value once, in push order, never re-entered, whatever the handler pushes, ends, stops or throws', async () => {
    // Values pushed with nothing buffered go to the handler directly, the rest through the buffer:
    // either way the consumer sees the same stream.
    await fc.assert(
      fc.asyncProperty(
        fc.nat(3),
        fc.array(
          fc.record({
            pushes: fc.nat(2),
            ends: fc.boolean(),
            stops: fc.constantFrom('go' as const, 'stop' as const, 'throw' as const),
          }),
          { maxLength: 12 },
        ),
        async (before, script) => {
          const q = new AsyncQueue<number>();
          const accepted: number[] = [];
          let next = 0;
          const push = () => {
            if (!q.isEnded) accepted.push(next);
            q.push(next++);
          };
          for (let i = 0; i < before; i++) push();
          const seen: number[] = [];
          let depth = 0;
          let reentered = false;
          const done = q.drain((v) => {
            if (depth++ > 0) reentered = true;
            const step = script[seen.length];
            seen.push(v);
            for (let i = 0; i < (step?.pushes ?? 0); i++) push();
            if (step?.ends) q.end();
            depth--;
            if (step?.stops === 'throw') throw new Error(`handler failed on ${v}`);
            return step?.stops === 'stop' ? false : undefined;
          });
          while (next < 16) push();
          q.end();
          // A handler that throws rejects the drain with its error; the value it threw on was handled.
          if (script.slice(0, seen.length).some((s) => s.stops === 'throw'))
            await expect(done).rejects.toThrow(`handler failed on ${seen.at(-1)}`);
          else await done;
          const rest: number[] = [];
          for await (const v of q) rest.push(v);
          expect(reentered).toBe(false);
          expect([...seen, ...rest]).toEqual(accepted);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('ends a drain started after the stream ended, once the buffer is handed over', async () => {
    const q = new AsyncQueue<number>();
    q.push(7);
    q.end();
    const seen: number[] = [];
    await q.drain((v) => {
      seen.push(v);
      return undefined;
    });
    expect(seen).toEqual([7]);
  });

  it('refuses a second consumer while one is draining or waiting', async () => {
    const q = new AsyncQueue<number>();
    const done = q.drain(() => undefined);
    await expect(q.next()).rejects.toThrow('already has a consumer');
    await expect(q.drain(() => undefined)).rejects.toThrow('already has a consumer');
    q.end();
    await done;
    const r = new AsyncQueue<number>();
    const waiting = r.next();
    await expect(r.drain(() => undefined)).rejects.toThrow('already has a consumer');
    r.end();
    await expect(waiting).resolves.toEqual({ value: undefined, done: true });
  });
});

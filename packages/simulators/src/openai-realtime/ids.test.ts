import { describe, expect, it } from 'vitest';
import { newId } from './ids.ts';

describe('newId', () => {
  it('shapes ids like the real API and never repeats one, across many refills of its random pool', () => {
    const ids = Array.from({ length: 5_000 }, (_v, i) => newId(i % 2 ? 'event' : 'item'));
    for (const id of ids.slice(0, 50)) expect(id).toMatch(/^(event|item)_[A-Za-z0-9]{21}$/);
    expect(new Set(ids).size).toBe(ids.length);
    // Characters are spread over the whole alphabet, not stuck on a stale pool.
    const chars = new Set(ids.map((id) => id.slice(id.indexOf('_') + 1)).join(''));
    expect(chars.size).toBeGreaterThan(60);
  });
});

import { beforeAll, expect, it } from 'vitest';

beforeAll(() => {
  throw new Error('the database did not start');
});
it('reads a row', () => expect(1).toBe(1));

// A browser test whose setup finds no Chromium: its tests are skipped, and the file has failed.
import { beforeAll, describe, expect, it } from 'vitest';

describe('a browser test', () => {
  beforeAll(() => {
    throw new Error(
      'Chromium is not installed, so the browser test cannot run. Install it with: apt-get install -y chromium',
    );
  });
  it('opens a page', () => expect(true).toBe(true));
  it('signs in', () => expect(true).toBe(true));
});
